"""The push receiver keeps up, and times pushes as the mock does.

    python -m benchmarks.push_receiver [--seconds 5]

1. Throughput: one receiver process (pinned to CPU 0) takes DLR pushes from 50 connections (the
   sender pinned to CPU 1), each push for one of 100,000 registered messages, so every push goes
   through the matching it does in a campaign. Compared with the submits/s one generator process
   sends in a closed campaign against the built-in mock (receiver off): the receiver's pushes/s
   must be at least that (aim: ratio >= 1).
2. Fidelity: a campaign against the mock with the receiver on; the median submit-to-first-final-
   push latency the campaign reports is compared with the mock's own record of when it pushed
   (`/_mock/stats`, sent minus submitted): within 1 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from contracts.detection import mock_account_args
from loadtests.receiver import launched_receiver
from okroute_mock.launch import free_port, launched
from okroute_model.environment import MOCK_DNIS_PREFIX, Env
from okroute_model.push import PushKind, default_template

REPO = Path(__file__).resolve().parent.parent
MESSAGES = 100_000
CONNECTIONS = 50
USER, PASSWORD = "qa-user", "Leak-Canary-7f3a9c"


def _register(url: str, count: int) -> list[str]:
    ids = [f"bench-{i:08d}" for i in range(count)]
    for start in range(0, count, 10_000):
        groups = [[i] for i in ids[start : start + 10_000]]
        body = json.dumps({"generator": "bench", "submits": [[time.time(), groups]]}).encode()
        request = urllib.request.Request(f"{url}/_receiver/submits", body, method="POST")
        urllib.request.urlopen(request, timeout=30).read()
    return ids


async def _sender(host: str, port: int, ids: list[str], offset: int, until: float) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        while time.perf_counter() < until:
            message_id = ids[(offset + sent * CONNECTIONS) % len(ids)]
            target = f"/dlr/{USER}?app_msg_id={message_id}&delivery_status=DELIVRD"
            target += "&delivery_time=261201120000&part_amount=1"
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            length = 0
            await reader.readline()
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            sent += 1
    finally:
        writer.close()
    return sent


def receiver_rate(seconds: float, work: Path) -> float:
    """Pushes/s one receiver process absorbs."""
    with launched_receiver(work / "receiver", "127.0.0.1:0", USER) as ready:
        pid = json.loads((work / "receiver" / "receiver-ready.json").read_text())["pid"]
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(pid, {0})
            os.sched_setaffinity(0, {1 % os.cpu_count()})
        ids = _register(ready["url"], MESSAGES)
        host, port = "127.0.0.1", int(ready["url"].rsplit(":", 1)[1])

        async def run() -> int:
            until = time.perf_counter() + seconds
            counts = await asyncio.gather(
                *(_sender(host, port, ids, i, until) for i in range(CONNECTIONS))
            )
            return sum(counts)

        started = time.perf_counter()
        total = asyncio.run(run())
        elapsed = time.perf_counter() - started
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return total / elapsed


def _campaign(work: Path, name: str, *args: str, **env: str) -> dict:
    command = [sys.executable, "-m", "loadtests.cli", "--reports", str(work), "--campaign", name]
    subprocess.run(
        [*command, *args],
        cwd=REPO,
        env={**os.environ, Env.USERNAME: USER, Env.PASSWORD: PASSWORD, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return json.loads((work / name / "summary.json").read_text())


def generator_rate(seconds: float, work: Path) -> float:
    """Submits/s of one generator process: closed model, 10 users without waits, no receiver."""
    summary = _campaign(
        work, "generator", "--duration", f"{seconds:g}s", "--users", "10", "--wait", "0..0",
        "--mix", "submit=1", "--dlr-listen", "off",
    )  # fmt: skip
    return summary["scopes"]["submit"]["rps"]


def fidelity(seconds: float, work: Path) -> tuple[float, float]:
    """(campaign's median push latency, the mock's own median), in milliseconds."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    template = default_template(base, PushKind.DLR, "{username}").text
    args = [*mock_account_args(), "--accept-delay", "50ms..100ms", "--final-delay", "200ms..400ms"]
    with launched(work / "mock", [*args, f"--dlr-url={template}"], access_log=False) as mock:
        summary = _campaign(
            work, "fidelity", "--host", mock.http, "--https-host", mock.https,
            "--ca-bundle", mock.ca or "", "--model", "open", "--arrival", "constant:50",
            "--duration", f"{seconds:g}s", "--mix", "submit=1", "--dlr-listen", f"127.0.0.1:{port}",
            "--push-grace", "5", **{Env.DNIS_PREFIX: MOCK_DNIS_PREFIX},
        )  # fmt: skip
        own = mock.stats()["push"]["first_final_push_ms"]
    return summary["push"]["latency_ms"]["p50"], own["p50"]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="okroute-bench-push-") as tmp:
        work = Path(tmp)
        pushes = receiver_rate(args.seconds, work)
        submits = generator_rate(args.seconds, work)
        measured, own = fidelity(max(args.seconds, 5.0), work)
    ratio = pushes / submits if submits else float("inf")
    gap = abs(measured - own)
    print(f"receiver: {pushes:,.0f} pushes/s (one process, 50 connections, matched)")
    print(f"generator: {submits:,.0f} submits/s (one process)")
    print(f"ratio pushes/s / submits/s: {ratio:.2f} (aim >= 1): {'ok' if ratio >= 1 else 'SHORT'}")
    print(
        f"median push latency: campaign {measured:.3f} ms, mock's record {own:.3f} ms, "
        f"gap {gap:.3f} ms (aim <= 1 ms): {'ok' if gap <= 1 else 'OFF'}"
    )
    return {"pushes_per_s": pushes, "submits_per_s": submits, "ratio": ratio, "gap_ms": gap}


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
