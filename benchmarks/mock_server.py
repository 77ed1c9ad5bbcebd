"""The mock's throughput and latency against its own stack serving a fixed body; its memory.

    python -m benchmarks.mock_server [--seconds 5] [--memory-submits 1000000]

Both servers run as child processes pinned to CPU 0, the load generator on CPU 1, 50 connections.
The servers take turns, five rounds; each round's ratio is the mock's turn over the minimal
server's turn just before it, and each figure is the median over the rounds, so that a noisy
neighbour, which slows a round's turns alike, moves the ratio less than it moves either server.
The figures: the ratio mock / minimal for submit and for query (goal: at least `GOAL`), and the
mock's resident memory while a million submits stream into a store capped at 100,000 messages.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx

from benchmarks.goals import goal_text
from benchmarks.loadgen import Load, load, pinned
from okroute_mock.launch import stop

REPO = Path(__file__).resolve().parent.parent
USER, PASSWORD = "bench", "bench-password"
SUBMIT = f"/api?command=submit&username={USER}&password={PASSWORD}&dnis=4477009123&message=hello"
CONNECTIONS = 50
ROUNDS = 5
GOAL = 0.6  # mock requests/s over the fixed-body server's, submit and query alike


@contextmanager
def server(command: list[str], ready: Path) -> Iterator[str]:
    """A server child process pinned to CPU 0; yields its base URL."""
    ready.unlink(missing_ok=True)
    process = subprocess.Popen(
        pinned(command, 0), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command[:3])} did not start")
            time.sleep(0.05)
        yield json.loads(ready.read_text())["urls"]["http"]
    finally:
        stop(process)


def mock_command(ready: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "okroute_mock", "--http-port", "0", "--https-port", "off",
        "--access-log", "off", "--ready-file", str(ready), "--account", f"{USER}:{PASSWORD}",
        *extra,
    ]  # fmt: skip


def minimal_command(ready: Path) -> list[str]:
    return [sys.executable, str(REPO / "benchmarks" / "minimal_server.py"), str(ready)]


def _median(loads: list[Load]) -> Load:
    return sorted(loads, key=lambda x: x.rps)[len(loads) // 2]


def paired_ratio(mock: list[Load], minimal: list[Load]) -> float:
    """The median over rounds of the mock's requests/s over the minimal server's, same round."""
    ratios = sorted(m.rps / b.rps for m, b in zip(mock, minimal, strict=True))
    return ratios[len(ratios) // 2]


def throughput(seconds: float, work: Path) -> dict[str, list[Load]]:
    """Every turn, in round order, of: the minimal server, mock submit, mock query."""
    turns: dict[str, list[Load]] = {"minimal": [], "submit": [], "query": []}
    with (
        server(minimal_command(work / "minimal.json"), work / "minimal.json") as minimal,
        server(mock_command(work / "mock.json"), work / "mock.json") as mock,
    ):
        message_id = httpx.get(mock + SUBMIT).json()["message_id"]
        query = f"/api?command=query&username={USER}&password={PASSWORD}&messageId="
        targets = {
            "minimal": minimal + SUBMIT,
            "submit": mock + SUBMIT,
            "query": mock + query + quote(message_id),
        }
        for url in targets.values():
            load(url, CONNECTIONS, 1.0)  # warm up: connections, caches
        for _ in range(ROUNDS):
            for name, url in targets.items():
                turns[name].append(load(url, CONNECTIONS, seconds))
    return turns


def memory(submits: int, cap: int, work: Path) -> list[tuple[int, int]]:
    """(issued IDs, resident bytes) samples while `submits` submits stream in."""
    samples = []
    ready = work / "memory.json"
    with server(mock_command(ready, "--max-stored", str(cap)), ready) as base:
        while not samples or samples[-1][0] < submits:
            stats = httpx.get(base + "/_mock/stats").json()
            if stats["stored_messages"] > cap:
                raise AssertionError(f"the store holds {stats['stored_messages']} > cap {cap}")
            samples.append((stats["issued_ids"], stats["rss_bytes"]))
            if samples[-1][0] < submits:
                load(base + SUBMIT, CONNECTIONS, 5.0)
    return samples


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=5, help="per turn, whole seconds as wrk takes (default 5)"
    )
    parser.add_argument("--memory-submits", type=int, default=1_000_000)
    parser.add_argument("--cap", type=int, default=100_000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="okroute-bench-"))
    turns = throughput(args.seconds, work)
    minimal_turns = turns.pop("minimal")
    minimal = _median(minimal_turns)
    print(
        f"load generator: {minimal.tool}, {CONNECTIONS} connections; {ROUNDS} rounds of "
        f"{args.seconds:g} s turns; req/s and latency: median turn; ratio: median of the rounds'"
    )
    print(f"{'server':8} {'command':8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} goal")
    print(
        f"{'minimal':8} {'fixed':8} {minimal.rps:8.0f} {minimal.p50_ms:7.2f} "
        f"{minimal.p99_ms:7.2f} {1.0:6.2f}"
    )
    summary: dict[str, float] = {"minimal_rps": minimal.rps}
    for command, loads in turns.items():
        figure = _median(loads)
        ratio = paired_ratio(loads, minimal_turns)
        summary |= {
            f"{command}_rps": figure.rps,
            f"{command}_ratio": ratio,
            f"{command}_p50_ms": figure.p50_ms,
            f"{command}_p99_ms": figure.p99_ms,
        }
        print(
            f"{'mock':8} {command:8} {figure.rps:8.0f} {figure.p50_ms:7.2f} "
            f"{figure.p99_ms:7.2f} {ratio:6.2f} {goal_text(ratio, GOAL)}"
        )
    samples = memory(args.memory_submits, args.cap, work)
    at_cap = next((rss for issued, rss in samples if issued >= args.cap), samples[-1][1])
    peak = max(rss for issued, rss in samples if issued >= args.cap)
    issued, end = samples[-1]
    mib = 2**20
    print(
        f"memory: {issued} submits into a store capped at {args.cap}: RSS "
        f"{samples[0][1] / mib:.0f} MiB at start, {at_cap / mib:.0f} MiB once the cap is "
        f"reached, {peak / mib:.0f} MiB at most after it, {end / mib:.0f} MiB at the end "
        f"(end / at the cap = {end / at_cap:.2f})"
    )
    summary |= {
        "submits": issued,
        "memory_start_mib": samples[0][1] / mib,
        "memory_at_cap_mib": at_cap / mib,
        "memory_end_mib": end / mib,
    }
    return summary


if __name__ == "__main__":
    main()
