"""Latency you can trust: HdrHistograms in microseconds, per request group, mergeable.

Locust keeps response times rounded to about two significant digits, which turns a sub-millisecond
platform into "0-1 ms". Every answer is also recorded here at microsecond precision (three
significant digits), raw and, under the open model, corrected for coordinated omission: measured
from the moment the request was due, not from when a stalled generator got round to sending it.
Workers ship what changed since their last report (`take_delta`), and the master adds it to its
own book as it arrives, so neither re-encodes the whole run every few seconds. The timeline keeps
at most `MAX_BUCKETS` buckets per command: when the run outgrows them, neighbouring buckets merge
and the width doubles (1 s, 2 s, 4 s, ...), so memory stays flat however long a soak runs.
"""

from __future__ import annotations

import ctypes
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 24 * 3600 * 1_000_000  # a day: delivery latency lives here too
DIGITS = 3
TIMELINE_DIGITS = 2  # per-bucket histograms only feed the charts
TIMELINE_HIGHEST_US = 600 * 1_000_000  # a request answered after 10 minutes is charted at 10
MAX_BUCKETS = 160  # per command on the timeline; beyond it the buckets double in width
BASE_BUCKET = 1.0  # seconds: every process starts here, so widths line up when merged
PERCENTILES = (50.0, 95.0, 99.0, 99.9)


def _histogram(digits: int = DIGITS) -> HdrHistogram:
    if digits == TIMELINE_DIGITS:
        return HdrHistogram(LOWEST_US, TIMELINE_HIGHEST_US, digits)
    return HdrHistogram(LOWEST_US, HIGHEST_US, digits)


def _record(histogram: HdrHistogram, seconds: float) -> None:
    """`histogram.record_value` of `seconds` in microseconds, clamped to the trackable range.

    The same index arithmetic as hdrh's (`_counts_index_for`: bucket from the value's highest
    bit, then its sub-bucket), in one function instead of five calls: every answer is recorded
    at least twice, and hdrh's calls were a tenth of the generator's cost per request."""
    h = histogram
    value = int(seconds * 1e6)
    if value < LOWEST_US:
        value = LOWEST_US
    elif value > h.highest_trackable_value:
        value = h.highest_trackable_value
    half = h.sub_bucket_half_count_magnitude
    bucket = (value | h.sub_bucket_mask).bit_length() - h.unit_magnitude - half - 1
    sub_bucket = value >> (bucket + h.unit_magnitude)
    h.counts[((bucket + 1) << half) + sub_bucket - h.sub_bucket_half_count] += 1
    h.total_count += 1
    if value < h.min_value:
        h.min_value = value
    if value > h.max_value:
        h.max_value = value


def _clear(histogram: HdrHistogram) -> None:
    """`HdrHistogram.reset()` in C time: it walks every count in Python (ms per histogram), and a
    fresh histogram per report churns the allocator until a soak's memory creeps up."""
    counts = histogram.counts
    ctypes.memset(ctypes.addressof(counts), 0, ctypes.sizeof(counts))
    histogram.total_count = 0
    histogram.min_value = sys.maxsize
    histogram.max_value = 0
    histogram.start_time_stamp_msec = sys.maxsize
    histogram.end_time_stamp_msec = 0


def _encode(histogram: HdrHistogram | None) -> str | None:
    return (
        None
        if histogram is None or not histogram.get_total_count()
        else histogram.encode().decode("ascii")
    )


def _add(
    mine: HdrHistogram | None, encoded: str | None, digits: int = DIGITS
) -> HdrHistogram | None:
    if encoded is None:
        return mine
    if mine is None:
        mine = _histogram(digits)
    mine.decode_and_add(encoded.encode("ascii"))
    return mine


@dataclass
class GroupStats:
    """One request group (e.g. "submit POST-body https"): counts and latency."""

    raw: HdrHistogram = field(default_factory=_histogram)
    corrected: HdrHistogram | None = None
    count: int = 0
    throttled: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # by rule or error kind

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


@dataclass
class Bucket:
    """A slice of the run's time, for the charts."""

    count: int = 0
    failed: int = 0
    throttled: int = 0
    raw: HdrHistogram = field(default_factory=lambda: _histogram(TIMELINE_DIGITS))
    corrected: HdrHistogram | None = None

    def absorb(self, other: Bucket) -> None:
        self.count += other.count
        self.failed += other.failed
        self.throttled += other.throttled
        self.raw.add(other.raw)
        if other.corrected is not None:
            if self.corrected is None:
                self.corrected = _histogram(TIMELINE_DIGITS)
            self.corrected.add(other.corrected)


def command_of(group: str) -> str:
    """ "submit POST-body https" -> "submit": the timeline is kept per command."""
    return group.split(" ", 1)[0]


class LatencyBook:
    def __init__(self, bucket_seconds: float = BASE_BUCKET, max_buckets: int = MAX_BUCKETS) -> None:
        self.bucket_seconds = bucket_seconds
        self.max_buckets = max_buckets
        self.groups: dict[str, GroupStats] = {}
        # (command, bucket index = wall clock // width) -> bucket
        self.timeline: dict[tuple[str, int], Bucket] = {}
        self.delivery = _histogram()  # submit until a query first shows a final status
        self.finals: Counter[str] = Counter()
        self.abandoned = 0  # IDs given up on: no final status within the time allowed
        self._commands: dict[str, str] = {}  # group -> command, split once per group

    def record(
        self,
        group: str,
        raw: float,
        now: float,
        corrected: float | None = None,
        failure: str | None = None,
        throttled: bool = False,
    ) -> None:
        """One answer: `raw` and `corrected` latency in seconds, `now` a wall-clock time."""
        stats = self.groups.get(group)
        if stats is None:
            stats = self.groups[group] = GroupStats()
        stats.count += 1
        _record(stats.raw, raw)
        if corrected is not None:
            if stats.corrected is None:
                stats.corrected = _histogram()
            _record(stats.corrected, corrected)
        if throttled:
            stats.throttled += 1
        if failure is not None:
            stats.failures[failure] += 1
        command = self._commands.get(group)
        if command is None:
            command = self._commands[group] = command_of(group)
        bucket = self._bucket(command, now)
        bucket.count += 1
        bucket.failed += failure is not None
        bucket.throttled += throttled
        _record(bucket.raw, raw)
        if corrected is not None:
            if bucket.corrected is None:
                bucket.corrected = _histogram(TIMELINE_DIGITS)
            _record(bucket.corrected, corrected)

    def _bucket(self, command: str, now: float) -> Bucket:
        index = int(now // self.bucket_seconds)
        key = (command, index)
        bucket = self.timeline.get(key)
        if bucket is None:  # a new second (or command): rare next to the answers in it
            while self.timeline and index - self._first_index() >= self.max_buckets:
                self.coarsen()
                index = int(now // self.bucket_seconds)
            key = (command, index)
            bucket = self.timeline.get(key)
            if bucket is None:
                bucket = self.timeline[key] = Bucket()
        return bucket

    def _first_index(self) -> int:
        return min(i for _, i in self.timeline)

    def coarsen(self) -> None:
        """Double the bucket width: each pair of neighbours becomes one bucket."""
        self.bucket_seconds *= 2
        merged: dict[tuple[str, int], Bucket] = {}
        for (command, index), bucket in sorted(self.timeline.items()):
            key = (command, index // 2)
            if key in merged:
                merged[key].absorb(bucket)
            else:
                merged[key] = bucket
        self.timeline = merged

    @property
    def span(self) -> tuple[float, float] | None:
        """Wall-clock start and end of the timeline, or None when nothing was recorded."""
        if not self.timeline:
            return None
        indices = [i for _, i in self.timeline]
        return min(indices) * self.bucket_seconds, (max(indices) + 1) * self.bucket_seconds

    @property
    def count(self) -> int:
        return sum(g.count for g in self.groups.values())

    def record_delivery(self, final: str, seconds: float) -> None:
        self.finals[final] += 1
        _record(self.delivery, seconds)

    # -- shipping and merging ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything recorded so far, as plain data a worker sends its master."""
        return {
            "bucket_seconds": self.bucket_seconds,
            "groups": {
                name: {
                    "raw": _encode(g.raw),
                    "corrected": _encode(g.corrected),
                    "count": g.count,
                    "throttled": g.throttled,
                    "failures": dict(g.failures),
                }
                for name, g in self.groups.items()
                if g.count
            },
            "timeline": [
                [command, i, b.count, b.failed, b.throttled, _encode(b.raw), _encode(b.corrected)]
                for (command, i), b in self.timeline.items()
            ],
            "delivery": _encode(self.delivery),
            "finals": dict(self.finals),
            "abandoned": self.abandoned,
        }

    def take_delta(self) -> dict[str, Any]:
        """What was recorded since the last call, as a snapshot; the book starts over, in place."""
        delta = self.snapshot()
        for g in self.groups.values():
            if g.count:
                _clear(g.raw)
                if g.corrected is not None:
                    _clear(g.corrected)
            g.count = g.throttled = 0
            g.failures.clear()
        self.timeline = {}
        if self.delivery.get_total_count():
            _clear(self.delivery)
        self.finals.clear()
        self.abandoned = 0
        return delta

    def add(self, snapshot: dict[str, Any]) -> None:
        for name, g in snapshot["groups"].items():
            stats = self.groups.setdefault(name, GroupStats())
            stats.raw = _add(stats.raw, g["raw"]) or stats.raw
            stats.corrected = _add(stats.corrected, g["corrected"])
            stats.count += g["count"]
            stats.throttled += g["throttled"]
            stats.failures.update(g["failures"])
        while snapshot["bucket_seconds"] > self.bucket_seconds:
            self.coarsen()
        width = snapshot["bucket_seconds"]
        for command, index, count, failed, throttled, raw, corrected in snapshot["timeline"]:
            bucket = self._bucket(command, (index + 0.5) * width)
            bucket.count += count
            bucket.failed += failed
            bucket.throttled += throttled
            bucket.raw = _add(bucket.raw, raw, TIMELINE_DIGITS) or bucket.raw
            bucket.corrected = _add(bucket.corrected, corrected, TIMELINE_DIGITS)
        self.delivery = _add(self.delivery, snapshot["delivery"]) or self.delivery
        self.finals.update(snapshot["finals"])
        self.abandoned += snapshot["abandoned"]

    @classmethod
    def merged(cls, snapshots: list[dict[str, Any]]) -> LatencyBook:
        book = cls()
        for snapshot in snapshots:
            book.add(snapshot)
        return book

    # -- reading -----------------------------------------------------------------------------

    def select(self, scope: str) -> list[GroupStats]:
        """The groups of a scope: "all", or a command ("submit", "query", "mo")."""
        return [g for name, g in self.groups.items() if scope in ("all", command_of(name))]

    @staticmethod
    def combined(groups: list[GroupStats], corrected: bool) -> HdrHistogram | None:
        return summed([(g.corrected if corrected else g.raw) for g in groups])


def summed(histograms: list[HdrHistogram | None]) -> HdrHistogram | None:
    """One histogram of everything recorded in `histograms`; None when they are all empty."""
    histograms = [h for h in histograms if h is not None and h.get_total_count()]
    if not histograms:
        return None
    total = _histogram()
    for h in histograms:
        total.add(h)
    return total


def seconds_at(histogram: HdrHistogram, percentile: float) -> float:
    return histogram.get_value_at_percentile(percentile) / 1e6


def mean_value(histogram: HdrHistogram) -> float:
    """What hdrh's `get_mean_value` returns (each count at the middle of its value range), in
    one pass over the counts: hdrh walks an iterator of objects, 60 ms a histogram here, and a
    report asks for tens of them."""
    if not histogram.get_total_count():
        return 0.0
    top = histogram.get_counts_array_index(histogram.get_max_value())
    total = 0
    for index, count in enumerate(histogram.counts[: top + 1]):
        if count:
            low = histogram.get_lowest_equivalent_value(histogram.get_value_from_index(index))
            total += count * ((low + histogram.get_highest_equivalent_value(low) + 1) // 2)
    return total / histogram.get_total_count()


def latency_figures(histogram: HdrHistogram | None) -> dict[str, float] | None:
    """p50/p95/p99/p99.9, mean, min and max in milliseconds (microsecond precision)."""
    if histogram is None or not histogram.get_total_count():
        return None
    at = histogram.get_percentile_to_value_dict(list(PERCENTILES))  # one pass for all four
    figures = {f"p{p:g}": at[p] / 1000 for p in PERCENTILES}
    figures |= {
        "avg": mean_value(histogram) / 1000,
        "min": histogram.get_min_value() / 1000,
        "max": histogram.get_max_value() / 1000,
    }
    return {k: round(v, 3) for k, v in figures.items()}
