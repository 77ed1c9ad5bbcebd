"""Short headless campaigns against the built-in mock: loopback only, seconds each."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.outcome import Exit
from tests.helpers import REPO

pytestmark = pytest.mark.slow
CANARY = "Load-Canary-Pw-93d1"


def campaign(
    tmp_path: Path, name: str, *args: str, timeout: float = 240, **env: str
) -> tuple[subprocess.CompletedProcess, dict]:
    command = [
        sys.executable,
        "-m",
        "loadtests.cli",
        "--reports",
        str(tmp_path),
        "--campaign",
        name,
        *args,
    ]
    result = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OKROUTE_USERNAME": "load", "OKROUTE_PASSWORD": CANARY, **env},
    )
    summary_file = tmp_path / name / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    for log in (tmp_path / name).glob("*.log"):  # Locust logs and survives handler errors
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    return result, summary


def rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_closed_model_campaign_with_its_report(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path, "closed", "--duration", "6s", "--users", "8", "--mix", "submit=2,query=2,mo=1"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert summary["verdict"] == "PASS" and summary["valid"]
    folder = tmp_path / "closed"
    for name in (
        "summary.json",
        "throughput.png",
        "latency.png",
        "locust.html",
        "locust_stats.csv",
        "locust_failures.csv",
    ):
        assert (folder / name).stat().st_size > 0, name
    groups = summary["groups"]
    assert {g.split()[0] for g in groups} == {"submit", "query", "mo"}
    assert {g.split(" ", 1)[1] for g in groups if g.startswith("submit")} == {
        f"{m} {t}" for m in ("GET", "POST-url", "POST-body") for t in ("http", "https")
    }
    figures = summary["scopes"]["submit"]["latency_ms"]
    assert 0 < figures["p50"] <= figures["p99"] <= figures["p99.9"]
    assert summary["delivery"]["count"] > 0
    assert abs(sum(summary["delivery"]["finals"].values()) - 1) < 1e-3
    assert summary["generator"]["processes"][0]["check_rate"] == 1.0
    names = {r["Name"] for r in rows(folder / "locust_stats.csv")}
    # Delivery latency is not a request: it has its own table and chart, not a Locust row.
    assert not any(n.startswith("delivery ") for n in names)
    assert (folder / "delivery.png").stat().st_size > 0


STALL_RATE = 80


def test_open_model_shows_a_stall_in_corrected_latency(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path,
        "stall",
        "--model",
        "open",
        "--arrival",
        # A modest rate, so that a busy test machine does not make the generator late on its
        # own; few slots, so that the stall holds them all and the rest wait on the platform.
        f"constant:{STALL_RATE}",
        "--duration",
        "8s",
        "--max-in-flight",
        "4",
        "--mix",
        "submit=1",
        "--mock-arg=--stall-every=3s",
        "--mock-arg=--stall-for=1s",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    submit = summary["scopes"]["submit"]
    raw, corrected = submit["latency_ms"], submit["corrected_latency_ms"]
    # Requests held back by the stall were sent late and answered fast: raw latency hides the
    # stall, latency from the intended send time shows it.
    assert corrected["p95"] > 200 and corrected["p95"] > 10 * raw["p95"], (raw, corrected)
    process = summary["generator"]["processes"][0]
    assert process["late"] > 0 and process["target_rps"] == pytest.approx(STALL_RATE)
    assert summary["valid"], summary["invalid_because"]


def test_a_saturated_generator_marks_the_run_invalid(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path,
        "saturated",
        "--model",
        "open",
        "--arrival",
        "constant:40000",
        "--duration",
        "3s",
        "--mix",
        "submit=1",
    )
    assert result.returncode == 3, result.stdout[-2000:]
    assert summary["verdict"] == "INVALID" and not summary["valid"]
    assert summary["invalid_because"] and "INVALID:" in result.stdout


def test_an_slo_breach_exits_non_zero_with_a_reason(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path,
        "breach",
        "--duration",
        "3s",
        "--users",
        "4",
        "--slo",
        "submit:p99<1us",
        "--slo",
        "errors<1%",
    )
    assert result.returncode == 1
    assert summary["verdict"] == "FAIL"
    assert "SLO submit:p99<1us: BREACHED" in result.stdout
    assert [s["passed"] for s in summary["slo"]] == [False, True]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slo", "submit:latency<1s"], "unknown metric"),
        (["--model", "open", "--arrival", "wave:3"], "arrival"),
        (["--duration", "soon"], "duration"),
        (["--host", "http://127.0.0.1:9"], "cannot reach"),
        (["--mix", "query=1"], "submit needs weight"),
    ],
)
def test_mistakes_are_one_line_without_traceback(tmp_path: Path, args, message) -> None:
    env = {"OKROUTE_DNIS_PREFIX": "4477009"}
    result, _ = campaign(tmp_path, "mistake", *args, **env)
    assert result.returncode == Exit.USAGE
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_distributed_master_and_two_workers(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path, "distributed", "--workers", "2", "--users", "6", "--duration", "6s"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert summary["processes"] == 2
    per_process = [p["sent"] for p in summary["generator"]["processes"]]
    assert len(per_process) == 2 and min(per_process) > 0
    assert summary["scopes"]["all"]["count"] == sum(per_process)  # the histograms merged
    # Every worker's last figures are in (the master waits for them): the report counts what
    # the mock answered, less the preflight's queries and what was in flight at the stop.
    mock = json.loads((tmp_path / "distributed" / "mock-stats.json").read_text())
    answered = sum(mock["by_command"].values())
    assert 0.97 * answered - 10 <= summary["scopes"]["all"]["count"] <= answered, mock
    assert summary["delivery"]["count"] > 0
    stats = {r["Name"]: r for r in rows(tmp_path / "distributed" / "locust_stats.csv")}
    assert int(stats["Aggregated"]["Request Count"]) >= summary["scopes"]["all"]["count"]


def test_violations_are_named_by_rule_and_throttling_counted_apart(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path,
        "faulty",
        "--duration",
        "5s",
        "--users",
        "6",
        "--mix",
        "submit=1",
        "--messages",
        "long=1",
        "--slo",
        "throttled<90%",
        "--mock-arg=--break=segment-num-integer",
        "--mock-arg=--throttle-rate=0.2",
        "--mock-arg=--retry-after=0.05",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    submit = summary["scopes"]["submit"]
    assert set(submit["failures_by_rule"]) == {"submit.response-schema"}
    assert 0.05 < submit["throttled"] < 0.5
    failures = rows(tmp_path / "faulty" / "locust_failures.csv")
    assert {r["Error"] for r in failures} == {"LoadFailure('submit.response-schema')"}
    names = {r["Name"] for r in rows(tmp_path / "faulty" / "locust_stats.csv")}
    assert any(n.endswith("[throttled]") for n in names)


def test_the_message_budget_is_a_hard_cap(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path,
        "budget",
        "--duration",
        "4s",
        "--users",
        "4",
        "--mix",
        "submit=1",
        "--max-messages",
        "40",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert summary["scopes"]["submit"]["count"] <= 40
    mock = json.loads((tmp_path / "budget" / "mock-stats.json").read_text())
    assert 0 < mock["submitted_numbers"] <= 40  # the platform's own count


def test_no_password_in_any_report_or_log_at_any_log_level(tmp_path: Path) -> None:
    result, _ = campaign(
        tmp_path,
        "leak",
        "--duration",
        "4s",
        "--users",
        "4",
        "--workers",
        "2",
        LOCUST_LOGLEVEL="DEBUG",
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    written = [p for p in (tmp_path / "leak").rglob("*") if p.is_file()]
    assert len(written) > 8
    for path in written:
        assert CANARY not in path.read_bytes().decode("utf-8", "replace"), path
    assert CANARY not in result.stdout + result.stderr
