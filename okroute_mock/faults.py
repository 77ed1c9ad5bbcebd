"""Transport-level faults for rehearsing incidents: latency, errors, throttling, drops, bad bodies.

Each fault has a probability and all draws come from one seeded generator, so a seed replays the
same incident. Contract faults (a wrong answer given on purpose) are in `breaks`, not here.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from enum import StrEnum

from okroute_model.throttling import THROTTLE_STATUSES
from okroute_model.units import parse_duration

# A long tail: p99 is this many standard deviations above the median of a lognormal.
_Z99 = 2.3263


@dataclass(frozen=True)
class Latency:
    """fixed: `5ms`; uniform: `1ms..20ms`; long-tailed: `tail:5ms..500ms` (median..p99)."""

    kind: str
    low: float
    high: float

    @classmethod
    def parse(cls, spec: str) -> Latency:
        kind = "uniform"
        if spec.startswith("tail:"):
            kind, spec = "tail", spec.removeprefix("tail:")
        if ".." not in spec:
            if kind == "tail":
                raise ValueError("a long tail needs median..p99, e.g. tail:5ms..500ms")
            value = parse_duration(spec)
            return cls("fixed", value, value)
        low_text, high_text = spec.split("..", 1)
        low, high = parse_duration(low_text), parse_duration(high_text)
        if high < low or (kind == "tail" and low <= 0):
            raise ValueError(f"latency range {spec!r} needs 0 < low <= high")
        return cls(kind, low, high)

    def draw(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            return self.low
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        sigma = math.log(self.high / self.low) / _Z99
        return rng.lognormvariate(math.log(self.low), sigma)


# Some deployments throttle with a 403 and a "throughput exceeded" text instead of 429 / 503.
TEXT_THROTTLE_STATUS = 403


class Fault(StrEnum):
    ERROR = "error"
    THROTTLE = "throttle"
    DROP = "drop"
    TRUNCATE = "truncate"
    NON_JSON = "non-json"


@dataclass(frozen=True)
class FaultConfig:
    latency: Latency | None = None
    latency_rate: float = 1.0
    error_rate: float = 0.0
    error_status: int = 503
    throttle_rate: float = 0.0
    throttle_status: int = 429
    retry_after: float = 1.0
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    non_json_rate: float = 0.0
    stall_every: float = 0.0  # seconds between stalls; 0: never
    stall_for: float = 0.0
    throttle_above: float = 0.0  # requests/s beyond which answers are throttled; 0: no limit
    seed: int = 0

    def __post_init__(self) -> None:
        rates = {
            "latency rate": self.latency_rate,
            "error rate": self.error_rate,
            "throttle rate": self.throttle_rate,
            "drop rate": self.drop_rate,
            "truncate rate": self.truncate_rate,
            "non-JSON rate": self.non_json_rate,
        }
        for name, rate in rates.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"the {name} is a probability between 0 and 1, not {rate}")
        if not 500 <= self.error_status <= 599:
            raise ValueError(f"the error status must be a 5xx, not {self.error_status}")
        if self.throttle_status not in THROTTLE_STATUSES | {TEXT_THROTTLE_STATUS}:
            statuses = " or ".join(map(str, sorted(THROTTLE_STATUSES | {TEXT_THROTTLE_STATUS})))
            raise ValueError(f"the throttle status is {statuses}")
        if self.throttle_above < 0:
            raise ValueError("the rate limit must not be negative")
        if self.stall_every < 0 or self.stall_for < 0 or self.retry_after < 0:
            raise ValueError("durations must not be negative")
        if self.stall_for and self.stall_for >= self.stall_every:
            raise ValueError("a stall must be shorter than the time between stalls")

    @property
    def active(self) -> bool:
        return bool(
            self.latency
            or self.error_rate
            or self.throttle_rate
            or self.drop_rate
            or self.truncate_rate
            or self.non_json_rate
            or self.stall_every
            or self.throttle_above
        )


class RateLimit:
    """A token bucket: `rate` requests/s, bursts of a tenth of a second; the rest is throttled."""

    BURST = 0.1  # seconds of the rate that may arrive at once

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate * self.BURST)
        self.tokens = self.capacity
        self.last = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Faults:
    def __init__(self, config: FaultConfig, started: float) -> None:
        self.config = config
        self.started = started
        self._rng = random.Random(config.seed)
        self.counts: dict[str, int] = {}
        self.limit = RateLimit(config.throttle_above) if config.throttle_above else None

    def _hit(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def delay(self, now: float) -> float:
        """Seconds to hold this request: the rest of a stall, then any injected latency."""
        c, wait = self.config, 0.0
        if c.stall_every:
            phase = (now - self.started) % c.stall_every
            if phase >= c.stall_every - c.stall_for:
                wait = c.stall_every - phase
                self._count("stall")
        if c.latency and self._hit(c.latency_rate):
            wait += c.latency.draw(self._rng)
        return wait

    def before(self) -> Fault | None:
        """A fault that replaces the answer, if one strikes this request."""
        c = self.config
        if self.limit is not None and not self.limit.allow():
            self._count(Fault.THROTTLE)
            return Fault.THROTTLE
        for fault, rate in (
            (Fault.DROP, c.drop_rate),
            (Fault.ERROR, c.error_rate),
            (Fault.THROTTLE, c.throttle_rate),
        ):
            if self._hit(rate):
                self._count(fault)
                return fault
        return None

    def after(self) -> Fault | None:
        """A fault that spoils a successful JSON answer, if one strikes."""
        c = self.config
        for fault, rate in ((Fault.TRUNCATE, c.truncate_rate), (Fault.NON_JSON, c.non_json_rate)):
            if self._hit(rate):
                self._count(fault)
                return fault
        return None

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
