"""Stopping a campaign: Ctrl-C, SIGTERM and the SLO abort rule end with the report of what ran;
the preflight ends a run with rejected credentials before any load. Loopback only, seconds each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from loadtests import options, supervise
from loadtests.outcome import Exit
from okroute_model.environment import Env
from tests.helpers import DNIS_PREFIX, PRIMARY, REPO, running_mock
from tests.test_load_campaigns import CANARY, campaign

pytestmark = pytest.mark.slow
STARTUP = 90.0  # seconds a loaded machine may take to start the mock and Locust


def start(tmp_path: Path, name: str, *args: str) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "loadtests.cli", "--reports", str(tmp_path), "--campaign", name,
        "--progress", "1s", *args,
    ]  # fmt: skip
    env = {**os.environ, Env.USERNAME: "load", Env.PASSWORD: CANARY}
    # Its own process group, as a shell gives a foreground job: a terminal's Ctrl-C reaches the
    # whole group, so the test sends SIGINT to the group.
    return subprocess.Popen(
        command, cwd=REPO, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip


def wait_for_load(process: subprocess.Popen) -> list[str]:
    """Read progress lines until the load is running; the lines read so far."""
    lines: list[str] = []
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "achieved" in line:
            return lines
    process.kill()
    pytest.fail("the load never started: " + "".join(lines) + process.stderr.read())


def family(process: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(process.pid).children(recursive=True)


def workers(children: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in children if "--worker" in p.cmdline()]


def until_every_worker_sends(process: subprocess.Popen, children: list[psutil.Process]) -> None:
    """On a busy machine a worker may spawn its users a second after the first progress line:
    wait (bounded) until every worker holds a connection to the mock, then for one more progress
    line, so that each has answers counted before the stop."""
    mock = next(p for p in children if p.cmdline()[1:3] == ["-m", "okroute_mock"])
    ports = {c.laddr.port for c in mock.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
    deadline = time.monotonic() + STARTUP
    while True:
        waiting = [
            w
            for w in workers(children)
            if not any(c.raddr and c.raddr.port in ports for c in w.net_connections("tcp"))
        ]
        if not waiting:
            break
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{len(waiting)} of {len(workers(children))} workers never sent")
        time.sleep(0.1)
    wait_for_load(process)


def gone(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running, after a bounded wait."""
    _, alive = psutil.wait_procs(processes, timeout=10)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize(
    ("how", "extra"),
    [("ctrl-c", []), ("sigterm", ["--workers", "2", "--users", "4"])],
)
def test_a_stop_ends_the_load_then_the_mock_with_an_aborted_report(
    tmp_path: Path, how: str, extra: list[str]
) -> None:
    process = start(tmp_path, "stopped", "--duration", "2m", *extra)
    wait_for_load(process)
    children = family(process)
    assert len(children) >= 2  # the mock and Locust (and its workers)
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)
    else:
        # One worker starved at the stop, as on a busy machine: its last figures come late.
        until_every_worker_sends(process, children)
        worker = workers(children)[0]
        worker.suspend()
        process.send_signal(signal.SIGTERM)
        threading.Timer(2.0, worker.resume).start()
    out, err = process.communicate(timeout=120)
    assert process.returncode == Exit.ABORTED, out[-3000:] + err[-3000:]
    summary = json.loads((tmp_path / "stopped" / "summary.json").read_text())
    assert summary["verdict"] == "ABORTED"
    assert summary["aborted_because"] == (
        "stopped by Ctrl-C (SIGINT)" if how == "ctrl-c" else "stopped by SIGTERM"
    )
    assert summary["duration_s"] < 100 and summary["scopes"]["all"]["count"] > 0
    # The mock and the push receiver outlive the load (a Ctrl-C reaches the whole group): no
    # answer in flight failed, and the receiver's figures are in the report.
    assert summary["scopes"]["all"]["errors"] == 0, summary["scopes"]["all"]
    assert "error" not in summary["push"], summary["push"]
    assert (tmp_path / "stopped" / "index.html").exists()
    assert "ABORTED" in out and "Traceback" not in out + err
    assert gone(children) == []
    if how == "sigterm":
        # Both workers' last figures arrived before the report, the starved one's too.
        assert summary["processes"] == 2
        sent = [p["sent"] for p in summary["generator"]["processes"]]
        assert min(sent) > 0 and summary["scopes"]["all"]["count"] == sum(sent), sent


def test_an_slo_with_abort_after_stops_the_run_and_names_the_breach(tmp_path: Path) -> None:
    result, summary = campaign(
        tmp_path, "abort", "--duration", "2m", "--users", "4", "--progress", "1s",
        "--slo", "submit:p99<1us:abort-after=2s", "--slo", "errors<1%",
    )  # fmt: skip
    assert result.returncode == Exit.ABORTED, result.stdout[-3000:] + result.stderr[-2000:]
    assert summary["verdict"] == "ABORTED"
    assert "submit:p99<1us:abort-after=2s" in summary["aborted_because"]
    assert "abort-after 2s" in summary["aborted_because"]
    assert summary["duration_s"] < 60  # stopped early, saving the platform and the budget
    assert "ABORTED: SLO submit:p99<1us" in result.stdout


def test_wrong_credentials_end_the_run_before_any_load(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock", https=False) as mock:
        before = mock.stats()
        result, summary = campaign(
            tmp_path, "wrong", "--host", mock.http, "--duration", "5s",
            **{Env.USERNAME: PRIMARY[0], Env.PASSWORD: "Wrong-Canary-55",
               Env.DNIS_PREFIX: DNIS_PREFIX},
        )  # fmt: skip
        after = mock.stats()
    assert result.returncode == Exit.USAGE, result.stdout + result.stderr
    assert "credentials rejected" in result.stderr and "401" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Wrong-Canary-55" not in result.stdout + result.stderr
    assert summary == {}
    # The mock's own counters: one status query (the preflight), not a single submit.
    assert after["requests"] - before["requests"] == 1
    assert after["submitted_numbers"] == before["submitted_numbers"] == 0
    assert set(after["by_command"]) <= {"query"}


class _NotOkroute(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")  # a web server's page
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_target_that_is_not_okroute_ends_the_run_with_what_came_back(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotOkroute)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result, _ = campaign(
            tmp_path, "nginx", "--host", url, "--duration", "5s", **{Env.DNIS_PREFIX: DNIS_PREFIX}
        )
    finally:
        server.shutdown()
    assert result.returncode == Exit.USAGE
    assert "does not answer as OKRoute" in result.stderr and "Welcome to nginx" in result.stderr
    assert "Traceback" not in result.stderr


def locust(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in set(Env)}
    return subprocess.run(
        [sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py", "--headless",
         "-t", "3s", "-u", "1", "--only-summary", *args],
        cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_plain_locust_gets_the_same_one_line_errors(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock", https=False) as mock:
        host = ["--host", mock.http, "--okroute-reports", str(tmp_path)]
        no_credentials = locust(tmp_path, *host)
        no_prefix = locust(tmp_path, *host, **{Env.USERNAME: PRIMARY[0], Env.PASSWORD: PRIMARY[1]})
        wrong = locust(
            tmp_path, *host, "--okroute-dnis-prefix", DNIS_PREFIX,
            **{Env.USERNAME: PRIMARY[0], Env.PASSWORD: "Wrong-Canary-77"},
        )  # fmt: skip
        stats = mock.stats()
    for result in (no_credentials, no_prefix, wrong):
        assert result.returncode == Exit.USAGE, result.stderr[-2000:]
        assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
        lines = [line for line in result.stderr.splitlines() if line.startswith("locust:")]
        assert len(lines) == 1, result.stderr[-2000:]
    assert Env.USERNAME in no_credentials.stderr
    assert "--okroute-dnis-prefix" in no_prefix.stderr
    assert "credentials rejected" in wrong.stderr and "Wrong-Canary-77" not in wrong.stderr
    assert stats["submitted_numbers"] == 0


def _stopped_master(seconds: float) -> subprocess.Popen:
    """A stand-in for a Locust master that takes `seconds` to write its report after a stop
    (it ignores SIGTERM, as the master finishes its report first)."""
    code = (
        f"import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep({seconds})"
    )
    return subprocess.Popen([sys.executable, "-c", code])


def test_a_stopped_master_is_given_the_time_its_report_needs_then_forced() -> None:
    # The allowance covers the workers' last figures and the whole push grace, and more.
    ending = supervise.ending({"okroute_push_grace": 45.0})
    assert ending > options.FINAL_WAIT + 45.0
    stopper = supervise.Stopper()
    stopper.signal = "SIGTERM"  # a stop was asked for
    far = time.monotonic() + 600
    master = _stopped_master(1.5)
    assert supervise.wait(master, stopper, far, ending=5.0) == 0  # its report came in time
    master = _stopped_master(30.0)
    started = time.monotonic()
    assert supervise.wait(master, stopper, far, ending=1.0) != 0  # forced after its allowance
    assert time.monotonic() - started < 20
