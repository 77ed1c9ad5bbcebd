"""SLO gates: a small threshold language, parsed up front, judged at the end of a campaign.

Grammar (in the manner of k6's thresholds), one threshold per string:

    threshold = [ scope ":" ] metric op value [ ":abort-after=" duration ]
    scope     = "all" | "submit" | "query" | "mo" | "dlr" | "push"  (default: all)
    metric    = a name in METRICS below, or "p" number for a percentile (p99, p99.9)
    op        = "<" | "<=" | ">" | ">=" | "=="
    value     = by the metric's kind: a duration for a latency
                (`okroute_model.units.parse_duration`: 250ms, 30s, 1m, 1m30s, 1h); a share with
                "%" (or a plain fraction); a plain number for a count or a rate

What is valid follows from the metric's entry in METRICS: its kind says which values it takes,
its scopes where it is measured, its reader how its value comes from the merged figures. Adding
a metric is one entry there, plus the producer of the figure it reads.

Examples: `submit:p99<250ms`, `errors<0.1%`, `throttled<5%`, `dlr:p95<1m`, `rps>=500`,
`push:p95<30s` (submit to the first push of a final status), `push_missing<0.1%`,
`submit:p99<250ms:abort-after=30s` (stop the run once breached for 30 s on end).
A metric or scope that does not exist is an error when parsed, never a silent pass; a threshold
whose scope saw no data at the end fails. Under the open model, latency thresholds are judged on
latency corrected for coordinated omission (measured from the intended send time).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from loadtests.latency import seconds_at
from okroute_model.units import DURATION_HINT, parse_duration

if TYPE_CHECKING:
    from hdrh.histogram import HdrHistogram

COMMANDS = ("submit", "query", "mo")
SCOPES = ("all", *COMMANDS, "dlr", "push")
ANSWERS = ("all", *COMMANDS)  # scopes of requests and their answers
PUSHES = ("all", "push")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt,
}  # fmt: skip
ABORT_AFTER = ":abort-after="
_GRAMMAR = re.compile(
    r"^\s*(?:(?P<scope>[a-z]+)\s*:)?\s*(?P<metric>p\d+(?:\.\d+)?|[a-z_]+)\s*"
    r"(?P<op><=|>=|==|<|>)\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[a-zµ%][a-zµ0-9.\s]*)?\s*$"
)
_PERCENTILE = re.compile(r"p\d+(\.\d+)?")
PERCENTILE = "pNN"  # the table's name for every percentile
PUSH_MISSING = "push_missing"  # okroute-load judges it by default when it runs a receiver


class Kind(StrEnum):
    """What a metric's value is: it decides the value's unit when parsed and when shown."""

    LATENCY = "latency"  # seconds; written as a duration, shown in ms
    SHARE = "share"  # a fraction; written with % or as a fraction, shown in %
    NUMBER = "number"  # a count or a rate; written and shown plain


class Figures(Protocol):
    """The merged figures of a campaign, as the metrics read them (`report.MergedFigures`)."""

    def histogram(self, scope: str) -> HdrHistogram | None:
        """Latency of the scope (corrected under the open model); None without data."""

    def count(self, scope: str) -> float | None:
        """Answers of a command scope; final statuses polled (dlr) or pushed (push)."""

    def answers(self, scope: str, key: str) -> float | None:
        """A figure of a command scope's answers (`rps`, `errors`, `throttled`)."""

    def generator_share(self, part: str, whole: str) -> float:
        """A share of the generators' due sends: `part` of `whole`, over every process."""

    def push_share(self, part: str, whole: str) -> float | None:
        """A share of the push receiver's counters (`summary.PushCounts`): `part` of `whole`."""


Reader = Callable[[Figures, str, str], float | None]  # (figures, scope, metric name) -> value


def _latency(pick: Callable[[HdrHistogram, str], float]) -> Reader:
    def read(figures: Figures, scope: str, metric: str) -> float | None:
        histogram = figures.histogram(scope)
        return None if histogram is None else pick(histogram, metric)

    return read


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    scopes: tuple[str, ...]  # where it is measured
    read: Reader
    unit: str  # of the value as judged
    about: str  # one line for the documentation
    elsewhere: str = "{metric} is not measured for {scope}"  # a scope it is not measured for


def _push(name: str, part: str, whole: str, about: str) -> Metric:
    """A share the push receiver measures over every push (or message) of the run: its counter
    `part` of its counter `whole`."""

    def read(figures: Figures, scope: str, metric: str) -> float | None:
        return figures.push_share(part, whole)

    return Metric(name, Kind.SHARE, PUSHES, read, "fraction", about,
                  "{metric} is measured for all pushes, not {scope}")  # fmt: skip


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric(PERCENTILE, Kind.LATENCY, SCOPES,
           _latency(lambda h, m: seconds_at(h, float(m[1:]))), "s", "a latency percentile"),
    Metric("avg", Kind.LATENCY, SCOPES,
           _latency(lambda h, m: h.get_mean_value() / 1e6), "s", "mean latency"),
    Metric("min", Kind.LATENCY, SCOPES,
           _latency(lambda h, m: h.get_min_value() / 1e6), "s", "lowest latency"),
    Metric("max", Kind.LATENCY, SCOPES,
           _latency(lambda h, m: h.get_max_value() / 1e6), "s", "highest latency"),
    Metric("rps", Kind.NUMBER, ANSWERS, lambda f, s, m: f.answers(s, m), "requests/s",
           "answers per second over the load window", "{scope} has no rate: it is a latency"),
    Metric("count", Kind.NUMBER, SCOPES, lambda f, s, m: f.count(s), "1",
           "answers; dlr: final statuses polled; push: messages with a final push"),
    Metric("errors", Kind.SHARE, ANSWERS, lambda f, s, m: f.answers(s, m), "fraction",
           "share of answers that broke a contract rule"),
    Metric("throttled", Kind.SHARE, ANSWERS, lambda f, s, m: f.answers(s, m), "fraction",
           "share of answers that were throttling"),
    Metric("late", Kind.SHARE, ("all",), lambda f, s, m: f.generator_share(m, "sent"),
           "fraction", "open model: share of sends that left late"),
    Metric("dropped", Kind.SHARE, ("all",), lambda f, s, m: f.generator_share(m, "due"),
           "fraction", "open model: share of due sends dropped (--max-in-flight reached)"),
    _push(PUSH_MISSING, "missing", "messages", "share of messages without a final push"),
    _push("push_duplicates", "duplicates", "pushes", "share of pushes that repeat a status"),
    _push("push_out_of_order", "out_of_order", "pushes",
          "share of pushes behind a status already pushed"),
    _push("push_unknown", "unknown", "pushes",
          "share of pushes for IDs the run never submitted"),
)}  # fmt: skip


def judges_pushes(threshold: Threshold) -> bool:
    """Whether a threshold needs the push receiver's figures (and so the wait for them)."""
    return threshold.scope == "push" or metric(threshold.metric) in (
        m for m in METRICS.values() if m.scopes == PUSHES
    )


def metric(name: str) -> Metric | None:
    """The table entry of a metric name (every `pNN` is the percentile's)."""
    return METRICS[PERCENTILE] if _PERCENTILE.fullmatch(name) else METRICS.get(name)


def reference() -> list[str]:
    """One line per metric, for the documentation and the --slo help."""
    return [f"{m.name} ({m.kind}, {' '.join(m.scopes)}): {m.about}" for m in METRICS.values()]


class ThresholdError(ValueError):
    """A threshold that cannot be judged, with the reason."""


@dataclass(frozen=True)
class Threshold:
    text: str
    scope: str
    metric: str  # "p99.9", "avg", "errors", ...
    op: str
    limit: float  # seconds for latency, a fraction for shares, requests/s or a count
    abort_after: float | None = None  # seconds of sustained breach that stop the run early

    @property
    def percentile(self) -> float | None:
        return float(self.metric[1:]) if _PERCENTILE.fullmatch(self.metric) else None

    @property
    def kind(self) -> Kind:
        entry = metric(self.metric)
        assert entry is not None  # parsed thresholds name a metric of the table
        return entry.kind


def parse(text: str) -> Threshold:
    body, sep, abort = text.partition(ABORT_AFTER)
    abort_after = None
    if sep:
        try:
            abort_after = parse_duration(abort)
        except ValueError:
            raise ThresholdError(
                f"{text!r}: abort-after takes a duration: {DURATION_HINT}"
            ) from None
    threshold = _parse(body)
    return Threshold(
        text.strip(), threshold.scope, threshold.metric, threshold.op, threshold.limit, abort_after
    )


def _limit(text: str, kind: Kind, name: str, number: str, unit: str | None) -> float:
    """The value as judged, by the metric's kind."""
    if kind is Kind.LATENCY:
        if unit is None or unit == "%":
            raise ThresholdError(f"{text!r}: a latency needs a unit: {DURATION_HINT}")
        try:
            return parse_duration(number + unit)
        except ValueError:
            raise ThresholdError(
                f"{text!r}: the latency is not a duration: {DURATION_HINT}"
            ) from None
    if kind is Kind.SHARE:
        if unit not in (None, "%"):
            raise ThresholdError(f"{text!r}: {name} is a share: write e.g. 0.1%")
        return float(number) / 100 if unit == "%" else float(number)
    if unit is not None:
        raise ThresholdError(f"{text!r}: {name} takes no unit")
    return float(number)


def _parse(text: str) -> Threshold:
    match = _GRAMMAR.match(text)
    if not match:
        raise ThresholdError(f"{text!r} is not a threshold: write e.g. submit:p99<250ms")
    scope, name = match["scope"] or "all", match["metric"]
    if scope not in SCOPES:
        raise ThresholdError(f"{text!r}: unknown scope {scope!r}; known: {', '.join(SCOPES)}")
    entry = metric(name)
    if entry is None:
        known = ", ".join(METRICS)
        raise ThresholdError(f"{text!r}: unknown metric {name!r}; known: {known}")
    if entry.name == PERCENTILE and not 0 < float(name[1:]) <= 100:
        raise ThresholdError(f"{text!r}: a percentile is above 0 and at most 100")
    if scope not in entry.scopes:
        raise ThresholdError(f"{text!r}: " + entry.elsewhere.format(metric=name, scope=scope))
    limit = _limit(text, entry.kind, name, match["number"], match["unit"])
    return Threshold(text.strip(), scope, name, match["op"], limit)


def parse_all(texts: list[str]) -> list[Threshold]:
    return [parse(t) for t in texts]


@dataclass(frozen=True)
class Verdict:
    threshold: Threshold
    value: float | None  # None: the scope saw no data
    passed: bool

    def line(self) -> str:
        t = self.threshold
        if self.value is None:
            return f"{t.text}: no data for {t.scope}"
        shown = _show(t, self.value)
        return f"{t.text}: {'ok' if self.passed else 'BREACHED'} ({t.scope} {t.metric} = {shown})"


_SHOWN: dict[Kind, Callable[[float], str]] = {
    Kind.LATENCY: lambda v: f"{v * 1000:.3f} ms",
    Kind.SHARE: lambda v: f"{v:.4%}",
    Kind.NUMBER: lambda v: f"{v:.1f}",
}


def _show(t: Threshold, value: float) -> str:
    return _SHOWN[t.kind](value)


# What a campaign's summary answers: a metric of a scope, or None when the scope has no data.
Lookup = Callable[[str, str], float | None]


def reader(figures: Figures) -> Lookup:
    """The lookup of every metric of the table, from one campaign's merged figures."""

    def value(scope: str, name: str) -> float | None:
        entry = metric(name)
        return None if entry is None else entry.read(figures, scope, name)

    return value


def judge(threshold: Threshold, lookup: Lookup) -> Verdict:
    value = lookup(threshold.scope, threshold.metric)
    if value is None:
        return Verdict(threshold, None, False)
    return Verdict(threshold, value, _OPS[threshold.op](value, threshold.limit))
