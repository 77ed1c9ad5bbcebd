"""Soaks that last: the timeline stays at a fixed number of buckets, workers ship deltas, the
master's merge adds up exactly. Simulated clock; the 24-hour figures are `benchmarks/soak.py`."""

from __future__ import annotations

import json

from loadtests.health import Health
from loadtests.latency import MAX_BUCKETS, LatencyBook

GROUPS = ("submit GET http", "query GET https", "mo POST-body http")
START = 1_800_000_000.0


def test_a_long_run_keeps_a_fixed_number_of_buckets_and_merges_exactly() -> None:
    worker, master = LatencyBook(), LatencyBook()
    sizes, recorded = {}, 0
    hours, report_every = 8, 120
    for second in range(hours * 3600):
        for group in GROUPS:
            worker.record(group, 0.002 + (second % 7) / 1000, START + second, corrected=0.003)
            recorded += 1
        if second % report_every == report_every - 1:
            delta = worker.take_delta()
            master.add(delta)
            sizes[second // 3600] = len(json.dumps(delta))
    per_command = {c for c, _ in master.timeline}
    assert per_command == {"submit", "query", "mo"}
    assert len(master.timeline) <= MAX_BUCKETS * len(per_command)
    assert master.bucket_seconds >= hours * 3600 / MAX_BUCKETS  # coarsened as the run aged
    assert sum(b.count for b in master.timeline.values()) == recorded == master.count
    assert master.groups["submit GET http"].raw.get_total_count() == hours * 3600
    assert sizes[hours - 1] <= 1.2 * sizes[0]  # a worker's report does not grow with the run
    assert worker.timeline == {} and worker.count == 0  # the worker keeps nothing once sent


def test_coarsening_keeps_every_answer_and_the_span() -> None:
    book = LatencyBook(max_buckets=4)
    for second in range(16):
        book.record("submit GET http", 0.001, START + second)
    assert book.bucket_seconds == 4.0 and len(book.timeline) == 4
    assert sum(b.count for b in book.timeline.values()) == 16
    assert book.span == (START, START + 16)


def test_a_worker_with_finer_buckets_merges_into_a_coarser_master() -> None:
    master, worker = LatencyBook(max_buckets=4), LatencyBook()
    for second in range(16):
        master.record("submit GET http", 0.001, START + second)
    for second in range(16, 20):
        worker.record("submit GET http", 0.001, START + second)
    master.add(worker.take_delta())
    assert sum(b.count for b in master.timeline.values()) == 20
    assert len(master.timeline) <= 4


def test_health_snapshots_stay_small_however_long_the_run() -> None:
    health = Health()
    for second in range(86_400):
        health.sample_cpu(20 + second % 50)
        health.sample_lag((second % 9) / 1000)
    assert len(json.dumps(health.snapshot())) < 2_000
    assessed = Health.assess(health.snapshot(), 86_400)
    assert assessed.cpu_max == 69 and not assessed.saturated
