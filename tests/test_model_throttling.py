"""The one throttling classifier (`okroute_model.throttling`), row by row of its table."""

from __future__ import annotations

import pytest

from okroute_model.throttling import (
    DEFAULT_WAIT,
    MAX_WAIT,
    RETRY_AFTER_HEADER,
    classify_throttle,
    retry_after_seconds,
)

RA = RETRY_AFTER_HEADER


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        # status, headers, body -> (status, wait, reason) or None
        (429, {RA: "2"}, b"", (429, 2.0, "retry-after")),
        (429, {}, b"", (429, DEFAULT_WAIT, "status")),
        (429, {RA.lower(): "0.5"}, b"slow down", (429, 0.5, "retry-after")),
        (503, {RA: "3"}, b"", (503, 3.0, "retry-after")),
        (503, {}, b"service unavailable", None),  # an outage, not a request to slow down
        (503, {}, b"throughput exceeded", (503, DEFAULT_WAIT, "text")),
        (403, {}, b"Throughput exceeded for account", (403, DEFAULT_WAIT, "text")),
        (403, {RA: "4"}, "rate limit reached", (403, 4.0, "text")),
        (400, {}, b"Too many requests per second", (400, DEFAULT_WAIT, "text")),
        (403, {}, b"forbidden", None),
        (401, {}, b"not authorized (check login and password)", None),
        (400, {RA: "5"}, b"NO ROUTES", None),
        (500, {RA: "1"}, b"throughput exceeded", None),  # a 500 is never throttling
        (200, {RA: "1"}, b"throughput exceeded", None),
        (508, {}, b"loop detected", None),
    ],
)
def test_classify_throttle(status, headers, body, expected) -> None:
    throttle = classify_throttle(status, headers, body)
    if expected is None:
        assert throttle is None
    else:
        assert throttle is not None
        assert (throttle.status, throttle.wait, throttle.reason) == expected


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("1", 1.0), (" 2.5 ", 2.5), ("-1", None), ("soon", None), (None, None)],
)
def test_retry_after_seconds(raw, seconds) -> None:
    assert retry_after_seconds(raw) == seconds


def test_an_http_date_is_seconds_from_now() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: at once


def test_a_long_wait_is_not_waited_out() -> None:
    long = classify_throttle(429, {RA: str(MAX_WAIT + 1)}, b"")
    short = classify_throttle(429, {RA: str(MAX_WAIT)}, b"")
    assert long is not None and not long.waitable
    assert short is not None and short.waitable
