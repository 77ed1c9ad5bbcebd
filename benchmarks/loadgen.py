"""HTTP load for the server benchmarks: wrk when installed, else a small asyncio generator.

Both keep N connections open and send the next request as soon as the answer arrives (a closed
loop, which is what "requests/s at 50 connections" means). The generator is pinned to another core
than the server when `taskset` exists.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Load:
    tool: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def pinned(command: list[str], cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu), *command] if shutil.which("taskset") else command


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * _UNIT[match.group(2)]


def wrk(url: str, connections: int, seconds: float, cpu: int) -> Load:
    command = pinned(["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", url], cpu)
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Load("wrk", rps, p50, p99, total, int(errors.group(1)) if errors else 0)


async def _connection(
    host: str, port: int, raw: bytes, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(raw)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status_line.startswith(b"HTTP/1.1 2"):
                errors.append(1)
    finally:
        writer.close()


def asyncio_load(url: str, connections: int, seconds: float) -> Load:
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    raw = f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}\r\n\r\n".encode()
    latencies: list[float] = []
    errors: list[int] = []

    async def run() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _connection(parts.hostname, parts.port, raw, until, latencies, errors)
                for _ in range(connections)
            )
        )

    import uvloop

    started = time.perf_counter()
    uvloop.run(run())
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return Load(
        "python-asyncio",
        n / elapsed,
        latencies[n // 2] * 1000,
        latencies[int(n * 0.99)] * 1000,
        n,
        len(errors),
    )


def load(url: str, connections: int, seconds: float, cpu: int = 1) -> Load:
    if shutil.which("wrk"):
        return wrk(url, connections, seconds, cpu)
    import os

    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        return asyncio_load(url, connections, seconds)
    finally:
        os.sched_setaffinity(0, previous)
