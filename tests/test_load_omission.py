"""The closed model's coordinated-omission warning: a stall in the steady part of a run is named;
the first connections of every user at the start of a correct run are not a stall."""

from __future__ import annotations

import re

import pytest

from loadtests.latency import LatencyBook
from loadtests.report import omission_warning

START = 1_800_000_000.0  # a wall clock on a bucket boundary


def book_of(slow_at: list[float], seconds: int = 30, per_second: int = 200) -> LatencyBook:
    """`seconds` of 2 ms answers, and a 900 ms answer at each offset of `slow_at`."""
    book = LatencyBook()
    for second in range(seconds):
        for i in range(per_second):
            book.record("submit GET http", 0.002, START + second + i / per_second)
    for offset in slow_at:
        book.record("submit GET http", 0.9, START + offset)
    return book


@pytest.mark.parametrize(
    ("slow_at", "warned"),
    [
        ([], False),
        ([0.2, 0.4, 0.9], False),  # every user's first request: connections, TLS handshakes
        ([1.5], False),  # still the warm-up of a 30 s run (its first 3 s)
        ([12.0], True),  # a stall in the steady part
        ([0.3, 20.5], True),  # the warm-up does not hide a later stall
    ],
)
def test_only_a_stall_after_the_warm_up_is_named(slow_at: list[float], warned: bool) -> None:
    warning = omission_warning(book_of(slow_at), "closed", 200.0)
    assert (warning is not None) is warned, warning
    if warned:
        slowest = re.search(r"slowest answer (\d+) ms", warning)
        assert "coordinated omission" in warning and slowest is not None
        assert int(slowest.group(1)) == pytest.approx(900, rel=0.02)  # the chart's precision


def test_the_open_model_is_never_warned() -> None:
    assert omission_warning(book_of([12.0]), "open", 200.0) is None


def test_a_short_run_skips_its_first_two_seconds_at_least() -> None:
    # 10 % of a 5 s run is half a second: the first two one-second buckets are skipped anyway.
    assert omission_warning(book_of([1.4], seconds=5), "closed", 200.0) is None
    assert omission_warning(book_of([3.5], seconds=5), "closed", 200.0) is not None
