"""The SLO threshold language, table-driven."""

from __future__ import annotations

import pytest

from loadtests.thresholds import ThresholdError, judge, parse

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
