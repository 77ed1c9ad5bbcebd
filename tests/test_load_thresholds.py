"""The SLO threshold language, table-driven."""

from __future__ import annotations

import pytest

from loadtests.health import Health
from loadtests.latency import LatencyBook
from loadtests.pushbook import Matcher, PushBook
from loadtests.report import MergedFigures, summarize
from loadtests.thresholds import (
    METRICS,
    PERCENTILE,
    SCOPES,
    Kind,
    Metric,
    ThresholdError,
    judge,
    parse,
    reader,
    reference,
)
from okroute_model.push import Push, PushKind
from okroute_model.statuses import Status

PARSED = [
    ("submit:p99<250ms", "submit", "p99", "<", 0.25),
    ("errors<0.1%", "all", "errors", "<", 0.001),
    ("throttled<5%", "all", "throttled", "<", 0.05),
    ("dlr:p95<30s", "dlr", "p95", "<", 30.0),
    ("rps>=500", "all", "rps", ">=", 500.0),
    ("query:p99.9 <= 900us", "query", "p99.9", "<=", 0.0009),
    ("all:avg<2ms", "all", "avg", "<", 0.002),
    ("errors<0.001", "all", "errors", "<", 0.001),
    ("late<1%", "all", "late", "<", 0.01),
    ("mo:count>=10", "mo", "count", ">=", 10.0),
]


@pytest.mark.parametrize(("text", "scope", "metric", "op", "limit"), PARSED)
def test_parse(text, scope, metric, op, limit) -> None:
    t = parse(text)
    assert (t.scope, t.metric, t.op) == (scope, metric, op)
    assert t.limit == pytest.approx(limit)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("submit:p99<250", "needs a unit"),
        ("submit:latency<250ms", "unknown metric"),
        ("sumbit:p99<250ms", "unknown scope"),
        ("errors<5ms", "is a share"),
        ("rps>=500%", "takes no unit"),
        ("dlr:rps>1", "no rate"),
        ("dlr:errors<1%", "not measured"),
        ("submit:late<1%", "not measured"),
        ("p101<1s", "at most 100"),
        ("p99 250ms", "not a threshold"),
        ("", "not a threshold"),
    ],
)
def test_unknown_or_malformed_thresholds_are_errors(text: str, reason: str) -> None:
    with pytest.raises(ThresholdError, match=reason):
        parse(text)


@pytest.mark.parametrize(
    ("text", "value", "passed"),
    [
        ("submit:p99<250ms", 0.249, True),
        ("submit:p99<250ms", 0.250, False),
        ("submit:p99<=250ms", 0.250, True),
        ("rps>=500", 499.9, False),
        ("errors<0.1%", 0.0, True),
        ("errors<0.1%", 0.002, False),
    ],
)
def test_judge(text: str, value: float, passed: bool) -> None:
    verdict = judge(parse(text), lambda scope, metric: value)
    assert verdict.passed is passed
    assert ("ok" in verdict.line()) is passed


def test_a_scope_without_data_fails() -> None:
    verdict = judge(parse("dlr:p95<30s"), lambda scope, metric: None)
    assert not verdict.passed and "no data" in verdict.line()


# -- the metric table: validity follows from each metric's entry -----------------------------

EXAMPLE = {Kind.LATENCY: "250ms", Kind.SHARE: "1%", Kind.NUMBER: "10"}
WRONG_UNIT = {Kind.LATENCY: "250", Kind.SHARE: "250ms", Kind.NUMBER: "10%"}


def _name(metric: Metric) -> str:
    return "p99" if metric.name == PERCENTILE else metric.name


@pytest.mark.parametrize("metric", list(METRICS.values()), ids=lambda m: m.name)
@pytest.mark.parametrize("scope", SCOPES)
def test_a_metric_is_valid_exactly_in_its_scopes(metric: Metric, scope: str) -> None:
    text = f"{scope}:{_name(metric)}<{EXAMPLE[metric.kind]}"
    if scope in metric.scopes:
        assert parse(text).kind is metric.kind
    else:
        with pytest.raises(ThresholdError, match=f"{scope}|{metric.name}"):
            parse(text)


@pytest.mark.parametrize("metric", list(METRICS.values()), ids=lambda m: m.name)
def test_a_metric_takes_only_its_kinds_values(metric: Metric) -> None:
    with pytest.raises(ThresholdError):
        parse(f"{metric.scopes[0]}:{_name(metric)}<{WRONG_UNIT[metric.kind]}")


def _figures() -> MergedFigures:
    """Every figure a metric reads, made by its real producer: the latency book, the summary,
    the generators' health and the push book."""
    book = LatencyBook()
    for n, group in enumerate(("submit GET http", "query GET http", "mo GET http")):
        book.record(group, 0.01 * (n + 1), 1_800_000_000.0 + n, corrected=0.02 * (n + 1))
    book.record_delivery(Status.DELIVRD, 3.0)
    health = Health(due=10, sent=9, late=1, dropped=1, load_from=1_800_000_000.0)
    summary = summarize(book, [health.snapshot()], 10.0)
    push = Matcher("load")
    push.submitted("local", 100.0, [["a"], ["b"]])
    push.push(Push(PushKind.DLR, "load", "GET", {"app_msg_id": "a", "delivery_status": "DELIVRD"},
                   "raw", 101.0))  # fmt: skip
    merged = PushBook.merged(list(push.finish().values()))
    return MergedFigures(book, summary, corrected=True, push=merged)


def test_every_metric_reads_a_value_in_every_scope_it_allows() -> None:
    """The completeness check: a metric added to the table without the figure it reads (or
    with a reader that finds nothing) is named here."""
    values = reader(_figures())
    missing = [
        f"{scope}:{_name(m)}"
        for m in METRICS.values()
        for scope in m.scopes
        if values(scope, _name(m)) is None
    ]
    assert missing == [], f"no value read for {missing}: add the figure's producer"


@pytest.mark.parametrize(
    ("text", "value", "shown"),
    [("p99<1s", 0.0123, "12.300 ms"), ("errors<1%", 0.0012, "0.1200%"), ("rps>1", 12.34, "12.3")],
)
def test_values_are_shown_in_their_kinds_unit(text: str, value: float, shown: str) -> None:
    assert f"= {shown})" in judge(parse(text), lambda scope, metric: value).line()


def test_the_documented_metric_list_is_the_table() -> None:
    lines = reference()
    assert [line.split(" ", 1)[0] for line in lines] == list(METRICS)
    assert all(m.about and m.unit for m in METRICS.values())
