"""The offline suite fails when its respx fake is broken on purpose, naming the broken rule.

Each run is `pytest contracts --okroute-break FAULT` against the fake (no sockets), with the
derandomized few-example profile to keep it short.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contracts import invoke
from okroute_mock.breaks import BREAKS
from tests.helpers import REPO

pytestmark = pytest.mark.slow

# Ten faults over ten different rules, MUST and SHOULD.
FAULTS = [
    "auth-wrong-text",
    "auth-missing-400",
    "dnis-101-accepted",
    "dnis-length-unchecked",
    "service-type-unchecked",
    "gsm7-extension-as-one",
    "ids-reused",
    "status-lowercase",
    "cross-account-read",
    "malformed-json-500",
    "final-status-changes",
    "https-status-differs",
]


def offline_run(fault: str, reports: Path) -> tuple[int, list[str], str]:
    command = invoke.command(reports, "--hypothesis-profile", "live", "--okroute-break", fault)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    data = invoke.results(reports)
    return result.returncode, data["failed_rules"], result.stdout[-2000:]


def test_ten_rules_broken_in_the_fake_are_caught(tmp_path: Path) -> None:
    assert len({BREAKS[f].rule for f in FAULTS}) >= 10
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = dict(
            zip(FAULTS, pool.map(lambda f: offline_run(f, tmp_path / f), FAULTS), strict=True)
        )
    for fault, (code, failed, tail) in runs.items():
        assert code == 1, f"{fault}: exit {code}\n{tail}"
        assert BREAKS[fault].rule in failed, f"{fault}: failed {failed}\n{tail}"


def test_the_unbroken_fake_passes_the_same_profile(tmp_path: Path) -> None:
    command = invoke.command(tmp_path, "--hypothesis-profile", "live", "--okroute-may-flip", "all")
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
