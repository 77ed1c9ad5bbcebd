"""One broken behaviour, many failed tests: each fits on a screen, the summary says it once."""

from __future__ import annotations

import itertools
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import failure_report
from okroute_model.environment import Env
from okroute_model.rules import RULES
from tests.helpers import PRIMARY, run_contracts, running_mock

pytestmark = pytest.mark.slow
MAX_LINES_PER_FAILURE = 40
BREAK = "auth-wrong-text"  # wrong credentials answer 401 'Unauthorized'
_HEADER = re.compile(r"^_{3,} (\S.*\S) _{3,}$")
_SUMMARY = re.compile(r"^FAILED (MUST|SHOULD) (\S+): (\d+) tests?, (\d+) variants?; first: (.+)$")


def failure_blocks(out: str) -> dict[str, list[str]]:
    """Test name -> the lines of its failure report, from pytest's FAILURES section."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("====="):
            current = None
            continue
        header = _HEADER.match(line)
        if header:
            current = blocks.setdefault(header.group(1), [])
        elif current is not None:
            current.append(line)
    return blocks


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("broken")
    with running_mock(directory / "mock", "--break", BREAK) as mock:
        result = run_contracts(mock, directory / "reports", "-k", "credentials", timeout=400)
    results = json.loads((directory / "reports" / "contract-results.json").read_text())
    return result, results


def test_each_failure_fits_on_a_screen(broken_run) -> None:
    result, results = broken_run
    headers = {f"[{RULES[r].level} {r}]" for r in results["failed_rules"]}
    assert result.returncode == 1, result.stdout[-3000:]
    blocks = failure_blocks(result.stdout)
    assert len(blocks) >= 4, result.stdout[-3000:]  # one break, several failed tests
    for name, lines in blocks.items():
        text = "\n".join(lines)
        assert len(lines) <= MAX_LINES_PER_FAILURE, f"{name}: {len(lines)} lines\n{text}"
        assert any(text.startswith(h) for h in headers), f"{name} names no failed rule:\n{text}"
        for label in ("check:", "problem:", "case:", "received:", "reproduce: curl", "rerun:"):
            assert label in text, f"{name} has no {label!r} line:\n{text}"
        # none of the suite's own frames, fixture reprs or Hypothesis's dump of the case
        for inside in ("contracts/checks.py", "contracts/exercise.py", "okroute = <", "Draw 1:"):
            assert inside not in text, f"{name} shows {inside!r}:\n{text}"
        assert "offline:" not in text  # a live run's curl line can be run as it is
        assert PRIMARY[1] not in text


def test_the_summary_has_one_line_per_failed_rule(broken_run) -> None:
    result, results = broken_run
    failed_rules = results["failed_rules"]
    assert "auth.wrong-credentials" in failed_rules
    lines = [m for m in map(_SUMMARY.match, result.stdout.splitlines()) if m]
    assert sorted(m.group(2) for m in lines) == sorted(failed_rules), result.stdout[-3000:]
    blocks = failure_blocks(result.stdout)
    wrong = next(m for m in lines if m.group(2) == "auth.wrong-credentials")
    assert wrong.group(1) == "MUST"
    assert int(wrong.group(3)) == sum(
        "[MUST auth.wrong-credentials]" in "\n".join(b) for b in blocks.values()
    )
    assert int(wrong.group(4)) >= 2  # seen through more than one variant
    first = shlex.split(wrong.group(5))
    # A live rerun keeps the run's budget (and second account) as settings in front.
    env = list(itertools.takewhile(lambda w: "=" in w and w[0] != "-", first))
    assert any(w.startswith(f"{Env.MAX_MESSAGES}=") for w in env), first
    first = first[len(env) :]
    assert first[:2] == ["pytest", "--pyargs"] and first[2].startswith("contracts.suite.")


def test_the_rerun_line_is_a_command(tmp_path: Path) -> None:
    """Offline there is no server: the note says so, and the rerun line reproduces the failure."""
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs",
        "contracts.suite.test_3_auth::test_submit_credentials[wrong-password]",
        "--okroute-break", BREAK, "--okroute-reports", str(tmp_path / "r1"),
    ]  # fmt: skip
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 1, first.stdout[-3000:]
    (block,) = failure_blocks(first.stdout).values()
    assert any(line.lstrip().startswith("offline:") for line in block)
    rerun = next(line for line in block if line.lstrip().startswith("rerun:"))
    words = rerun.split("rerun:", 1)[1].split()
    assert words[0] == "pytest" and any(w.startswith("--hypothesis-seed=") for w in words)
    assert BREAK in words  # the options that made it fail come along
    again = [sys.executable, "-m", *shlex.split(rerun.split("rerun:", 1)[1])]
    again += ["-p", "no:cacheprovider", "--okroute-reports", str(tmp_path / "r2")]
    second = subprocess.run(again, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert second.returncode == 1 and "[MUST auth.wrong-credentials]" in second.stdout


def test_a_violation_group_is_shown_whole_but_short() -> None:
    """Hypothesis reports distinct failures together; each one is found."""
    from contracts.failures import ContractViolation

    one = ContractViolation(RULES["auth.wrong-credentials"], "c1", "p1", [])
    two = ContractViolation(RULES["auth.no-echo"], "c2", "p2", [])
    group = ExceptionGroup("distinct failures", [one, ValueError("x"), ExceptionGroup("g", [two])])
    assert failure_report.violations_in(group) == [one, two]
    assert failure_report.violations_in(ValueError("x")) == []
