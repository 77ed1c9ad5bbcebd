"""Campaigns with the push receiver: latency and no misses on the correct mock, the push faults
seen for what they are, and a distributed run whose workers' push figures add up."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.outcome import Exit
from tests.test_load_campaigns import CANARY, campaign

pytestmark = pytest.mark.slow
FAST = ["--mock-arg=--accept-delay=20ms..50ms", "--mock-arg=--final-delay=100ms..300ms"]
SHORT = ["--duration", "5s", "--users", "5", "--push-grace", "10", *FAST]


def test_push_latency_and_no_missing_push_on_the_correct_mock(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path, "push", *SHORT, "--slo", "push:p95<5s", "--slo", "push_missing<0.1%"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    push = summary["push"]
    assert push["messages"] > 0 and push["with_final"] == push["messages"]
    assert push["missing"] == 0 and push["missing_share"] == 0.0
    for name in ("duplicates", "out_of_order", "unknown", "foreign", "password", "bad_format"):
        assert push[name] == 0, (name, push)
    latency = push["latency_ms"]
    assert 100 <= latency["p50"] <= latency["p95"] < 5000  # the mock's 120..350 ms, plus sending
    assert set(push["latency_ms_by_status"]) <= {"DELIVRD", "UNDELIV", "EXPIRED", "REJECTD"}
    assert push["push_and_poll_disagree"] == {}  # polling and pushes tell one story
    if summary["delivery"]["count"]:  # a starved generator may see no final status polled
        assert push["polled_compared"] > 0
    assert {s["line"].split(":")[0] for s in summary["slo"]} >= {"push", "push_missing<0.1%"}
    assert all(s["passed"] for s in summary["slo"])
    assert "pushes:" in result.stdout and "missing 0.000%" in result.stdout


def test_duplicates_out_of_order_and_missing_pushes_are_reported(tmp_path: Path) -> None:
    faults = [
        "--mock-arg=--push-duplicate-rate=0.5",
        "--mock-arg=--push-reorder-rate=0.5",
        "--mock-arg=--push-drop-rate=0.3",
        "--mock-arg=--push-password-rate=0.3",
    ]
    result, summary = campaign(
        tmp_path, "faulty", *SHORT, "--push-grace", "3", *faults, "--slo", "push_missing<0.1%"
    )
    assert result.returncode == 1, result.stdout[-3000:]
    push = summary["push"]
    assert push["messages"] >= 10, push  # enough for the seeded faults to show
    assert push["duplicates"] > 0 and push["out_of_order"] > 0
    assert 0 < push["missing"] < push["messages"]  # about a third of the final pushes dropped
    assert push["password"] > 0
    assert CANARY not in (tmp_path / "faulty" / "summary.json").read_text()
    assert [s["passed"] for s in summary["slo"]] == [False]


def test_distributed_workers_push_figures_are_merged(tmp_path: Path) -> None:
    result, summary = campaign(tmp_path, "dist", *SHORT, "--workers", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    push = summary["push"]
    workers = push["by_generator"]
    assert set(workers) == {"worker-1", "worker-2"}
    assert all(w["messages"] > 0 for w in workers.values())
    for name in ("messages", "with_final", "pushes"):
        assert push[name] == sum(w[name] for w in workers.values())
    assert push["missing"] == 0
    counted = sum(w["latency_ms_by_status"].get("DELIVRD", {}) != {} for w in workers.values())
    assert counted == 2 and push["latency_ms"]["p50"] > 0


def test_push_receiver_off_and_a_bad_listen_address(tmp_path: Path) -> None:
    result, summary = campaign(tmp_path, "off", "--duration", "2s", "--dlr-listen", "off")
    assert result.returncode == 0 and "push" not in summary
    result, _ = campaign(tmp_path, "bad", "--duration", "2s", "--dlr-listen", "nowhere")
    assert result.returncode == Exit.USAGE and "--dlr-listen" in result.stderr
    assert "Traceback" not in result.stderr
