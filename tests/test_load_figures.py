"""Figures that are what happened: rates over the load window, the run's own verdict on whether it
applied the load, coordinated omission named, durations in every unit. Loopback, seconds each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.outcome import Exit
from tests.test_load_campaigns import campaign

pytestmark = pytest.mark.slow
PREFLIGHT_QUERIES = 2  # the locustfile's status query, one per transport


def test_the_rate_is_taken_over_the_load_window_and_matches_the_mocks_count(
    tmp_path: Path,
) -> None:
    # On a busy machine the generator may start some sends late, and the run is rightly
    # INVALID at the default 5 %; this test is about the figures, so lateness is let be.
    result, summary = campaign(
        tmp_path, "rate", "--model", "open", "--arrival", "constant:100", "--duration", "5s",
        "--mix", "submit=1", "--max-late", "50%",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    mock = json.loads((tmp_path / "rate" / "mock-stats.json").read_text())
    submits = mock["by_command"]["submit"]
    everything = summary["scopes"]["all"]
    assert everything["count"] == pytest.approx(submits, rel=0.05)
    assert summary["duration_s"] == pytest.approx(5.0, abs=0.6)  # not the 5 s stop drain
    assert everything["rps"] == pytest.approx(submits / summary["duration_s"], rel=0.05)
    # About the target: a rate over the window with its drain would be near 50/s.
    assert 80 <= everything["rps"] <= 105
    process = summary["generator"]["processes"][0]
    assert process["due"] == pytest.approx(500, rel=0.05) and process["dropped"] == 0


def _burners(count: int) -> list[subprocess.Popen]:
    """Processes that keep every core busy, so the generator competes for CPU."""
    spin = "import time\nend = time.time() + 120\nwhile time.time() < end: pass"
    return [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]


@pytest.mark.parametrize("busy", [False, True], ids=["idle-machine", "busy-machine"])
def test_a_saturated_open_model_run_is_invalid(tmp_path: Path, busy: bool) -> None:
    burners = _burners(3) if busy else []
    try:
        result, summary = campaign(
            tmp_path, "saturated", "--model", "open", "--arrival", "constant:40000",
            "--duration", "3s", "--mix", "submit=1",
        )  # fmt: skip
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert result.returncode == Exit.INVALID, result.stdout[-2000:] + result.stderr[-2000:]
    assert summary["verdict"] == "INVALID"
    assert any("late or never" in r for r in summary["invalid_because"]), summary
    process = summary["generator"]["processes"][0]
    assert process["sent"] < 0.5 * process["due"]  # the schedule's count, not the sends'


def test_held_sends_make_an_open_model_run_invalid(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path, "held", "--model", "open", "--arrival", "constant:100", "--duration", "4s",
        "--mix", "submit=1", "--slo", "throttled<100%",
        "--mock-arg=--throttle-rate=0.3", "--mock-arg=--retry-after=0.2",
    )  # fmt: skip
    assert result.returncode == Exit.INVALID, result.stdout[-2000:]
    assert any("held back by throttling" in r for r in summary["invalid_because"])
    assert summary["generator"]["processes"][0]["held_for_throttling"] > 0


def test_a_closed_model_stall_is_named_as_coordinated_omission(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path, "omission", "--duration", "6s", "--users", "4", "--mix", "submit=1",
        "--mock-arg=--stall-every=2s", "--mock-arg=--stall-for=1s",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert len(summary["warnings"]) == 1
    warning = summary["warnings"][0]
    assert "coordinated omission" in warning and "--model open --arrival constant:" in warning
    assert "WARNING: coordinated omission" in result.stdout
    page = (tmp_path / "omission" / "index.html").read_text()
    assert "coordinated omission" in page


def test_a_closed_model_run_without_a_stall_has_no_warning(tmp_path: Path) -> None:
    result, summary = campaign(tmp_path, "calm", "--duration", "3s", "--users", "2")
    assert result.returncode == 0, result.stdout[-2000:]
    assert summary["warnings"] == []


def test_minutes_parse_everywhere(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path, "minutes", "--duration", "0m3s", "--users", "2", "--dlr-timeout", "1m",
        "--wait", "0ms..10ms", "--slo", "dlr:p95<1m", "--slo", "submit:p99<1m:abort-after=1h",
        "--progress", "1m",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    # 0m3s is three seconds as parsed (the first line), and the load window is about that long:
    # not three minutes, not zero. Its length on a busy machine runs over by a second or more.
    assert " for 3s against " in result.stdout.splitlines()[0], result.stdout[:400]
    assert 2.4 <= summary["duration_s"] < 20, summary["duration_s"]
    assert [s["threshold"] for s in summary["slo"]] == [
        "dlr:p95<1m",
        "submit:p99<1m:abort-after=1h",
    ]
