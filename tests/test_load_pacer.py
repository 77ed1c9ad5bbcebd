"""Arrival schedules, table by table, without a clock."""

from __future__ import annotations

import math

import pytest

from loadtests.pacer import Piecewise, Poisson, Ramp, parse_arrival, wait


@pytest.mark.parametrize(
    ("spec", "n", "due"),
    [
        ("constant:100", 0, 0.0),
        ("constant:100", 1, 0.01),
        ("constant:100", 250, 2.5),
        ("soak:4", 8, 2.0),
        ("ramp:0..100", 0, 0.0),
        ("ramp:0..100", 45, 3.0),  # 100/10 per s²: hits(t) = 5 t²
        ("ramp:0..100", 500, 10.0),  # the end of the ramp
        ("ramp:0..100", 600, 11.0),  # then 100/s
        ("ramp:100..100", 300, 3.0),  # a flat ramp is constant
        ("ramp:100..0", 500, 10.0),  # a falling ramp
        ("spike:10..100@5s+2s", 49, 4.9),
        ("spike:10..100@5s+2s", 50, 5.0),  # the spike starts
        ("spike:10..100@5s+2s", 250, 7.0),  # 50 + 200 during the spike
        ("spike:10..100@5s+2s", 260, 8.0),  # back to 10/s
    ],
)
def test_due_times(spec: str, n: int, due: float) -> None:
    assert parse_arrival(spec, duration=10.0).due(n) == pytest.approx(due)


@pytest.mark.parametrize(
    "spec", ["constant:50", "ramp:10..90", "spike:10..100@2s+3s", "poisson:40"]
)
def test_due_and_expected_agree(spec: str) -> None:
    pacer = parse_arrival(spec, duration=10.0, seed=3)
    for n in range(0, 400, 7):
        t = pacer.due(n)
        assert pacer.due(n + 1) >= t
        if not spec.startswith("poisson"):
            assert pacer.expected(t) == pytest.approx(n, abs=1e-6)


def test_share_splits_the_rate_between_workers() -> None:
    whole, half = parse_arrival("constant:100", 10), parse_arrival("constant:100", 10, share=0.5)
    assert half.due(50) == pytest.approx(whole.due(100))


def test_poisson_is_seeded_and_has_its_mean() -> None:
    a, b = Poisson(200, seed=9), Poisson(200, seed=9)
    assert [a.due(n) for n in range(100)] == [b.due(n) for n in range(100)]
    assert a.due(20_000) / 20_000 == pytest.approx(1 / 200, rel=0.03)


def test_wait_says_when_the_next_send_is_due() -> None:
    pacer = parse_arrival("constant:10", 10)
    assert wait(pacer, elapsed=0.25, sent=3) == pytest.approx(0.05)
    assert wait(pacer, elapsed=0.5, sent=3) < 0  # late: send at once


def test_a_pause_in_the_schedule() -> None:
    pacer = Piecewise((0.0, 1.0, 2.0), (10.0, 0.0, 10.0))
    assert pacer.due(9) == pytest.approx(0.9)
    assert pacer.due(10) == pytest.approx(2.0)
    assert Piecewise((0.0, 1.0), (10.0, 0.0)).due(10) == math.inf


@pytest.mark.parametrize(
    "spec",
    [
        "500",
        "constant",
        "constant:-1",
        "ramp:5",
        "spike:1..2@3s",
        "wave:100",
        "poisson:0",
        "constant:fast",
        "spike:1..2@x+1s",
    ],
)
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="arrival"):
        parse_arrival(spec, duration=10)


def test_ramp_needs_a_duration() -> None:
    with pytest.raises(ValueError):
        Ramp(1, 2, 0)
