"""okroute-verify within one budget: the phases share it, every point is probed, counts match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from contracts.fingerprint import PROBES
from okroute_model.environment import MOCK_NO_ROUTE_PREFIX
from tests.helpers import SECONDARY, running_mock
from tests.test_verify import profile, run_folder, verify

pytestmark = pytest.mark.slow
BUDGET = 1000


def test_a_budget_of_1000_runs_every_phase_and_probes_every_point(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as mock:
        target = profile(tmp_path, mock, max_messages=BUDGET, no_route_prefix=MOCK_NO_ROUTE_PREFIX)
        result = verify(tmp_path, target)
        stored = mock.stats()["routed_numbers"]
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads((run_folder(tmp_path) / "verdict.json").read_text())
    # WARN only for what a loaded test machine may do to the load generator, never the budget.
    assert verdict["verdict"] in ("PASS", "WARN"), verdict["reasons"]
    assert not any("budget" in r or "not probed" in r for r in verdict["reasons"])
    budget = verdict["budget"]
    phases = budget["phases"]
    assert all(phases[p]["share"] > 0 and phases[p]["sent"] > 0 for p in phases), phases
    assert sum(p["share"] for p in phases.values()) <= BUDGET
    assert all(p["at_risk"] <= p["share"] for p in phases.values()), phases
    assert budget["at_risk"] <= BUDGET and stored == budget["sent"]
    assert verdict["load"] is not None
    assert set(verdict["fingerprint"]) >= set(PROBES)
    answers = verdict["fingerprint"]
    assert not any(answers[p].startswith("not probed") for p in PROBES)  # every probe ran
    assert not any("budget" in a for a in answers.values() if a.startswith("not probed"))


def test_a_dry_run_prints_the_plan_and_sends_nothing(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as mock:
        target = profile(tmp_path, mock, max_messages=BUDGET, no_route_prefix=MOCK_NO_ROUTE_PREFIX)
        result = verify(tmp_path, target, "--dry-run")
        requests = mock.stats()["requests"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert requests == 0
    out = result.stdout
    assert f"budget {BUDGET} numbers at risk, shared fairly: contract " in out
    assert "okroute plan: budget" in out and "test_boundary[exactly 100 numbers]" in out
    assert "2. behaviour fingerprint: " in out and "numbers at risk" in out
    assert "3. load smoke:" in out and f"of the budget of {BUDGET}" in out


@pytest.mark.parametrize("budget", [1000, 3000])
def test_without_a_no_route_number_the_contract_share_runs_every_test(
    tmp_path: Path, budget: int
) -> None:
    # Issue 18: with 1,000 the contract share left the oversize lists out (and the MUST rule
    # submit.dnis-count-limit unchecked), with 3,000 five tests, with budget to spare. Every
    # test's cheapest case now comes first, in the plan and in the shares.
    with running_mock(tmp_path / "mock") as mock:
        target = profile(tmp_path, mock, max_messages=budget, no_route_dnis="")
        result = verify(tmp_path, target, "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "NOT RUN" not in out and "not run for the budget" not in out, out
    assert re.search(r"(\d+) of \1 tests run their cheapest case|nothing cut", out), out
    assert "test_invalid_submit[dnis-too-many]: about" in out
    assert f"okroute push:   {SECONDARY[0]} DLR: http://127.0.0.1:" in out  # set it first
