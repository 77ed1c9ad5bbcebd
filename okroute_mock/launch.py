"""Starting `okroute-mock` as a child process on loopback, and stopping it, bounded in time.

Used by load campaigns that bring their own platform, by the fault catalogue's detection run and
by the tests. The mock reports its URLs through a ready file, so free ports (0) work.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
PORTS_FROM = 10000  # the lowest port free_port draws
EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_low() -> int:
    try:
        return int(EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port(host: str = "127.0.0.1") -> int:
    """A port free on `host` now, for a child to listen on shortly. Drawn below the kernel's
    ephemeral range: a port the kernel hands out for bind(0), or as an outgoing connection's
    own port, can be taken by any process between this check and the child's bind (a busy test
    run lost a push receiver that way); one below the range is only taken on purpose."""
    low = _ephemeral_low()
    draw = random.SystemRandom()
    for _ in range(100 if low - PORTS_FROM > 1000 else 0):
        port = draw.randrange(PORTS_FROM, low)
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # no room below the range: the kernel's choice
        s.bind((host, 0))
        return s.getsockname()[1]


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


def await_ready(
    process: subprocess.Popen, ready: Path, log: Path, name: str, error: type[Exception]
) -> dict:
    """The JSON a child process writes to `ready` once it listens; `error` if it dies first
    or takes longer than START_TIMEOUT, with the end of its log."""
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.exists():
        if process.poll() is not None:
            raise error(f"{name} exited: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise error(f"{name} did not start within {START_TIMEOUT:g} s")
        time.sleep(0.05)
    return json.loads(ready.read_text())


def write_ready(path: str, data: dict) -> None:
    """Write a ready file atomically: a reader never sees half of it."""
    tmp = Path(path + ".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


async def until_signalled() -> None:
    """Wait for SIGINT or SIGTERM in a running event loop."""
    stop_event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_event.set)
    await stop_event.wait()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


@contextmanager
def ready_child(
    command: list[str], ready: Path, log: Path, what: str, error: type[Exception]
) -> Iterator[tuple[subprocess.Popen, dict]]:
    """`command` as a child that writes `ready` once it listens, its output in `log`; yields the
    process and its ready data, and stops it after. Its own session: a terminal's Ctrl-C reaches
    the process group, and a server that died with it would fail the answers still in flight,
    or lose the figures it holds, while the load stops."""
    ready.unlink(missing_ok=True)  # a file left by an earlier run names ports long gone
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process, await_ready(process, ready, log, what, error)
    finally:
        stop(process)


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
    ready, log = directory / "ready.json", directory / "mock.log"
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
    with ready_child(command, ready, log, "okroute-mock", LaunchError) as (process, info):
        yield MockProcess(info["urls"], info["ca"], process, log, directory)
