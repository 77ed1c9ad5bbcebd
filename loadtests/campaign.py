"""One generator process's part of a campaign: its traffic, its IDs, its figures, its budget.

The Locust users (closed model) and the arrival driver (open model) both take steps through
`Campaign.step`: pick a stream by weight, send one call, follow what comes back.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass
from itertools import accumulate, cycle
from typing import Any

from contracts.checks import CheckContext
from loadtests.health import LATE_AFTER, Health
from loadtests.ids import InFlight
from loadtests.latency import LatencyBook
from loadtests.options import Settings
from loadtests.pacer import Pacer
from loadtests.pushclient import PushReporter
from loadtests.sender import Answer, Sender
from loadtests.traffic import STREAMS, TrafficConfig, TrafficPlan
from okroute_model.environment import Env
from okroute_model.params import Command
from okroute_model.profile import load_profile
from okroute_model.secrets import Credentials
from okroute_model.wire import Transport

log = logging.getLogger("okroute.load")


class Budget:
    """A hard cap on destination numbers submitted by this process."""

    def __init__(self, cap: int) -> None:
        self.left = cap
        self.exhausted = False

    def take(self, numbers: int) -> bool:
        if numbers > self.left:
            if not self.exhausted:
                log.warning("message budget reached: this process sends no more submits")
            self.exhausted = True
            return False
        self.left -= numbers
        return True


def _message_ids(value: Any) -> list[str]:
    """The IDs in a submit answer's JSON value (None when it was not JSON)."""
    entries = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    ids = (e.get("message_id") for e in entries if isinstance(e, dict))
    return list(dict.fromkeys(i for i in ids if isinstance(i, str) and i))


def _status(value: Any) -> str | None:
    """The status in a query answer's JSON value (None when it was not JSON)."""
    status = value.get("status") if isinstance(value, dict) else None
    return status if isinstance(status, str) else None


@dataclass
class Schedule:
    """One arrival driver's schedule, and since when it waits for a free slot, if it does."""

    pacer: Pacer
    start: float  # wall clock
    blocked_since: float | None = None  # wall clock; the platform holds every slot

    def due(self, end: float, run_time: float) -> int:
        # While every slot is busy, what falls due waits on the platform, not on the generator:
        # it is counted once the driver gets to it (sent late, or dropped).
        if self.blocked_since is not None:
            end = min(end, self.blocked_since)
        return int(self.pacer.expected(max(0.0, min(end - self.start, run_time))))


class Campaign:
    def __init__(
        self,
        settings: Settings,
        credentials: Credentials,
        bases: dict[Transport, str],
        run_time: float,
        share: float,
        seed_offset: int = 0,
    ) -> None:
        self.settings = settings
        self.bases = bases
        self.run_time = run_time
        self.share = share
        transports = {t: w for t, w in settings.transports.items() if Transport(t) in bases}
        if not any(transports.values()):
            raise ValueError("no transport with a positive weight has a URL")
        seed = settings.seed + seed_offset
        self.plan = TrafficPlan(TrafficConfig(
            credentials.username, credentials.password, settings.dnis_prefix, transports,
            settings.variants, settings.messages, settings.ani or None, seed,
        ))  # fmt: skip
        self.rng = random.Random(seed)
        profile = os.environ.get(Env.PROFILE) or None  # the platform's knobs, for checks
        self.ctx = CheckContext(load_profile(profile).platform)
        self.book = LatencyBook()
        self.in_flight = InFlight(settings.dlr_timeout)
        self.budget = Budget(int(settings.max_messages * share))
        self.health = Health()
        self.streams = [s for s in STREAMS if settings.mix[s]]
        self.weights = [settings.mix[s] for s in self.streams]
        # What `choices` works out from the weights on every pick: the same draws, once.
        self._cum_weights = list(accumulate(self.weights))
        self._pools = {
            Command.SUBMIT: cycle(self.plan.pool(Command.SUBMIT)),
            Command.MO: cycle(self.plan.pool(Command.MO)) if settings.mix["mo"] else None,
        }
        self.held_until: dict[str, float] = {}  # stream -> wall time its throttling ends
        self.pushes: PushReporter | None = None  # set when a push receiver takes part
        self.schedules: list[Schedule] = []  # open model: one per arrival driver
        self.stopped_at: float | None = None  # when the load window closed
        self._abandoned_reported = 0

    def follow(self, pacer: Pacer, start: float) -> Schedule:
        """An arrival driver's schedule: what is due by now is counted from it, not from sends."""
        schedule = Schedule(pacer, start)
        self.schedules.append(schedule)
        self.health.load_from = min(start, self.health.load_from or start)
        self.health.target_rps = (self.health.target_rps or 0) + (
            pacer.expected(self.run_time) / self.run_time
        )
        return schedule

    def due(self, now: float) -> int:
        end = min(now, self.stopped_at or now)
        return sum(s.due(end, self.run_time) for s in self.schedules)

    def pick(self) -> str:
        return self.rng.choices(self.streams, cum_weights=self._cum_weights)[0]

    def throttled(self, stream: str, now: float) -> float:
        """Seconds left before `stream` may send again after a Retry-After, else 0."""
        return max(0.0, self.held_until.get(stream, 0.0) - now)

    def step(self, sender: Sender, stream: str, intended: float | None = None) -> Answer | None:
        """One request of `stream`; None when there was nothing to send."""
        if self.health.load_from is None:
            self.health.load_from = time.time()
        if intended is not None and time.time() - intended > LATE_AFTER:
            self.health.late += 1
        if stream == Command.QUERY:
            return self._query(sender, intended)
        call = next(self._pools[stream])  # type: ignore[arg-type]
        if call.numbers:
            if not self.budget.take(call.numbers):
                self.health.skipped += 1
                return None
            self.health.numbers += call.numbers
        self.health.started += 1
        sent = time.time()
        answer = sender.send(call, intended)
        self._after(stream, answer)
        if stream == Command.SUBMIT and answer.status == 200 and answer.failure is None:
            self.in_flight.add(_message_ids(answer.json()), call.variant.transport, time.time())
        if stream == Command.SUBMIT and answer.status == 200 and self.pushes is not None:
            self.pushes.submitted(answer.body, sent)  # its IDs exist even if a check failed
        return answer

    def _query(self, sender: Sender, intended: float | None) -> Answer | None:
        tracked = self.in_flight.next(time.time())
        if tracked is None:
            self.health.skipped += 1
            return None
        call = self.plan.query(tracked.message_id, tracked.transport, tracked.last_status)
        self.health.started += 1
        answer = sender.send(call, intended)
        self._after(Command.QUERY, answer)
        status = _status(answer.json()) if answer.status == 200 else None
        latency = self.in_flight.observed(tracked, status, time.time())
        if latency is not None and status is not None:
            # Delivery latency has its own table and chart; it is not a request, so it stays out
            # of Locust's request statistics (console, CSV, HTML, web UI).
            self.book.record_delivery(status, latency)
            if self.pushes is not None:
                self.pushes.polled(tracked.message_id, status)
        return answer

    def _after(self, stream: str, answer: Answer) -> None:
        self.health.sent += 1
        if answer.retry_after is not None:
            self.held_until[stream] = time.time() + answer.retry_after

    def _health(self) -> dict[str, Any]:
        if self.schedules:
            self.health.due = self.due(time.time())
        return self.health.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Everything so far (a standalone process's own view)."""
        self.book.abandoned = self.in_flight.abandoned
        return {"book": self.book.snapshot(), "health": self._health()}

    def delta(self) -> dict[str, Any]:
        """A worker's report: the book since its last report, and its health so far."""
        self.book.abandoned = self.in_flight.abandoned - self._abandoned_reported
        self._abandoned_reported = self.in_flight.abandoned
        return {"book": self.book.take_delta(), "health": self._health()}
