"""What is never a contract failure: throttling, and a platform that went away (issue 10.7, 10.9).

A platform that throttles the suite's own pace passes; one that dies in the middle of a run stops
it with one line and the could-not-verify code; one that drops the connection for one kind of
input, and still answers straight after, fails that rule.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from contracts import invoke
from contracts.client import SICK_STREAK
from contracts.detection import NO_ROUTE_DNIS, live_env
from contracts.planner import ExitCode
from tests.helpers import REPO, run_contracts, running_mock

pytestmark = pytest.mark.slow
RUN_TIMEOUT = 600
KILL_AFTER_REQUESTS = 300


def results(reports: Path) -> dict:
    return json.loads((reports / "contract-results.json").read_text())


@pytest.mark.parametrize(
    ("status", "rate", "retry_after", "select", "reason"),
    [
        (429, "0.5", "0.01", "boundary or invalid_submit", "429 retry-after"),
        (503, "0.5", "0.01", "auth or query", "503 retry-after"),
        # A 403 with a "throughput exceeded" text and no Retry-After: waited a second each.
        (403, "0.03", "0", "invalid_submit", "403 text"),
    ],
)
def test_throttling_the_suites_own_pace_fails_no_rule(
    tmp_path: Path, status: int, rate: str, retry_after: str, select: str, reason: str
) -> None:
    throttle = ["--throttle-rate", rate, "--throttle-status", str(status)]
    throttle += ["--retry-after", retry_after, "--seed", "3"]
    with running_mock(tmp_path / "mock", *throttle) as mock:
        run = run_contracts(mock, tmp_path / "r", "-k", select, timeout=RUN_TIMEOUT)
        throttled = mock.stats()["faults"].get("throttle", 0)
    assert run.returncode == ExitCode.CONFORMS, run.stdout[-4000:]
    out = results(tmp_path / "r")
    assert out["failed_rules"] == [] and out["unjudged"] == {}
    counted = out["budget"]["throttled"].get(reason, 0)
    # Every throttling answer the client met was waited out; the reachability checks and the
    # robustness phase's raw probes meet some too, outside the client.
    assert throttled > 0 and 0 < counted <= throttled
    assert "throttling" in out["observations"]  # reported as the MAY point it is
    assert "throttling waited out (not judged)" in run.stdout


def test_a_platform_that_dies_mid_run_stops_it_cleanly(tmp_path: Path) -> None:
    reports = tmp_path / "r"
    with running_mock(tmp_path / "mock") as mock:
        run = subprocess.Popen(
            invoke.command(reports, http=mock.http, https=mock.https),
            cwd=REPO,
            env={**os.environ, **live_env(mock)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while mock.stats()["requests"] < KILL_AFTER_REQUESTS and time.monotonic() < deadline:
            time.sleep(0.05)
        mock.process.kill()  # a crash: no goodbye
        mock.process.wait(10)
        stdout, stderr = run.communicate(timeout=RUN_TIMEOUT)
    assert run.returncode == ExitCode.COULD_NOT_VERIFY, stdout[-4000:]
    lines = [line for line in stdout.splitlines() if "became unreachable at" in line]
    assert len(lines) == 1, lines
    assert lines[0].startswith("okroute: the platform became unreachable at contracts/suite/")
    out = results(reports)
    assert out["failed_rules"] == [] and out["stopped"] == lines[0].removeprefix("okroute: ")
    assert out["not_run"] and f"not run ({len(out['not_run'])}): " in stdout
    assert out["not_run"][-1] in stdout and "Traceback" not in stdout + stderr
    assert "FAILED" not in stdout


class DroppingProxy:
    """A loopback TCP proxy that drops (resets) every connection that carries `marker`."""

    def __init__(self, upstream: str, marker: bytes) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.marker = marker
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream, timeout=30)
        client.settimeout(30)
        back = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        back.start()
        with suppress(OSError):
            while chunk := client.recv(65536):
                if self.marker in chunk:
                    self.dropped += 1
                    for sock in (client, upstream):  # a reset, not a polite close
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    break
                upstream.sendall(chunk)
        for sock in (client, upstream):
            with suppress(OSError):
                sock.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)

    def __enter__(self) -> DroppingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(5)


@contextmanager
def dropping(upstream: str, marker: str) -> Iterator[DroppingProxy]:
    with DroppingProxy(upstream, marker.encode()) as proxy:
        yield proxy


def test_a_connection_dropped_for_one_input_still_fails_the_rule(tmp_path: Path) -> None:
    reports = tmp_path / "r"
    with running_mock(tmp_path / "mock") as mock, dropping(mock.http, NO_ROUTE_DNIS) as proxy:
        run = subprocess.run(
            invoke.command(reports, "-k", "boundary", http=proxy.url),
            cwd=REPO,
            env={**os.environ, **live_env(mock)},
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
    assert run.returncode == ExitCode.CONTRACT_FAILURE, run.stdout[-4000:]
    assert proxy.dropped > 0
    out = results(reports)
    assert out["failed_rules"] == ["errors.no-5xx"] and out["stopped"] is None
    failure = next(v for v in out["violations"] if v["rule"] == "errors.no-5xx")
    assert "without a route" in failure["case"] and "no answer came back" in failure["problem"]
    assert "became unreachable" not in run.stdout


def test_a_sick_platform_is_not_hammered(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock", "--error-rate", "1", "--error-status", "503") as mock:
        run = run_contracts(mock, tmp_path / "r", "-k", "boundary", timeout=RUN_TIMEOUT)
        requests = mock.stats()["faults"].get("error", 0)
    assert run.returncode == ExitCode.CONTRACT_FAILURE, run.stdout[-3000:]  # a 5xx is a finding
    # The streak, and the preflight before it: one query per transport, one for the 2nd account.
    assert requests <= SICK_STREAK + 3
    lines = [line for line in run.stdout.splitlines() if "turned sick at" in line]
    assert len(lines) == 1 and "not to hammer" in lines[0]
    assert "errors.no-5xx" in results(tmp_path / "r")["failed_rules"]
