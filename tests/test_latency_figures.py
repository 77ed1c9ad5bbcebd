"""The report's latency figures are hdrh's own, computed in one pass (hdrh's mean walks an
iterator of objects, tens of milliseconds a histogram, and a report asks for tens of them)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from loadtests.latency import (
    DIGITS,
    LOWEST_US,
    PERCENTILES,
    TIMELINE_DIGITS,
    _histogram,
    _record,
    latency_figures,
)

# Microseconds from 1 µs to past the histograms' top (a value above it is clamped on record).
VALUES = st.lists(st.integers(1, 10**9), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(values=VALUES, digits=st.sampled_from([DIGITS, TIMELINE_DIGITS]))
def test_figures_are_hdrhs_own(values: list[int], digits: int) -> None:
    histogram = _histogram(digits)
    for value in values:
        histogram.record_value(min(value, histogram.highest_trackable_value))
    expected = {f"p{p:g}": histogram.get_value_at_percentile(p) / 1000 for p in PERCENTILES}
    expected |= {
        "avg": histogram.get_mean_value() / 1000,
        "min": histogram.get_min_value() / 1000,
        "max": histogram.get_max_value() / 1000,
    }
    assert latency_figures(histogram) == {k: round(v, 3) for k, v in expected.items()}


def test_an_empty_histogram_has_no_figures() -> None:
    assert latency_figures(_histogram()) is None and latency_figures(None) is None


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.lists(
        st.one_of(
            st.floats(0, 2e5, allow_nan=False),  # past a day: clamped to the top
            st.integers(0, 10**10).map(lambda us: us / 1e6),
        ),
        min_size=1,
        max_size=300,
    ),
    digits=st.sampled_from([DIGITS, TIMELINE_DIGITS]),
)
def test_recording_is_hdrhs_record_value(seconds: list[float], digits: int) -> None:
    """The book's own recording (hdrh's index arithmetic inlined) leaves each histogram as
    hdrh's `record_value` of the clamped microseconds does: counts, total, min and max."""
    ours, hdrhs = _histogram(digits), _histogram(digits)
    for value in seconds:
        _record(ours, value)
        top = hdrhs.highest_trackable_value
        hdrhs.record_value(min(max(int(value * 1e6), LOWEST_US), top))
    assert list(ours.counts) == list(hdrhs.counts)
    assert (ours.total_count, ours.min_value, ours.max_value) == (
        hdrhs.total_count,
        hdrhs.min_value,
        hdrhs.max_value,
    )
