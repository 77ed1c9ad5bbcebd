"""Arrival schedules of the open workload model: when the n-th request is due.

A pacer is pure, in the manner of vegeta's: `due(n)` is the intended send time of the n-th request
(seconds from the start, n from 0), and `wait(elapsed, sent)` says how long to wait before the
next send. No clock inside, so every schedule is tested by table.

Spec grammar (`--arrival`):

    constant:RATE               RATE requests/s
    poisson:RATE                exponential gaps with mean 1/RATE, seeded
    ramp:FROM..TO               the rate grows linearly from FROM to TO over the run
    spike:BASE..PEAK@AT+FOR     BASE, PEAK from AT seconds for FOR seconds, then BASE again
    soak:RATE                   constant, meant for long runs

Durations in AT and FOR take the units of `okroute_mock.faults.parse_duration` (5s, 500ms).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Protocol

from okroute_model.units import parse_duration


class Pacer(Protocol):
    def due(self, n: int) -> float:
        """Intended send time of the n-th request (n from 0), in seconds from the start."""
        ...

    def rate_at(self, t: float) -> float:
        """The target rate at `t` seconds, in requests/s."""
        ...

    def expected(self, t: float) -> float:
        """How many requests are due by `t` seconds."""
        ...


def wait(pacer: Pacer, elapsed: float, sent: int) -> float:
    """Seconds until the next request is due; 0 (or less) means send now."""
    return pacer.due(sent) - elapsed


@dataclass(frozen=True)
class Piecewise:
    """A rate that is constant between change points: constant, soak and spike schedules."""

    starts: tuple[float, ...]  # change points, the first one 0
    rates: tuple[float, ...]
    _cumulative: tuple[float, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.starts or self.starts[0] != 0 or list(self.starts) != sorted(self.starts):
            raise ValueError("change points must start at 0 and increase")
        if any(r < 0 for r in self.rates) or not any(r > 0 for r in self.rates):
            raise ValueError("rates must not be negative, and one must be positive")
        spans = [b - a for a, b in zip(self.starts, self.starts[1:], strict=False)]
        hits = [0.0, *accumulate(r * s for r, s in zip(self.rates, spans, strict=False))]
        object.__setattr__(self, "_cumulative", tuple(hits))

    def rate_at(self, t: float) -> float:
        return self.rates[bisect_right(self.starts, t) - 1]

    def expected(self, t: float) -> float:
        i = bisect_right(self.starts, t) - 1
        return self._cumulative[i] + self.rates[i] * (t - self.starts[i])

    def due(self, n: int) -> float:
        i = bisect_right(self._cumulative, n) - 1
        while self.rates[i] == 0:  # nothing is due inside a pause: the next segment
            i += 1
            if i == len(self.rates):
                return math.inf
        return self.starts[i] + (n - self._cumulative[i]) / self.rates[i]


@dataclass(frozen=True)
class Ramp:
    """The rate grows (or falls) linearly from `start` to `end` over `duration`, then stays."""

    start: float
    end: float
    duration: float

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < 0 or self.duration <= 0 or self.start + self.end == 0:
            raise ValueError("a ramp needs rates >= 0 (not both 0) and a positive duration")

    @property
    def _slope(self) -> float:
        return (self.end - self.start) / self.duration

    def rate_at(self, t: float) -> float:
        return self.start + self._slope * min(t, self.duration)

    def expected(self, t: float) -> float:
        ramped = min(t, self.duration)
        hits = self.start * ramped + self._slope * ramped * ramped / 2
        return hits + self.end * max(0.0, t - self.duration)

    def due(self, n: int) -> float:
        at_end = self.expected(self.duration)
        if n > at_end:
            return self.duration + (n - at_end) / self.end if self.end else math.inf
        k, r0 = self._slope, self.start
        if n == 0:
            return 0.0
        if abs(k) < 1e-12:
            return n / r0
        # k/2 t^2 + r0 t - n = 0: the positive root, written to stay exact when r0 is large
        return 2 * n / (r0 + math.sqrt(r0 * r0 + 2 * k * n))


@dataclass
class Poisson:
    """Exponential gaps between arrivals (a Poisson process), from a seeded generator.

    O(1) state: only the last arrival drawn is kept. The driver asks for n = 0, 1, 2, ... in
    order; an earlier n replays the draws from the seed (same times, more work, no memory)."""

    rate: float
    seed: int = 0

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("a Poisson rate must be positive")
        self._restart()

    def _restart(self) -> None:
        self._rng = random.Random(self.seed)
        self._n, self._t = -1, 0.0  # the last arrival drawn: its index and time

    def rate_at(self, t: float) -> float:
        return self.rate

    def expected(self, t: float) -> float:
        return self.rate * t

    def due(self, n: int) -> float:
        if n < self._n:
            self._restart()
        draw, rate = self._rng.expovariate, self.rate
        t = self._t
        for _ in range(n - self._n):
            t += draw(rate)
        self._n, self._t = n, t
        return t


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a rate in requests/s") from None
    if value < 0:
        raise ValueError(f"a rate must not be negative, not {value}")
    return value


def _pair(text: str) -> tuple[float, float]:
    low, sep, high = text.partition("..")
    if not sep:
        raise ValueError(f"{text!r}: write FROM..TO")
    return _rate(low), _rate(high)


def parse_arrival(spec: str, duration: float, share: float = 1.0, seed: int = 0) -> Pacer:
    """The pacer a spec describes, with every rate multiplied by `share` (one worker's part)."""
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise ValueError(f"arrival {spec!r}: write KIND:RATE, e.g. constant:500")
    if not 0 < share <= 1:
        raise ValueError("a share is between 0 and 1")
    try:
        if kind in ("constant", "soak"):
            return Piecewise((0.0,), (_rate(rest) * share,))
        if kind == "poisson":
            return Poisson(_rate(rest) * share, seed)
        if kind == "ramp":
            low, high = _pair(rest)
            return Ramp(low * share, high * share, duration)
        if kind == "spike":
            rates, _, when = rest.partition("@")
            at, plus, span = when.partition("+")
            if not plus:
                raise ValueError("write spike:BASE..PEAK@AT+FOR, e.g. spike:100..1000@10s+5s")
            base, peak = _pair(rates)
            start, length = parse_duration(at), parse_duration(span)
            return Piecewise(
                (0.0, start, start + length), (base * share, peak * share, base * share)
            )
    except ValueError as exc:
        raise ValueError(f"arrival {spec!r}: {exc}") from None
    raise ValueError(f"arrival {spec!r}: the kind is one of constant, poisson, ramp, spike, soak")
