"""24 simulated hours of what a campaign keeps while it runs: nothing may grow with its length.

The clock is simulated (a day passes in minutes), the work per simulated second is real:

- every open-model pacer (constant, poisson, ramp, spike, soak) is asked for each arrival due in
  turn, `--rate` a second; its state (pickled size) is measured;
- the push receiver's book (`loadtests.pushbook.Matcher`) is told `--push-rate` submits a second
  and gets each one's final push 5 s later; its state (pickled messages held, and its figures)
  is measured;
- one generator's latency book records `--rate` answers a second spread over the request groups,
  and every 3 simulated seconds the worker sends its delta, which the master adds to its book,
  as in a distributed soak: memory (RSS of this process, which holds both books) and the time of
  one report (the worker's delta plus the master's merge) are measured.

Each after 1 h and after 24 h; the goal is 24 h within 1.2x of 1 h for every one.

    python benchmarks/soak.py [--hours 24] [--rate 50] [--push-rate 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests.latency import LatencyBook
from loadtests.pacer import parse_arrival
from loadtests.pushbook import Matcher
from okroute_model.push import Push, PushKind
from okroute_model.statuses import Status

GROUPS = [f"{c} {m} {t}" for c in ("submit", "mo") for m in ("GET", "POST-url", "POST-body")
          for t in ("http", "https")] + ["query GET http", "query GET https"]  # fmt: skip
REPORT_EVERY = 3  # simulated seconds, Locust's worker report interval
SAMPLES = 200  # reports timed around each mark
GOAL = 1.2
PACERS = ("constant:{r}", "poisson:{r}", "ramp:{h}..{r}", "spike:{h}..{r}@30m+10m", "soak:{r}")
PUSH_AFTER = 5  # simulated seconds from a submit to its final push


def _marks(marks: tuple[float, ...]) -> list[int]:
    return sorted(round(m * 3600) for m in marks)


def pacer(spec: str, hours: float, marks: tuple[float, ...]) -> dict[float, dict]:
    """The pacer's state after the arrivals due by each mark, asked for in turn."""
    schedule = parse_arrival(spec, hours * 3600, 1.0, seed=1)
    figures, n = {}, 0
    for second in _marks(marks):
        while schedule.due(n) < second:
            n += 1
        figures[second / 3600] = {"state_bytes": len(pickle.dumps(schedule)), "arrivals": n}
    return figures


def _final(message_id: str, at: float) -> Push:
    values = {"app_msg_id": message_id, "delivery_status": Status.DELIVRD}
    return Push(PushKind.DLR, "load", "GET", values, "raw", at)


def push_book(hours: float, rate: int, marks: tuple[float, ...]) -> dict[float, dict]:
    """The receiver's matcher fed a steady stream of submits and their final pushes."""
    matcher = Matcher("load")
    figures, pending = {}, _marks(marks)
    for second in range(int(hours * 3600)):
        matcher.submitted("local", float(second), [[f"{second}-{i}"] for i in range(rate)])
        if second >= PUSH_AFTER:
            for i in range(rate):
                matcher.push(_final(f"{second - PUSH_AFTER}-{i}", float(second)))
        if pending and second + 1 >= pending[0]:
            held = pickle.dumps((matcher._order, matcher._pending))
            books = json.dumps(matcher.finish())
            figures[pending.pop(0) / 3600] = {"state_bytes": len(held) + len(books)}
    return figures


def _rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def latency_book(hours: float, rate: int, marks: tuple[float, ...], seed: int = 1) -> dict:
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


def _flat(name: str, figures: dict[float, dict], hours: float, keys: tuple[str, ...]) -> bool:
    """Print one subject's ratios of 24 h to 1 h; True when each is within the goal."""
    first, last = figures[1.0], figures[hours]
    ratios = {k: last[k] / first[k] for k in keys}
    ok = all(r <= GOAL for r in ratios.values())
    shown = ", ".join(f"{k} {r:.2f}x" for k, r in ratios.items())
    print(f"  {name}: {shown} ({'ok' if ok else 'MISSED'})", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument(
        "--rate", type=int, default=50, help="answers and arrivals per simulated second (50)"
    )
    parser.add_argument(
        "--push-rate", type=int, default=5, help="submits per simulated second, push book (5)"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    marks = (1.0, args.hours)
    print(f"soak: {args.hours:g} simulated hours; {args.hours:g} h against 1 h (goal {GOAL}x)")
    results = []
    for template in PACERS:
        spec = template.format(r=args.rate, h=args.rate // 5)
        results.append(_flat(f"pacer {spec}", pacer(spec, args.hours, marks), args.hours,
                             ("state_bytes",)))  # fmt: skip
    book = push_book(args.hours, args.push_rate, marks)
    results.append(_flat("push book", book, args.hours, ("state_bytes",)))
    figures = latency_book(args.hours, args.rate, marks)
    results.append(_flat("latency book", figures, args.hours, ("rss_mb", "report_ms")))
    ok = all(results)
    took = time.perf_counter() - began
    print(f"soak: {len(results)} subjects in {took:.0f} s: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
