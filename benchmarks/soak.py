"""24 simulated hours of one generator's latency book and its reports to the master.

The clock is simulated (a day passes in minutes), the recording rate is real: every simulated
second records `--rate` answers spread over the request groups, and every 3 simulated seconds
the worker sends its delta, which the master adds to its book, as in a distributed soak. Memory
(RSS of this process, which holds both books) and the time of one report (the worker's delta
plus the master's merge) are measured after 1 h and after 24 h; the goal is 24 h within 1.2x.

    python benchmarks/soak.py [--hours 24] [--rate 50]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests.latency import LatencyBook
from okroute_model.statuses import Status

GROUPS = [f"{c} {m} {t}" for c in ("submit", "mo") for m in ("GET", "POST-url", "POST-body")
          for t in ("http", "https")] + ["query GET http", "query GET https"]  # fmt: skip
REPORT_EVERY = 3  # simulated seconds, Locust's worker report interval
SAMPLES = 200  # reports timed around each mark
GOAL = 1.2


def _rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def simulate(hours: float, rate: int, marks: tuple[float, ...], seed: int = 1) -> dict:
    rng = random.Random(seed)
    worker, master = LatencyBook(), LatencyBook()
    start = 1_800_000_000.0
    seconds = int(hours * 3600)
    figures: dict[float, dict] = {}
    timings: list[float] = []
    sizes: list[int] = []
    pending = sorted(marks)
    for second in range(seconds):
        now = start + second
        for i in range(rate):
            latency = rng.lognormvariate(-6.5, 0.6)
            worker.record(GROUPS[i % len(GROUPS)], latency, now + i / rate, corrected=latency)
        if second % 97 == 0:
            worker.record_delivery(Status.DELIVRD, rng.uniform(2, 10))
        if second % REPORT_EVERY == REPORT_EVERY - 1:
            began = time.perf_counter()
            delta = worker.take_delta()
            master.add(delta)
            timings.append(time.perf_counter() - began)
            if len(timings) > SAMPLES:
                del timings[0]
            sizes.append(len(json.dumps(delta)))
            if len(sizes) > SAMPLES:
                del sizes[0]
        if pending and second + 1 >= pending[0] * 3600:
            hour = pending.pop(0)
            figures[hour] = {
                "rss_mb": _rss() / 2**20,
                "report_ms": statistics.median(timings) * 1000,
                "delta_kb": statistics.median(sizes) / 1024,
                "timeline_buckets": len(master.timeline),
                "bucket_s": master.bucket_seconds,
                "answers": master.count,
            }
            shown = ", ".join(f"{k} {v:.3g}" for k, v in figures[hour].items())
            print(f"  after {hour:g} h: {shown}", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument(
        "--rate", type=int, default=50, help="answers per simulated second (default 50)"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    figures = simulate(args.hours, args.rate, (1.0, args.hours))
    first, last = figures[1.0], figures[args.hours]
    memory = last["rss_mb"] / first["rss_mb"]
    report = last["report_ms"] / first["report_ms"]
    ok = memory <= GOAL and report <= GOAL
    took = time.perf_counter() - began
    print(
        f"soak: {args.hours:g} simulated hours at {args.rate}/s in {took:.0f} s; "
        f"memory {memory:.2f}x and report time {report:.2f}x of the first hour "
        f"(goal {GOAL}x): {'ok' if ok else 'MISSED'}"
    )  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
