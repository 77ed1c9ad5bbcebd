"""A setup mistake is judged before the platform, the same way at every entry point (issue 18).

Wrong password, wrong second-account password, an unreachable URL, a server that is not OKRoute,
a certificate nobody trusts: okroute-contract, `pytest --pyargs contracts`, okroute-load, plain
Locust and okroute-verify each end fast with one line naming the fix and the could-not-verify
code; no test is judged and nothing is left in the directory they ran in. On the real mock over
sockets; every run fails fast by design (a few CPU-seconds each).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from contracts import invoke
from contracts.detection import live_env
from loadtests.supervise import LOCUSTFILE
from okroute_mock.launch import MockProcess, free_port
from okroute_model.environment import Env
from okroute_model.exitcodes import ExitCode
from tests.helpers import PRIMARY, SECONDARY, running_mock

# A preflight takes well under a second; the rest is each tool's start-up (about 2-4 CPU-s of
# imports). On a shared machine the wall time stretches with the load (pytest's start alone took
# 11 s at a load average of 9 on 2 cores), so the CPU time is the firm bound and the wall time
# only catches a wait on a timeout.
CPU_WITHIN = 15.0
ENDS_WITHIN = 60.0
ENTRY_POINTS = ("okroute-contract", "pytest", "okroute-load", "locust", "okroute-verify")


class _NotOkroute(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    with running_mock(tmp_path_factory.mktemp("mock")) as process:
        yield process


@pytest.fixture(scope="module")
def not_okroute() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotOkroute)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _command(entry: str, url: str, cwd: Path) -> list[str]:
    if entry == "okroute-contract":
        return [sys.executable, "-m", "contracts.cli", "--okroute-url", url, "-q"]
    if entry == "pytest":
        return invoke.command(Path("reports"), http=url)
    if entry == "okroute-load":
        return [sys.executable, "-m", "loadtests.cli", "--host", url, "--duration", "2s"]
    if entry == "locust":
        locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
        return [*locust, "--host", url, "-t", "2s", "-u", "1"]
    profile = cwd / "target.toml"
    scheme = "https_url" if url.startswith("https") else "http_url"
    profile.write_text(f'[target]\n{scheme} = "{url}"\ndnis_prefix = "4477009"\n')
    return [sys.executable, "-m", "okroute_verify", "--target", str(profile), "--skip-load"]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(entry: str, url: str, cwd: Path, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    """The entry point's run from `cwd`; its result and its (wall, CPU) seconds."""
    cwd.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, **env}
    started, cpu = time.monotonic(), _cpu()
    result = subprocess.run(
        _command(entry, url, cwd), cwd=cwd, env=environment, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    return result, (time.monotonic() - started, _cpu() - cpu)


def _own_lines(result: subprocess.CompletedProcess) -> list[str]:
    """What the run said, Locust's own timestamped log lines aside."""
    text = result.stdout + result.stderr
    return [line for line in text.splitlines() if line.strip() and not line.startswith("[20")]


def _assert_stopped_before_judging(
    result: subprocess.CompletedProcess, elapsed: tuple[float, float], cwd: Path, fix: str
) -> None:
    said = _own_lines(result)
    output = result.stdout[-3000:] + result.stderr[-3000:]
    wall, cpu = elapsed
    assert result.returncode == ExitCode.COULD_NOT_VERIFY, output
    assert wall < ENDS_WITHIN and cpu < CPU_WITHIN, f"{wall:.1f} s, {cpu:.1f} CPU-s\n{output}"
    assert len(said) == 1 and fix in said[0], output
    for internal in ("Traceback", "INTERNALERROR", "_pytest", "pytest: error", "FAILED "):
        assert internal not in output, output
    assert not re.search(r"\d+ (failed|passed)(,| in )", output), output  # no test judged
    left = sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*") if p.name != "target.toml")
    assert left == [], left  # no report folder, no junit.xml, no .hypothesis
    assert PRIMARY[1] not in output and SECONDARY[1] not in output


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    ("situation", "fix"),
    [
        ("wrong password", f"check {Env.USERNAME} and {Env.PASSWORD}"),
        ("wrong second password", f"check {Env.USERNAME_2} and {Env.PASSWORD_2}"),
        ("unreachable", "check the URL and that the platform is up"),
        ("not OKRoute", "does not answer as OKRoute"),
    ],
)
def test_a_setup_mistake_stops_every_entry_point_before_anything_is_judged(
    mock: MockProcess, not_okroute: str, tmp_path: Path, entry: str, situation: str, fix: str
) -> None:
    env = live_env(mock)
    url = mock.http
    if situation == "wrong password":
        env[Env.PASSWORD] = "not-the-password-1"
    elif situation == "wrong second password":
        env[Env.PASSWORD_2] = "not-the-password-2"
    elif situation == "unreachable":
        url = f"http://127.0.0.1:{free_port()}"
    else:
        url = not_okroute
    result, elapsed = _run(entry, url, tmp_path / "cwd", **env)
    print(f"{entry}, {situation}: {elapsed[0]:.1f} s, {elapsed[1]:.1f} CPU-s")
    _assert_stopped_before_judging(result, elapsed, tmp_path / "cwd", fix)


@pytest.mark.parametrize("entry", ("okroute-load", "locust", "okroute-verify"))
def test_an_untrusted_certificate_names_the_ca_bundle_variable(
    mock: MockProcess, tmp_path: Path, entry: str
) -> None:
    env = {k: v for k, v in live_env(mock).items() if k != Env.CA_BUNDLE}  # trust left out
    result, elapsed = _run(entry, mock.https, tmp_path / "cwd", **env)
    _assert_stopped_before_judging(result, elapsed, tmp_path / "cwd", f"set {Env.CA_BUNDLE}")


def test_a_plan_writes_no_junit_and_no_hypothesis_folder(mock: MockProcess, tmp_path: Path):
    """A dry run writes what it was asked for (the plan) and nothing else."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "junit.xml").write_text("<last run/>")
    result = subprocess.run(
        [sys.executable, "-m", "contracts.cli", "--okroute-url", mock.http, "--okroute-plan"],
        cwd=tmp_path, env={**os.environ, **live_env(mock)}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert (reports / "junit.xml").read_text() == "<last run/>"
    assert not (tmp_path / ".hypothesis").exists()
    assert json.loads((reports / invoke.PLAN).read_text())["tests"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--okroute-ur", "http://127.0.0.1:9"],
            "okroute-contract: unknown option --okroute-ur http://127.0.0.1:9 "
            "(okroute-contract --help-pytest lists every option)",
        ),
        (
            ["--okroute-warn", "no.such-rule"],
            "okroute-contract: cannot lower 'no.such-rule' to a warning: no such rule",
        ),
        (
            ["--okroute-dlr-listen", "127.0.0.1:0"],
            "okroute-contract: --okroute-dlr-listen is for a live run; offline the fake pushes",
        ),
    ],
    ids=["mistyped option", "unknown rule", "offline receiver"],
)
def test_a_mistake_in_the_options_is_one_line_of_okroute_contract(
    tmp_path: Path, args: list[str], said: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "contracts.cli", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, Env.HTTP_URL: "", Env.HTTPS_URL: ""},
    )  # fmt: skip
    assert result.returncode == ExitCode.COULD_NOT_VERIFY, _own_lines(result)
    assert _own_lines(result) == [said]
    assert list(tmp_path.iterdir()) == []  # no reports, no cache: nothing ran
