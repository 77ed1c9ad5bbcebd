"""A campaign's figures while it runs, on a Prometheus endpoint (`--metrics-listen HOST:PORT`).

The master (or a lone generator) already keeps a live view of the run: one latency book the
workers' deltas are added to as they arrive, and each process's latest health (`live.View`).
This collector reads that view at each scrape and nothing else: the send path pays nothing, and
what a scrape shows is what the progress line and the SLO abort rule see. Series are cumulative
(counters and histograms since the start), so Prometheus's `rate()` and `histogram_quantile()`
apply, and a scrape missed loses nothing.

Labels are closed sets: a request group's command, method and transport, a contract rule, a
send's fate, a final status, an SLO's own text. `safe_label` refuses anything else (a run of
digits like a destination number, an ID-shaped token, the password) as `other`: no label ever
carries a number, an ID or a credential.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from contracts.receiver import parse_listen
from loadtests import report
from loadtests.health import CPU_SATURATED
from loadtests.latency import mean_value
from loadtests.live import View
from loadtests.pushbook import COUNTS as PUSH_COUNTS
from loadtests.pushbook import PushBook
from loadtests.summary import CampaignSummary, PushSection, typed_summary
from loadtests.thresholds import PUSH_MISSING, Threshold, judge, parse_all
from okroute_model.secrets import MASKER
from okroute_model.units import parse_duration

log = logging.getLogger("okroute.load")
NAMESPACE = "okroute"
# Seconds: from a fast loopback answer to a stalled platform and on to delivery reports.
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
DELIVERY_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
PUSH_TIMEOUT = 1.0  # seconds a scrape waits for the push receiver's live figures
MAX_LINGER = 15.0  # seconds; within the time okroute-load gives a master to write its report
OTHER = "other"
# A label value never holds a run of five digits (a destination number), an ID-shaped token
# (eight hex characters or more, with a digit) or anything the masker hides (the password).
_NUMBERISH = re.compile(r"\d{5,}")
_IDISH = re.compile(r"(?=[0-9a-f-]*\d)[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4,}", re.IGNORECASE)
_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9_.:<>=%+ -]{0,79}")

# Every series exported, with its help text: the dashboard test checks each panel names one.
SERIES: dict[str, str] = {
    "requests_total": "Requests answered (or failed in transport), per group",
    "requests_per_second": "Answers per second since the load started, per group (rate() for now)",
    "request_failures_total": "Requests that broke a contract rule or failed, per rule",
    "requests_throttled_total": "Requests the platform throttled, per group",
    "request_latency_seconds": "Answer latency as sent (raw), per group",
    "request_corrected_latency_seconds": "Open model: latency from the intended send time",
    "sends_total": "Due sends of the open model by fate (due, started, late, dropped, held ...)",
    "budget_numbers_used": "Destination numbers submitted so far (the message budget's use)",
    "budget_numbers_limit": "The run's message budget, in destination numbers",
    "generator_processes": "Generator processes reporting figures",
    "generator_cpu_percent": "Generator CPU per process sample, percent of one core (p50, max)",
    "generator_cpu_saturated_samples_total": "CPU samples at or above the saturation line",
    "generator_loop_lag_seconds": "Event-loop wake-up lag of the generators (p50, max)",
    "delivery_finals_total": "Final statuses seen by status queries, per status",
    "delivery_abandoned_total": "IDs given up on without a final status",
    "delivery_latency_seconds": "Submit until a status query shows a final status",
    "push_received_total": "Pushes the campaign's receiver took",
    "push_awaiting_final": "Submitted messages without a final push yet",
    "push_events_total": "Push matching counts by kind (pushes, duplicates, out_of_order ...)",
    "push_latency_seconds": "Submit until the first push of a final status, per status",
    PUSH_MISSING: "Messages that got no final push by the end of the grace (at the end)",
    "slo_passing": "1 while the SLO holds on the figures so far, 0 when breached; absent: no data",
    "slo_value": "The SLO's metric so far (seconds, share or requests/s)",
    "slo_limit": "The SLO's limit (seconds, share or requests/s)",
    "run_elapsed_seconds": "Seconds since the load started",
    "run_duration_seconds": "The run's planned duration",
    "run_finished": "1 once the report is written (the figures are final)",
}


def name(series: str) -> str:
    return f"{NAMESPACE}_{series}"


def safe_label(value: str) -> str:
    """`value` when it is a plain name; `other` when it could carry a number, ID or secret."""
    text = str(value)
    if not _SAFE.fullmatch(text) or _NUMBERISH.search(text) or _IDISH.search(text):
        return OTHER
    return OTHER if MASKER.mask(text) != text else text


def listen_address(text: str) -> str:
    """`--metrics-listen`: HOST:PORT, checked when parsed; empty for none."""
    if text:
        parse_listen(text)
    return text


def check_free(listen: str) -> None:
    """A ValueError when `--metrics-listen`'s address cannot be listened on: said before the
    run starts (and makes its report folder), not by the Locust master once it is running."""
    if not listen:
        return
    host, port = parse_listen(listen)
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise ValueError(f"--metrics-listen {listen}: {exc.strerror or exc}") from None


def linger(text: str) -> float:
    """`--metrics-linger`: how long the final figures stay up for a last scrape."""
    value = parse_duration(text) if isinstance(text, str) else float(text)
    if not 0 <= value <= MAX_LINGER:
        raise ValueError(f"{text!r}: the metrics linger at most {MAX_LINGER:g}s")
    return value


def _group_labels(group: str) -> list[str]:
    """ "submit POST-body https" -> [command, method, transport]."""
    parts = [*group.split(" "), "", "", ""][:3]
    return [safe_label(p) if p else OTHER for p in parts]


def buckets_of(histogram: Any, bounds: tuple[float, ...]) -> tuple[list[tuple[str, float]], float]:
    """An HdrHistogram (microseconds) as cumulative Prometheus buckets and their sum (seconds),
    in one pass over its counts (hdrh's own iterators cost tens of ms per histogram)."""
    counts = [0] * (len(bounds) + 1)
    total = histogram.get_total_count() if histogram is not None else 0
    if total:
        top = histogram.get_counts_array_index(histogram.get_max_value())
        limits_us = [b * 1e6 for b in bounds]
        for index, count in enumerate(histogram.counts[: top + 1]):
            if count:  # an answer of exactly a bound is at or under it (the bucket's low end)
                value = histogram.get_value_from_index(index)
                counts[bisect.bisect_left(limits_us, value)] += count
    cumulative, running = [], 0
    for bound, count in zip((*map(str, bounds), "+Inf"), counts, strict=True):
        running += count
        cumulative.append((bound, float(running)))
    total_s = mean_value(histogram) * total / 1e6 if total else 0.0
    return cumulative, total_s


@dataclass
class Source:
    """Where a scrape reads the campaign: the live view, the SLOs, the push receiver."""

    view: Callable[[], View | None]
    thresholds: list[Threshold]
    push_receiver: str = ""
    final: CampaignSummary | dict[str, Any] | None = None  # summary.json once written


def _requests(view: View) -> Iterator[Metric]:
    labels = ["command", "method", "transport"]
    answered = CounterMetricFamily(name("requests"), SERIES["requests_total"], labels=labels)
    throttled = CounterMetricFamily(
        name("requests_throttled"), SERIES["requests_throttled_total"], labels=labels
    )
    failures = CounterMetricFamily(
        name("request_failures"), SERIES["request_failures_total"], labels=[*labels, "rule"]
    )
    raw = HistogramMetricFamily(
        name("request_latency_seconds"), SERIES["request_latency_seconds"], labels=labels
    )
    corrected = HistogramMetricFamily(
        name("request_corrected_latency_seconds"),
        SERIES["request_corrected_latency_seconds"],
        labels=labels,
    )
    per_second = GaugeMetricFamily(
        name("requests_per_second"), SERIES["requests_per_second"], labels=labels
    )
    for group, stats in sorted(view.book.groups.items()):
        values = _group_labels(group)
        answered.add_metric(values, stats.count)
        per_second.add_metric(values, stats.count / max(view.elapsed, 1e-9))
        throttled.add_metric(values, stats.throttled)
        for rule, count in sorted(stats.failures.items()):
            failures.add_metric([*values, safe_label(rule)], count)
        raw.add_metric(values, *buckets_of(stats.raw, LATENCY_BUCKETS))
        if stats.corrected is not None:
            corrected.add_metric(values, *buckets_of(stats.corrected, LATENCY_BUCKETS))
    yield from (answered, per_second, throttled, failures, raw, corrected)


SEND_FATES = ("due", "started", "sent", "late", "behind", "dropped", "held", "skipped")


def _sum(healths: list[dict[str, Any]], key: str) -> float:
    return float(sum(h.get(key) or 0 for h in healths))


def _pooled(healths: list[dict[str, Any]], key: str) -> list[int]:
    """Every process's samples of `key` (a histogram of whole units -> samples), sorted."""
    values: list[int] = []
    for health in healths:
        for unit, samples in (health.get(key) or {}).items():
            values += [int(unit)] * int(samples)
    return sorted(values)


def _generator(view: View) -> Iterator[Metric]:
    healths = view.healths
    sends = CounterMetricFamily(name("sends"), SERIES["sends_total"], labels=["fate"])
    for fate in SEND_FATES:
        sends.add_metric([fate], _sum(healths, fate))
    yield sends
    yield GaugeMetricFamily(
        name("generator_processes"), SERIES["generator_processes"], value=len(healths)
    )
    cpu = _pooled(healths, "cpu")
    lag = _pooled(healths, "lag")
    cpu_family = GaugeMetricFamily(
        name("generator_cpu_percent"), SERIES["generator_cpu_percent"], labels=["stat"]
    )
    lag_family = GaugeMetricFamily(
        name("generator_loop_lag_seconds"), SERIES["generator_loop_lag_seconds"], labels=["stat"]
    )
    if cpu:
        cpu_family.add_metric(["p50"], cpu[len(cpu) // 2])
        cpu_family.add_metric(["max"], cpu[-1])
    if lag:  # sampled in milliseconds
        lag_family.add_metric(["p50"], lag[len(lag) // 2] / 1000)
        lag_family.add_metric(["max"], lag[-1] / 1000)
    yield cpu_family
    yield lag_family
    yield CounterMetricFamily(
        name("generator_cpu_saturated_samples"),
        SERIES["generator_cpu_saturated_samples_total"],
        value=sum(1 for c in cpu if c >= CPU_SATURATED),
    )
    yield GaugeMetricFamily(
        name("budget_numbers_used"), SERIES["budget_numbers_used"], value=_sum(healths, "numbers")
    )
    yield GaugeMetricFamily(
        name("budget_numbers_limit"), SERIES["budget_numbers_limit"], value=view.budget
    )


def _delivery(view: View) -> Iterator[Metric]:
    book = view.book
    finals = CounterMetricFamily(
        name("delivery_finals"), SERIES["delivery_finals_total"], labels=["status"]
    )
    for status, count in sorted(book.finals.items()):
        finals.add_metric([safe_label(status)], count)
    yield finals
    yield CounterMetricFamily(
        name("delivery_abandoned"), SERIES["delivery_abandoned_total"], value=book.abandoned
    )
    latency = HistogramMetricFamily(
        name("delivery_latency_seconds"), SERIES["delivery_latency_seconds"], labels=[]
    )
    if book.delivery.get_total_count():
        latency.add_metric([], *buckets_of(book.delivery, DELIVERY_BUCKETS))
    yield latency


def _slos(
    view: View, thresholds: list[Threshold], final: CampaignSummary | None
) -> Iterator[Metric]:
    labels = ["slo"]
    passing = GaugeMetricFamily(name("slo_passing"), SERIES["slo_passing"], labels=labels)
    value = GaugeMetricFamily(name("slo_value"), SERIES["slo_value"], labels=labels)
    limit = GaugeMetricFamily(name("slo_limit"), SERIES["slo_limit"], labels=labels)
    if final is not None:  # the verdicts of the report, push SLOs included
        for slo in final.slo:
            text = safe_label(slo.threshold)
            passing.add_metric([text], 1.0 if slo.passed else 0.0)
            if slo.value is not None:
                value.add_metric([text], slo.value)
    else:
        lookup = report.lookup(view.book, view.summary(), view.corrected)
        for threshold in thresholds:
            verdict = judge(threshold, lookup)
            if verdict.value is not None:  # no data yet is neither passing nor breached
                passing.add_metric([safe_label(threshold.text)], float(verdict.passed))
                value.add_metric([safe_label(threshold.text)], verdict.value)
    for threshold in thresholds:
        limit.add_metric([safe_label(threshold.text)], threshold.limit)
    yield from (passing, value, limit)


def live_pushes(receiver: str) -> dict[str, Any] | None:
    """The receiver's figures so far (`/_receiver/live`), or None when it does not answer."""
    if not receiver:
        return None
    try:
        url = f"{receiver.rstrip('/')}/_receiver/live"
        with urllib.request.urlopen(url, timeout=PUSH_TIMEOUT) as response:
            return json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _pushes(live: dict[str, Any] | None, final: CampaignSummary | None) -> Iterator[Metric]:
    if live is None:
        return
    book = PushBook.merged([live["book"]])
    push = final.push if final is not None and isinstance(final.push, PushSection) else None
    # Once the report is written its figure stands: pushes that come later are not the run's.
    received = push.received if push is not None else live.get("received", 0)
    yield CounterMetricFamily(name("push_received"), SERIES["push_received_total"], value=received)
    yield GaugeMetricFamily(
        name("push_awaiting_final"), SERIES["push_awaiting_final"], value=live.get("open", 0)
    )
    events = CounterMetricFamily(name("push_events"), SERIES["push_events_total"], labels=["kind"])
    for kind in PUSH_COUNTS:
        if kind != "missing":  # known only once the grace is over: push_missing
            events.add_metric([kind], getattr(book.counts, kind))
    yield events
    latency = HistogramMetricFamily(
        name("push_latency_seconds"), SERIES["push_latency_seconds"], labels=["status"]
    )
    for status, histogram in sorted(book.latency.items()):
        latency.add_metric([safe_label(status)], *buckets_of(histogram, DELIVERY_BUCKETS))
    yield latency
    if push is not None:
        yield GaugeMetricFamily(name(PUSH_MISSING), SERIES[PUSH_MISSING], value=push.missing)


class CampaignCollector(Collector):
    """Builds every series from the campaign's live view at each scrape."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.started = time.time()

    def collect(self) -> Iterator[Metric]:
        view = self.source.view()
        if view is None or view.book is None:  # before the load starts
            return
        yield from _requests(view)
        yield from _generator(view)
        yield from _delivery(view)
        final = None if self.source.final is None else typed_summary(self.source.final)
        yield from _slos(view, self.source.thresholds, final)
        yield from _pushes(live_pushes(self.source.push_receiver), final)
        yield GaugeMetricFamily(
            name("run_elapsed_seconds"), SERIES["run_elapsed_seconds"], value=view.elapsed
        )
        yield GaugeMetricFamily(
            name("run_duration_seconds"), SERIES["run_duration_seconds"], value=view.total
        )
        yield GaugeMetricFamily(
            name("run_finished"), SERIES["run_finished"], value=float(self.source.final is not None)
        )


class Exporter:
    """The endpoint of one Locust process; `finish` shows the report's figures, then lingers."""

    def __init__(self, listen: str, source: Source, linger_s: float = 0.0) -> None:
        host, port = parse_listen(listen)
        self.source = source
        self.linger_s = linger_s
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(CampaignCollector(source))
        self.server, _thread = start_http_server(port, host, self.registry)
        self.url = f"http://{host}:{self.server.server_port}/metrics"
        log.info("okroute metrics on %s", self.url)

    def finish(self, summary: CampaignSummary, sleep: Callable[[float], Any] = time.sleep) -> None:
        """The final figures stay on the endpoint for `linger_s` seconds, for a last scrape."""
        self.source.final = summary
        if self.linger_s:
            sleep(self.linger_s)


def start(parsed: Any, slos: list[str], push_receiver: str, view: Callable[[], View | None]):
    """The endpoint when `--okroute-metrics-listen` asks for one (a master or a lone generator;
    a worker's figures reach it through the master); None otherwise. A ValueError says why it
    cannot listen."""
    listen = getattr(parsed, "okroute_metrics_listen", "") or ""
    if not listen:
        return None
    source = Source(view, parse_all(slos), push_receiver)
    try:
        return Exporter(listen, source, float(getattr(parsed, "okroute_metrics_linger", 0) or 0))
    except OSError as exc:
        raise ValueError(f"--metrics-listen {listen}: {exc.strerror or exc}") from None
