"""Starting `okroute-mock` as a child process on loopback, and stopping it, bounded in time.

Used by load campaigns that bring their own platform, by the fault catalogue's detection run and
by the tests. The mock reports its URLs through a ready file, so free ports (0) work.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


class LaunchError(RuntimeError):
    """The mock did not come up; the message carries the end of its log."""


@dataclass
class MockProcess:
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

    def stats(self) -> dict:
        import httpx

        base = self.urls.get("http") or self.urls["https"]
        verify = self.ca if base.startswith("https") and self.ca else True
        return httpx.get(f"{base}/_mock/stats", timeout=5, verify=verify).json()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


@contextmanager
def launched(
    directory: Path,
    args: list[str],
    *,
    https: bool = True,
    access_log: bool = True,
    tls_dir: Path | None = None,
) -> Iterator[MockProcess]:
    """`okroute-mock` on 127.0.0.1 with free ports; `args` add accounts, faults, breaks."""
    directory.mkdir(parents=True, exist_ok=True)
    ready = directory / "ready.json"
    ready.unlink(missing_ok=True)  # a file left by an earlier run names ports long gone
    log = directory / "mock.log"
    command = [
        sys.executable,
        "-m",
        "okroute_mock",
        "--http-port",
        "0",
        "--https-port",
        "0" if https else "off",
        "--tls-dir",
        str(tls_dir or directory / "tls"),
        "--ready-file",
        str(ready),
        "--access-log",
        str(directory / "access.log") if access_log else "off",
        *args,
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.exists():
            if process.poll() is not None:
                raise LaunchError(f"okroute-mock exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise LaunchError(f"okroute-mock did not start within {START_TIMEOUT:g} s")
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        yield MockProcess(info["urls"], info["ca"], process, log, directory)
    finally:
        stop(process)
