"""The faults of sparse requests and isolated defects are caught by their rule in every run, not
by chance: each fault's detection run (live, against the mock) three times with different
Hypothesis seeds. Each run sends only the tests that catch the fault and stops once its rule
failed (`--okroute-stop-on`); the whole catalogue is `tests/test_fault_catalogue.py`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contracts.detection import run_once
from okroute_mock.breaks import BREAKS, Fault

pytestmark = pytest.mark.slow

SPARSE = "contracts/suite/test_2_sparse.py"
# The drawn (Hypothesis) tests first: the seed changes what they send.
TARGETED: dict[Fault, list[str]] = {
    Fault.MO_MISSING_FIELD_500: [f"{SPARSE}::test_sparse_request", SPARSE],
    Fault.QUERY_MISSING_ID_500: [f"{SPARSE}::test_sparse_request", SPARSE],
    # The over-2048 strategy alone, without the boundary case: well-formed numbers padded with
    # spaces, so a platform without the length check is caught whatever the draw.
    Fault.DNIS_LENGTH_UNCHECKED: [
        "contracts/suite/test_2_submit.py::test_invalid_submit[dnis-too-long]"
    ],
}
SEEDS = (11, 22, 33)


def test_each_fault_is_caught_by_its_rule_with_three_seeds(tmp_path: Path) -> None:
    jobs = [(fault, seed) for fault in TARGETED for seed in SEEDS]

    def run(job: tuple[Fault, int]):
        fault, seed = job
        return run_once(
            str(fault),
            ["--break", fault],
            BREAKS[fault].rule,
            tmp_path / f"seed-{seed}",
            TARGETED[fault],
            ("--hypothesis-seed", str(seed)),
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(jobs, pool.map(run, jobs), strict=True))
    missed = {
        f"{fault} seed {seed}": (r.exit_code, r.failed_rules, r.tail[-600:])
        for (fault, seed), r in results.items()
        if not r.caught
    }
    assert not missed, missed
