"""Delivery simulation: ENROUTE, then ACCEPTD, then a final status, seeded.

The story of each message (when it is accepted, when it ends, how it ends) is drawn once, at
submit, from one seeded generator: the same seed and the same requests tell the same story.
"""

from __future__ import annotations

import random
import time
from bisect import bisect
from functools import lru_cache
from itertools import accumulate
from math import floor
from typing import NamedTuple

from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.units import parse_weights

DEFAULT_MIX = "DELIVRD=90,UNDELIV=5,EXPIRED=3,REJECTD=2"
# error_code per final status: three digits, "000" for success.
ERROR_CODES = {
    Status.DELIVRD: "000",
    Status.UNDELIV: "001",
    Status.EXPIRED: "002",
    Status.DELETED: "003",
    Status.REJECTD: "004",
    Status.IM_EXPD: "005",
}


def parse_mix(spec: str) -> dict[Status, float]:
    """`"DELIVRD=90,UNDELIV=10"` into weights over the final statuses, at least one positive."""
    finals = sorted(FINAL_STATUSES)
    weights = parse_weights(spec, finals, "outcome", normalise=lambda n: n.strip().upper())
    return {Status(name): w for name, w in weights.items() if w}


class Story(NamedTuple):
    accept_at: float
    final_at: float
    final: str


class DeliverySim:
    def __init__(
        self,
        seed: int = 0,
        mix: dict[Status, float] | None = None,
        accept_delay: tuple[float, float] = (0.5, 2.0),
        final_delay: tuple[float, float] = (2.0, 10.0),
    ) -> None:
        mix = mix or parse_mix(DEFAULT_MIX)
        for low, high in (accept_delay, final_delay):
            if not 0 <= low <= high:
                raise ValueError(f"a delay range needs 0 <= low <= high, not {low}..{high}")
        self._statuses = [s.value for s in mix]
        self._cumulative = list(accumulate(mix.values()))
        self._rng = random.Random(seed)
        self.accept_delay = accept_delay
        self.final_delay = final_delay

    def story(self, now: float) -> Story:
        return Story(*self.story_fields(now))

    def story_fields(self, now: float) -> tuple[float, float, str]:
        """The fields of `story(now)` as a plain tuple: what the store keeps, made per submit."""
        random = self._rng.random  # three draws per message: the mock makes one per request
        (a_low, a_high), (f_low, f_high) = self.accept_delay, self.final_delay
        accept = now + a_low + (a_high - a_low) * random()
        final = accept + f_low + (f_high - f_low) * random()
        pick = bisect(self._cumulative, random() * self._cumulative[-1])
        return accept, final, self._statuses[min(pick, len(self._statuses) - 1)]

    def message_id(self) -> str:
        """128 random bits as hex in groups of eight: opaque, as the contract wants IDs."""
        # `Random.randbytes(16)`, without its Python frame: the same bytes from the same seed.
        return self._rng.getrandbits(128).to_bytes(16, "little").hex("-", 4)


@lru_cache(maxsize=4096)  # a status is polled until final: each number's asked again and again
def mccmnc(number: str, digits: int = 6) -> str:
    """A plausible, stable MCC+MNC for a number: `digits` (five or six) digits."""
    tail = number[-6:].rjust(6, "0")
    mcc = 200 + int(tail[:3]) % 700
    mnc = int(tail[3:]) % 100
    return f"{mcc}{mnc:02d}" if digits == 5 else f"{mcc}{mnc:03d}"


def vendor_time(seconds: float) -> str:
    """delivery_time: YYYYMMDDHHMMSS (UTC)."""
    return _vendor_second(floor(seconds))


def system_time(seconds: float) -> str:
    """system_delivery_time: YYMMDDHHMMSS (UTC)."""
    return _system_second(floor(seconds))


# A status is queried many times, and many messages end in the same second: format each second
# once. `gmtime` rounds down to the second too, so the whole second gives the same text.
@lru_cache(maxsize=4096)
def _vendor_second(second: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(second))


@lru_cache(maxsize=4096)
def _system_second(second: int) -> str:
    return time.strftime("%y%m%d%H%M%S", time.gmtime(second))
