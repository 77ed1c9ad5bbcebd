"""Starting the real mock on loopback for a test, and stopping it, bounded in time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
# Accounts of the mock in tests; the passwords are recognisable so that leak searches find them.
PRIMARY = ("qa-user", "Leak-Canary-7f3a9c")
SECONDARY = ("qa-user-2", "Leak-Canary-2-b81d")
DNIS_PREFIX = "4477009"
# Fast delivery stories so that live tests see final statuses in well under a second.
FAST_DELIVERY = ["--accept-delay", "20ms..60ms", "--final-delay", "60ms..200ms"]


@dataclass
class RunningMock:
    urls: dict[str, str]
    ca: str | None
    process: subprocess.Popen
    log: Path
    directory: Path

    @property
    def http(self) -> str:
        return self.urls["http"]

    @property
    def https(self) -> str:
        return self.urls["https"]

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a live contract run against this mock."""
        env = {
            **os.environ,
            "OKROUTE_USERNAME": PRIMARY[0],
            "OKROUTE_PASSWORD": PRIMARY[1],
            "OKROUTE_USERNAME_2": SECONDARY[0],
            "OKROUTE_PASSWORD_2": SECONDARY[1],
            "OKROUTE_DNIS_PREFIX": DNIS_PREFIX,
            "OKROUTE_NOROUTE_DNIS": "99912345678",
            "OKROUTE_MAX_MESSAGES": "100000",
            **extra,
        }
        if self.ca:
            env["OKROUTE_CA_BUNDLE"] = self.ca
        return env

    def stats(self) -> dict:
        import httpx

        return httpx.get(f"{self.http}/_mock/stats", timeout=5).json()


@contextmanager
def running_mock(directory: Path, *args: str, https: bool = True) -> Iterator[RunningMock]:
    """`okroute-mock` on 127.0.0.1 with free ports, the test accounts and fast deliveries."""
    directory.mkdir(parents=True, exist_ok=True)
    ready = directory / "ready.json"
    ready.unlink(missing_ok=True)  # a file left by an earlier run names ports long gone
    log = directory / "mock.log"
    command = [
        sys.executable, "-m", "okroute_mock",
        "--http-port", "0",
        "--https-port", "0" if https else "off",
        "--tls-dir", str(directory / "tls"),
        "--ready-file", str(ready),
        "--access-log", str(directory / "access.log"),
        "--account", ":".join(PRIMARY),
        "--account", ":".join(SECONDARY),
        *FAST_DELIVERY,
        *args,
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.exists():
            if process.poll() is not None:
                raise RuntimeError(f"okroute-mock exited: {log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"okroute-mock did not start in {START_TIMEOUT} s")
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        yield RunningMock(info["urls"], info["ca"], process, log, directory)
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def run_contracts(mock: RunningMock, reports: Path, *args: str, timeout: float = 240,
                  **env: str) -> subprocess.CompletedProcess:
    """The live contract suite against `mock`, as a user runs it."""
    command = [
        sys.executable, "-m", "pytest", "contracts", "-q", "-p", "no:cacheprovider",
        "--okroute-url", mock.http, "--okroute-https-url", mock.https,
        "--okroute-reports", str(reports), *args,
    ]
    return subprocess.run(command, cwd=REPO, env=mock.env(**env), capture_output=True,
                          text=True, timeout=timeout)
