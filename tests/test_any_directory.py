"""The commands run from a directory of the user's own, not from the checkout: reports land there,
and what cannot be found or written stops them in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from okroute_mock.tls import ensure_certificates
from okroute_model.exitcodes import ExitCode
from tests.helpers import PRIMARY, SECONDARY, running_mock
from tests.test_verify import profile

pytestmark = pytest.mark.slow
COMMAND = str(Path(sys.executable).parent / "okroute-verify")


def verify_in(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "OKROUTE_USERNAME": PRIMARY[0],
        "OKROUTE_PASSWORD": PRIMARY[1],
        "OKROUTE_USERNAME_2": SECONDARY[0],
        "OKROUTE_PASSWORD_2": SECONDARY[1],
        "OKROUTE_RATE": "0",  # loopback: no need to be polite to our own mock
        **env,
    }
    return subprocess.run(
        [COMMAND, *args],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def local_profile(directory: Path, name: str, http_url: str = "http://127.0.0.1:9") -> None:
    """./profiles/NAME.toml: plain HTTP, so no CA file is needed."""
    (directory / "profiles").mkdir(exist_ok=True)
    (directory / "profiles" / f"{name}.toml").write_text(
        f'[target]\nhttp_url = "{http_url}"\nhttps_url = ""\ndnis_prefix = "4477009"\n'
    )


def one_line_stop(result: subprocess.CompletedProcess) -> str:
    """Exit 4 (could not verify), one line on stderr, no traceback, no verdict."""
    assert result.returncode == ExitCode.COULD_NOT_VERIFY, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    return lines[0]


def test_the_report_lands_where_the_user_stands(tmp_path: Path) -> None:
    user = tmp_path / "qa-repo"
    (user / "profiles").mkdir(parents=True)
    with running_mock(tmp_path / "mock") as mock:
        written = profile(tmp_path, mock)
        (user / "profiles" / "local-mock.toml").write_text(written.read_text())
        result = verify_in(user, "--target", "local-mock", "--skip-load")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (folder,) = (user / "reports").glob("verify-*")
    verdict = json.loads((folder / "verdict.json").read_text())
    assert verdict["verdict"] == "PASS"
    assert verdict["profile"] == str(Path("profiles") / "local-mock.toml")
    assert (folder / "contract" / "contract-results.json").exists()
    assert (folder / "index.html").exists()


def test_a_shipped_profile_is_found_from_anywhere(tmp_path: Path) -> None:
    # The shipped mock profile trusts the CA the mock makes on its first start, under ~/.cache.
    home = tmp_path / "home"
    ensure_certificates(home / ".cache" / "okroute-mock" / "tls")
    result = verify_in(tmp_path, "--target", "mock", "--dry-run", HOME=str(home))
    assert result.returncode == 0, result.stderr
    assert "okroute_verify/profiles/mock.toml" in result.stdout
    assert not (tmp_path / "reports").exists()  # a dry run writes nothing


def test_the_local_profile_wins_over_a_shipped_one(tmp_path: Path) -> None:
    local_profile(tmp_path, "mock")
    result = verify_in(tmp_path, "--target", "mock", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:9" in result.stdout


def test_a_missing_profile_stops_in_one_line(tmp_path: Path) -> None:
    line = one_line_stop(verify_in(tmp_path, "--target", "no-such-target"))
    assert "no profile 'no-such-target'" in line and "mock" in line


def test_an_unwritable_reports_folder_stops_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    local_profile(tmp_path, "somewhere")
    line = one_line_stop(
        verify_in(tmp_path, "--target", "somewhere", "--reports", str(blocker / "reports"))
    )
    assert "cannot write the reports" in line


def test_an_unreachable_target_stops_in_one_line(tmp_path: Path) -> None:
    local_profile(tmp_path, "gone")
    line = one_line_stop(verify_in(tmp_path, "--target", "gone"))
    assert "cannot reach" in line


def test_the_example_profile_is_printed(tmp_path: Path) -> None:
    result = verify_in(tmp_path, "--example-profile")
    assert result.returncode == 0 and "[target]" in result.stdout
    assert PRIMARY[1] not in result.stdout


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["okroute-load", "--duration", "1s", "--reports", "{blocked}"], ExitCode.USAGE),
        (["okroute-mock", "--http-port", "0", "--tls-dir", "{blocked}"], ExitCode.USAGE),
        (
            ["okroute-contract", "-q", "-k", "boundary", "--okroute-reports", "{blocked}"],
            ExitCode.USAGE,
        ),
    ],
    ids=["okroute-load", "okroute-mock", "okroute-contract"],
)
def test_an_unwritable_folder_stops_every_command_in_one_line(
    tmp_path: Path, command: list[str], code: int
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    line = [str(Path(sys.executable).parent / command[0])]
    line += [a.replace("{blocked}", str(blocker / "sub")) for a in command[1:]]
    result = subprocess.run(line, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = (result.stdout + result.stderr).strip()
    assert result.returncode == code, out
    assert "Traceback" not in out
    assert len(out.splitlines()) == 1, out
    assert "a-file" in out
