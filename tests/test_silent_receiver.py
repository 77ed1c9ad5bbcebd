"""A push receiver that gets nothing (issue 18): neither a campaign nor the live suite passes,
and each says why on a line of its own; the suite prints every account's URL templates first."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from contracts import invoke
from contracts.planner import ExitCode
from loadtests.outcome import Exit
from okroute_mock.launch import free_port
from okroute_model.environment import Env
from tests.helpers import DNIS_PREFIX, PRIMARY, REPO, SECONDARY, run_contracts, running_mock
from tests.test_load_campaigns import campaign

pytestmark = pytest.mark.slow
PUSH_TEST = "test_pushes_follow_the_contract"


def test_a_campaign_against_a_platform_that_never_pushes_fails_and_says_why(
    tmp_path: Path,
) -> None:
    port = free_port()
    account = {Env.USERNAME: PRIMARY[0], Env.PASSWORD: PRIMARY[1], Env.DNIS_PREFIX: DNIS_PREFIX}
    with running_mock(tmp_path / "mock", "--no-push", https=False) as mock:
        result, summary = campaign(
            tmp_path, "silent", "--host", mock.http, "--duration", "3s", "--users", "2",
            "--dlr-listen", f"127.0.0.1:{port}", "--dlr-public-url", f"http://127.0.0.1:{port}",
            "--push-grace", "2", **account,
        )  # fmt: skip
    out = result.stdout
    assert result.returncode == Exit.FAIL, out[-3000:] + result.stderr[-2000:]
    assert summary["verdict"] == "FAIL" and summary["push"]["received"] == 0
    assert summary["push"]["messages"] > 0
    start = next(line for line in out.splitlines() if line.startswith("okroute-load: closed"))
    assert "SLO errors<1%, push_missing<1%" in start, start
    assert [s["threshold"] for s in summary["slo"] if not s["passed"]] == ["push_missing<1%"]
    assert any(line.startswith("  NO PUSH RECEIVED: none of") for line in out.splitlines()), out
    assert f"http://127.0.0.1:{port}/dlr/{PRIMARY[0]}?" in out  # the template to configure


def test_the_live_suite_against_a_platform_that_never_pushes_fails_and_says_why(
    tmp_path: Path,
) -> None:
    with running_mock(tmp_path / "mock", "--no-push") as mock:
        run = run_contracts(mock, tmp_path / "r", "-k", PUSH_TEST)
        # Even with the rule lowered to a warning, rules judged on no push were not checked.
        warned = run_contracts(
            mock, tmp_path / "w", "-k", PUSH_TEST, "--okroute-warn", "push.final-delivered"
        )
    lines = run.stdout.splitlines()
    # Before any test: both accounts' templates, and that the second one needs them too.
    for user in (PRIMARY[0], SECONDARY[0]):
        for kind in ("DLR", "MO"):
            assert f"okroute push:   {user} {kind}: http://127.0.0.1:" in run.stdout, run.stdout
    assert "the second account's messages are followed too" in run.stdout
    first_template = next(i for i, line in enumerate(lines) if line.startswith("okroute push:"))
    first_result = next(i for i, line in enumerate(lines) if "[100%]" in line)
    assert first_template < first_result
    assert run.returncode == ExitCode.CONTRACT_FAILURE, run.stdout[-4000:]
    results = json.loads((tmp_path / "r" / "contract-results.json").read_text())
    assert "push.final-delivered" in results["failed_rules"]
    assert any(line.startswith("okroute push: NOTHING RECEIVED") for line in lines), run.stdout
    # The rerun line keeps what the push test depends on: the receiver, the budget, account two.
    rerun = next(line for line in lines if line.lstrip().startswith("rerun:"))
    words = shlex.split(rerun.split("rerun:", 1)[1])
    assert "--okroute-dlr-listen" in words and "--okroute-push-wait" in words
    assert f"{Env.USERNAME_2}={SECONDARY[0]}" in words
    assert any(w.startswith(f"{Env.MAX_MESSAGES}=") for w in words)
    assert PRIMARY[1] not in run.stdout and SECONDARY[1] not in run.stdout
    assert warned.returncode == ExitCode.INCOMPLETE, warned.stdout[-3000:]
    assert "NOT JUDGED: push receiver: no push reached the receiver" in warned.stdout


def _plan(reports: Path, *args: str) -> str:
    """The suite's --okroute-plan against an address nobody listens on (a plan sends nothing)."""
    env = {
        **os.environ,
        Env.USERNAME: PRIMARY[0],
        Env.PASSWORD: PRIMARY[1],
        Env.USERNAME_2: SECONDARY[0],
        Env.PASSWORD_2: SECONDARY[1],
        Env.DNIS_PREFIX: DNIS_PREFIX,
    }
    command = invoke.command(reports, "--okroute-plan", *args, http="http://127.0.0.1:9")
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return run.stdout


def test_the_plan_shows_every_accounts_templates_at_the_public_url(tmp_path: Path) -> None:
    # Without a public URL a wildcard address shows THIS-HOST and asks for one
    # (tests/test_push_setup.py).
    out = _plan(
        tmp_path, "--okroute-dlr-listen", "0.0.0.0:8080",
        "--okroute-dlr-public-url", "http://receiver.example:8080",
    )  # fmt: skip
    assert "http://0.0.0.0" not in out and "THIS-HOST" not in out
    for user in (PRIMARY[0], SECONDARY[0]):
        for kind in ("DLR", "MO"):
            assert f"okroute push:   {user} {kind}: http://receiver.example:8080/" in out, out
    assert "the second account's messages are followed too" in out
    assert out.index("okroute push:") < out.index("okroute plan:")
