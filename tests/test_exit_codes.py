"""The exit-code table (`okroute_model.exitcodes`) is what the commands do: every code each
command documents has a situation here, run as a user runs it, and compared with the table.

The contract situations run offline or against a loopback mock with a few tests selected; the
campaign's for a second or two against its built-in mock. okroute-verify's verdict codes (PASS,
WARN, INCOMPLETE, FAIL) come from its verdict through `verdict_code`, checked here directly (whole
verifications that end each way are in tests/test_verify.py); its Ctrl-C and setup mistakes run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.detection import live_env, mock_account_args
from okroute_mock.launch import MockProcess, launched
from okroute_model.environment import Env
from okroute_model.exitcodes import MEANINGS, Command, ExitCode, codes, help_text
from okroute_verify.cli import verdict_code

pytestmark = pytest.mark.slow
PY = [sys.executable, "-m"]
MODULE = {
    Command.CONTRACT: "contracts.cli",
    Command.LOAD: "loadtests.cli",
    Command.VERIFY: "okroute_verify",
    Command.MOCK: "okroute_mock",
}
AUTH_TEST = "test_submit_credentials"
OFFLINE = {Env.HTTP_URL: "", Env.HTTPS_URL: ""}
# (command, code) -> (arguments, extra environment, how it ends: "run", "interrupt", "live")
SITUATIONS: dict[tuple[Command, ExitCode], tuple[list[str], dict[str, str], str]] = {
    (Command.CONTRACT, ExitCode.PASS): (["-q", "-k", AUTH_TEST], OFFLINE, "run"),
    (Command.CONTRACT, ExitCode.FAIL): (
        ["-q", "-k", AUTH_TEST, "--okroute-break", "auth-missing-400"],
        OFFLINE,
        "run",
    ),
    (Command.CONTRACT, ExitCode.ABORTED): (["-q"], OFFLINE, "interrupt"),
    (Command.CONTRACT, ExitCode.COULD_NOT_VERIFY): (["--okroute-nonsense"], OFFLINE, "run"),
    (Command.CONTRACT, ExitCode.NO_TESTS): (["-q", "-k", "no_such_test_anywhere"], OFFLINE, "run"),
    (Command.CONTRACT, ExitCode.INCOMPLETE): (
        ["-q", "-k", "test_4_query"],
        {Env.MAX_MESSAGES: "0"},
        "live",
    ),
    (Command.CONTRACT, ExitCode.WARN): (
        [
            "-q",
            "-k",
            AUTH_TEST,
            "--okroute-break",
            "auth-missing-400",
            "--okroute-warn",
            "auth.missing-credentials",
            "--okroute-strict",
        ],
        OFFLINE,
        "run",
    ),
    (Command.LOAD, ExitCode.PASS): (["--duration", "1s", "--users", "2"], {}, "run"),
    (Command.LOAD, ExitCode.FAIL): (
        ["--duration", "1s", "--users", "2", "--slo", "submit:p50<1us"],
        {},
        "run",
    ),
    (Command.LOAD, ExitCode.ABORTED): (
        ["--duration", "20s", "--users", "2", "--slo", "submit:p50<1us:abort-after=1s"],
        {},
        "run",
    ),
    (Command.LOAD, ExitCode.INVALID): (
        ["--model", "open", "--arrival", "constant:40000", "--duration", "2s", "--mix", "submit=1"],
        {},
        "run",
    ),
    (Command.LOAD, ExitCode.COULD_NOT_VERIFY): (["--duration", "soon"], {}, "run"),
    (Command.VERIFY, ExitCode.ABORTED): (["--skip-load"], {}, "interrupt-live"),
    (Command.VERIFY, ExitCode.COULD_NOT_VERIFY): ([], {}, "run"),  # no --target
    (Command.MOCK, ExitCode.PASS): (["--list-rules"], {}, "run"),
    (Command.MOCK, ExitCode.COULD_NOT_VERIFY): (["--seed", "many"], {}, "run"),
}
# okroute-verify's codes that follow from its verdict, and the verdict that gives each.
VERDICTS = {
    ExitCode.PASS: ("WARN", False),
    ExitCode.FAIL: ("FAIL", False),
    ExitCode.INCOMPLETE: ("INCOMPLETE", True),
    ExitCode.WARN: ("WARN", True),
}


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    with launched(tmp_path_factory.mktemp("mock"), mock_account_args(), https=False) as process:
        yield process


def test_every_documented_code_has_a_situation_here() -> None:
    documented = {(command, code) for command in Command for code in codes(command)}
    covered = set(SITUATIONS) | {(Command.VERIFY, code) for code in VERDICTS}
    assert documented == covered, documented ^ covered


@pytest.mark.parametrize("command", list(Command))
def test_every_help_prints_the_table(command: Command) -> None:
    result = subprocess.run(
        [*PY, MODULE[command], "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == ExitCode.PASS, result.stderr
    assert help_text(command) in result.stdout.replace("\r", ""), result.stdout[-2000:]
    assert "the exit code is pytest's" not in result.stdout


@pytest.mark.parametrize(
    ("code", "verdict"), list(VERDICTS.items()), ids=[c.name for c in VERDICTS]
)
def test_a_verifications_verdict_exits_with_the_tables_code(code, verdict) -> None:
    assert verdict_code(*verdict) == code
    assert Command.VERIFY in MEANINGS[code]


def _interrupted(command: list[str], env: dict[str, str], cwd: Path, wait_for: str) -> int:
    """Ctrl-C in the terminal (SIGINT to the process group) once `wait_for` was printed."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    seen = b""
    assert process.stdout is not None
    while wait_for.encode() not in seen:
        chunk = process.stdout.read1(256)  # type: ignore[attr-defined]
        assert chunk, seen.decode(errors="replace")[-2000:]
        seen += chunk
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=120)
    return process.returncode


@pytest.mark.parametrize(
    ("command", "code"), list(SITUATIONS), ids=[f"{c.value}-{k.name}" for c, k in SITUATIONS]
)
def test_each_situation_exits_with_the_tables_code(
    request: pytest.FixtureRequest, tmp_path: Path, command: Command, code: ExitCode
) -> None:
    args, extra, how = SITUATIONS[(command, code)]
    env = {**os.environ, **extra}
    if how in ("live", "interrupt-live"):
        mock = request.getfixturevalue("mock")
        env = {**os.environ, **live_env(mock), **extra, Env.HTTP_URL: mock.http}
    if command is Command.VERIFY and how == "interrupt-live":
        profile = tmp_path / "target.toml"
        profile.write_text(f'[target]\nhttp_url = "{env[Env.HTTP_URL]}"\ndnis_prefix = "4477009"\n')
        args = ["--target", str(profile), *args]
    line = [*PY, MODULE[command], *args]
    if how.startswith("interrupt"):
        wait_for = "planning" if command is Command.VERIFY else "."
        exit_code = _interrupted(line, env, tmp_path, wait_for)
        output = ""
    else:
        result = subprocess.run(line, cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=300)  # fmt: skip
        exit_code, output = result.returncode, result.stdout[-3000:] + result.stderr[-3000:]
    assert exit_code == code, f"{command} exited {exit_code}, the table says {int(code)}\n{output}"
    assert "Traceback" not in output
