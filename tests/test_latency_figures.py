"""The report's latency figures are hdrh's own, computed in one pass (hdrh's mean walks an
iterator of objects, tens of milliseconds a histogram, and a report asks for tens of them)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from loadtests.latency import DIGITS, PERCENTILES, TIMELINE_DIGITS, _histogram, latency_figures

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
