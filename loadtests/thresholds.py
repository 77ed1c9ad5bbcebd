"""SLO gates: a small threshold language, parsed up front, judged at the end of a campaign.

Grammar (in the manner of k6's thresholds), one threshold per string:

    threshold = [ scope ":" ] metric op value [ ":abort-after=" duration ]
    scope     = "all" | "submit" | "query" | "mo" | "dlr" | "push"  (default: all)
    metric    = "p" number  (a percentile, e.g. p99, p99.9)
              | "avg" | "min" | "max"                            (latency)
              | "rps" | "count"                                  (requests)
              | "errors" | "throttled"                           (shares of requests)
              | "late" | "dropped"                               (shares of due sends, open model)
              | "push_missing" | "push_duplicates"               (shares of messages / pushes)
              | "push_out_of_order" | "push_unknown"
    op        = "<" | "<=" | ">" | ">=" | "=="
    value     = a duration for latency (`okroute_model.units.parse_duration`: 250ms, 30s, 1m,
                1m30s, 1h); a share with "%" (or a plain fraction); a plain number for rps, count

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

from okroute_model.units import DURATION_HINT, parse_duration

SCOPES = ("all", "submit", "query", "mo", "dlr", "push")
LATENCY = ("avg", "min", "max")
SHARES = ("errors", "throttled", "late", "dropped")
COUNTS = ("rps", "count")
# Shares measured by the push receiver: missing is of messages, the others of pushes.
PUSH_METRICS = ("push_missing", "push_duplicates", "push_out_of_order", "push_unknown")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt,
}  # fmt: skip
ABORT_AFTER = ":abort-after="
_GRAMMAR = re.compile(
    r"^\s*(?:(?P<scope>[a-z]+)\s*:)?\s*(?P<metric>p\d+(?:\.\d+)?|[a-z_]+)\s*"
    r"(?P<op><=|>=|==|<|>)\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[a-zµ%][a-zµ0-9.\s]*)?\s*$"
)


_PERCENTILE = re.compile(r"p\d+(\.\d+)?")


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


def _parse(text: str) -> Threshold:
    match = _GRAMMAR.match(text)
    if not match:
        raise ThresholdError(f"{text!r} is not a threshold: write e.g. submit:p99<250ms")
    scope = match["scope"] or "all"
    metric, unit, number = match["metric"], match["unit"], float(match["number"])
    if scope not in SCOPES:
        raise ThresholdError(f"{text!r}: unknown scope {scope!r}; known: {', '.join(SCOPES)}")
    is_percentile = bool(_PERCENTILE.fullmatch(metric))
    if is_percentile and not 0 < float(metric[1:]) <= 100:
        raise ThresholdError(f"{text!r}: a percentile is above 0 and at most 100")
    if is_percentile or metric in LATENCY:
        if unit is None or unit == "%":
            raise ThresholdError(f"{text!r}: a latency needs a unit: {DURATION_HINT}")
        try:
            limit = parse_duration(match["number"] + unit)
        except ValueError:
            raise ThresholdError(
                f"{text!r}: the latency is not a duration: {DURATION_HINT}"
            ) from None
    elif metric in PUSH_METRICS:
        if scope not in ("all", "push"):
            raise ThresholdError(f"{text!r}: {metric} is measured for all pushes, not {scope}")
        if unit not in (None, "%"):
            raise ThresholdError(f"{text!r}: {metric} is a share: write e.g. 0.1%")
        limit = number / 100 if unit == "%" else number
    elif metric in SHARES:
        if scope in ("dlr", "push") or (metric in ("late", "dropped") and scope != "all"):
            raise ThresholdError(f"{text!r}: {metric} is not measured for {scope}")
        if unit not in (None, "%"):
            raise ThresholdError(f"{text!r}: {metric} is a share: write e.g. 0.1%")
        limit = number / 100 if unit == "%" else number
    elif metric in COUNTS:
        if unit is not None:
            raise ThresholdError(f"{text!r}: {metric} takes no unit")
        if scope in ("dlr", "push") and metric == "rps":
            raise ThresholdError(f"{text!r}: delivery latency has no rate")
        limit = number
    else:
        known = "pNN, " + ", ".join((*LATENCY, *COUNTS, *SHARES, *PUSH_METRICS))
        raise ThresholdError(f"{text!r}: unknown metric {metric!r}; known: {known}")
    return Threshold(text.strip(), scope, metric, match["op"], limit)


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


def _show(t: Threshold, value: float) -> str:
    if t.percentile is not None or t.metric in LATENCY:
        return f"{value * 1000:.3f} ms"
    if t.metric in SHARES or t.metric in PUSH_METRICS:
        return f"{value:.4%}"
    return f"{value:.1f}"


# What a campaign's summary answers: a metric of a scope, or None when the scope has no data.
Lookup = Callable[[str, str], float | None]


def judge(threshold: Threshold, lookup: Lookup) -> Verdict:
    value = lookup(threshold.scope, threshold.metric)
    if value is None:
        return Verdict(threshold, None, False)
    return Verdict(threshold, value, _OPS[threshold.op](value, threshold.limit))
