"""Units and the throttling classifier of the ground floor: table-driven."""

from __future__ import annotations

import argparse

import pytest

from okroute_model.errors import LOOP_DETECTED, NO_ROUTES
from okroute_model.throttling import DEFAULT_WAIT, MAX_WAIT, classify_throttle
from okroute_model.units import (
    argtype,
    format_duration,
    parse_duration,
    parse_probability,
    parse_range,
    parse_weights,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("30", 30.0),
        ("1.5", 1.5),
        ("200us", 200e-6),
        ("200µs", 200e-6),
        ("5ms", 0.005),
        ("1.5s", 1.5),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1m30s", 90.0),
        ("1h30m", 5400.0),
        ("2s500ms", 2.5),
        (" 5 m ", 300.0),
    ],
)
def test_durations_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "m", "5x", "5 minutes", "-1s", "1m30", "s5", "1.2.3s"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration: write e\.g\."):
        parse_duration(text)


@pytest.mark.parametrize("seconds", [0.25, 1.0, 30.0, 90.0, 300.0, 3600.0, 5400.0])
def test_formatted_durations_parse_back(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


def test_ranges_and_probabilities() -> None:
    assert parse_range("1ms..20ms") == pytest.approx((0.001, 0.02))
    assert parse_range("2s") == (2.0, 2.0)
    assert parse_range("1m..2m") == (60.0, 120.0)
    with pytest.raises(ValueError, match="low end is above"):
        parse_range("2s..1s")
    assert parse_probability("0.25") == 0.25
    for bad in ("1.5", "-0.1", "often"):
        with pytest.raises(ValueError):
            parse_probability(bad)


def test_weights_over_names() -> None:
    assert parse_weights("a=3, b=1", ("a", "b", "c"), "mix") == {"a": 3.0, "b": 1.0, "c": 0.0}
    upper = parse_weights("delivrd=1", ("DELIVRD",), "outcome", normalise=lambda n: n.upper())
    assert upper == {"DELIVRD": 1.0}
    for bad in ("a", "z=1", "a=x", "a=-1", "a=0"):
        with pytest.raises(ValueError):
            parse_weights(bad, ("a", "b"), "mix")


def test_argtype_turns_value_errors_into_usage_errors() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a duration"):
        argtype(parse_duration)("soon")
    assert argtype(parse_duration).__name__ == "parse_duration"


# (status, headers, body) -> (throttled?, wait, reason)
THROTTLING = [
    (429, {"Retry-After": "2"}, b"", (True, 2.0, "retry-after")),
    (429, {"retry-after": "0"}, b"", (True, 0.0, "retry-after")),
    (429, {}, b"slow down", (True, DEFAULT_WAIT, "status")),
    (503, {"Retry-After": "5"}, b"busy", (True, 5.0, "retry-after")),
    (503, {}, b"service unavailable", (False, None, None)),
    (503, {}, b"throughput exceeded", (True, DEFAULT_WAIT, "text")),
    (403, {}, b"Throughput exceeded for account", (True, DEFAULT_WAIT, "text")),
    (400, {}, b"rate limit reached", (True, DEFAULT_WAIT, "text")),
    (403, {}, b"forbidden", (False, None, None)),
    (401, {}, b"not authorized (check login and password)", (False, None, None)),
    (500, {"Retry-After": "1"}, b"internal error", (False, None, None)),
    (200, {"Retry-After": "1"}, b'{"message_id":"x"}', (False, None, None)),
    (429, {"Retry-After": "soon"}, b"", (True, DEFAULT_WAIT, "status")),
    (503, {"Retry-After": "soon"}, b"", (False, None, None)),
    (429, {"Retry-After": "120"}, b"", (True, 120.0, "retry-after")),
    (403, {"Retry-After": "4"}, b"rate limit reached", (True, 4.0, "text")),
    (
        400,
        {"Retry-After": "5"},
        NO_ROUTES.text.encode(),
        (False, None, None),
    ),  # an answer, not a wait
    (429, {"Retry-After": "-1"}, b"", (True, DEFAULT_WAIT, "status")),
    (LOOP_DETECTED.status, {}, LOOP_DETECTED.text.encode(), (False, None, None)),
]


@pytest.mark.parametrize(("status", "headers", "body", "expected"), THROTTLING)
def test_one_throttling_classifier(status, headers, body, expected) -> None:
    throttle = classify_throttle(status, headers, body)
    throttled, wait, reason = expected
    assert (throttle is not None) is throttled
    if throttle is not None:
        assert (throttle.wait, throttle.reason, throttle.status) == (wait, reason, status)
        assert throttle.waitable is (wait <= MAX_WAIT)


def test_an_http_date_retry_after_is_seconds_from_now() -> None:
    throttle = classify_throttle(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, b"")
    assert throttle is not None and throttle.wait == 0.0  # a date in the past: retry at once
