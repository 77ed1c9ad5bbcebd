"""The robustness phase of the live suite: passes on the real mock, and fails `errors.no-5xx` on a
mock that drops the connection on one kind of raw input, every kind in turn, with a replay line."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from okroute_mock.breaks import DROP_ON
from okroute_model.rawinput import RawInput
from tests.helpers import PRIMARY, run_contracts, running_mock

pytestmark = pytest.mark.slow
PHASE = ("-k", "test_raw_input")
PHASE_SECONDS = 20.0  # the phase itself takes about a second on loopback; generous when loaded


def failed_tests(reports: Path) -> set[str]:
    root = ET.parse(reports / "junit.xml").getroot()
    return {
        case.get("name", "")
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    }


def test_the_phase_passes_on_the_mock(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as mock:
        started = time.monotonic()
        result = run_contracts(mock, tmp_path / "reports", *PHASE)
        seconds = time.monotonic() - started
        stats = mock.stats()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "SKIPPED" not in result.stdout  # live: every kind runs
    data = json.loads((tmp_path / "reports" / "contract-results.json").read_text())
    assert data["duration_s"] < PHASE_SECONDS, data["duration_s"]
    variants = {v for c in data["checks"].values() for v in c["variants"]}
    assert {"GET http", "GET https", "POST-body http", "POST-body https"} <= variants
    assert not [s for s in stats["by_status"] if s.startswith("5")]
    assert stats["submitted_numbers"] == 0  # no probe became a message
    print(f"phase: {data['duration_s']} s inside pytest, {seconds:.1f} s with its start-up")


@pytest.mark.parametrize("kind", list(RawInput))
def test_a_mock_that_drops_one_kind_fails_the_rule(tmp_path: Path, kind: RawInput) -> None:
    with running_mock(tmp_path / "mock", "--break", DROP_ON[kind]) as broken:
        result = run_contracts(broken, tmp_path / "reports", *PHASE)
    out = result.stdout
    assert result.returncode == 1, out[-3000:]  # a contract failure, not "could not verify"
    assert "the platform became unreachable at contracts" not in out
    data = json.loads((tmp_path / "reports" / "contract-results.json").read_text())
    assert data["failed_rules"] == ["errors.no-5xx"]
    assert f"test_raw_input[{kind}]" in failed_tests(tmp_path / "reports")
    assert "[SHOULD errors.no-5xx]" in out and f"raw input: {kind} /" in out
    assert "a benign request straight after was answered" in out
    assert "reproduce: python3 -c" in out
    assert PRIMARY[1] not in out + result.stderr
