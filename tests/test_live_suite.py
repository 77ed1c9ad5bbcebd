"""`pytest contracts` in live mode against the real mock: real sockets, real TLS, loopback only."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from contracts import invoke
from contracts.detection import live_env
from contracts.planner import ExitCode
from tests.helpers import PRIMARY, REPO, SECONDARY, run_contracts, running_mock

pytestmark = pytest.mark.slow
CANARIES = (PRIMARY[1], SECONDARY[1])


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("live")) as m:
        yield m


def files_under(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()]


def assert_no_canary(texts: dict[str, str]) -> None:
    for where, text in texts.items():
        for canary in CANARIES:
            assert canary not in text, f"the password leaked into {where}"


def test_the_live_suite_passes_against_the_mock(mock, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = run_contracts(mock, reports)
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((reports / "contract-results.json").read_text())
    assert results["mode"] == "live" and not results["failed_rules"]
    checked_variants = {v for c in results["checks"].values() for v in c["variants"]}
    assert len(checked_variants) == 6  # all three methods on both transports
    assert (reports / "junit.xml").exists() and (reports / "contract-coverage.md").exists()
    texts = {str(p): p.read_text(errors="replace") for p in files_under(reports)}
    texts |= {
        "stdout": result.stdout,
        "stderr": result.stderr,
        "access log": (mock.directory / "access.log").read_text(),
    }
    assert_no_canary(texts)


def test_one_transport_alone_works(mock, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = subprocess.run(
        invoke.command(reports, "-k", "boundary or valid_submit", http=mock.http),
        cwd=REPO,
        env={**os.environ, **live_env(mock)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads((reports / "contract-results.json").read_text())
    variants = {v for c in results["checks"].values() for v in c["variants"]}
    assert variants == {"GET http", "POST-url http", "POST-body http"}


def test_a_violation_fails_the_run_with_an_actionable_report(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock", "--break", "dnis-101-accepted") as broken:
        result = run_contracts(broken, tmp_path / "reports", "-k", "boundary")
    assert result.returncode == 1
    out = result.stdout
    assert "[MUST submit.dnis-count-limit]" in out
    assert "reproduce: curl" in out and "password=***" in out
    assert "received:  200" in out
    assert_no_canary({"stdout": out})


def test_the_budget_stops_sending(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as fresh:
        result = run_contracts(
            fresh, tmp_path / "reports", "-k", "boundary", OKROUTE_MAX_MESSAGES="50"
        )
        sent = fresh.stats()["submitted_numbers"]
    # Issue 11: a run that could not check everything within its budget is incomplete, not 0.
    assert result.returncode == ExitCode.INCOMPLETE, result.stdout[-3000:]
    assert "SKIPPED" in result.stdout and "the budget of 50" in result.stdout
    assert 0 < sent <= 50


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"OKROUTE_PASSWORD": ""}, [], "needs credentials"),
        ({"OKROUTE_DNIS_PREFIX": ""}, [], "OKROUTE_DNIS_PREFIX"),
        ({}, ["--okroute-url", "http://127.0.0.1:9"], "cannot reach"),
        ({"OKROUTE_CA_BUNDLE": "/nonexistent.pem"}, [], "does not exist"),
    ],
)
def test_setup_mistakes_stop_cleanly(mock, tmp_path: Path, env, args, message) -> None:
    result = run_contracts(mock, tmp_path / "reports", *args, **env)
    assert result.returncode == ExitCode.COULD_NOT_VERIFY
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
