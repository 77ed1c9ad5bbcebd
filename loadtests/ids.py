"""The IDs a generator process submitted, followed until a query shows a final status.

The query stream takes the ID that waited longest, asks for its status, and puts it back unless
the status is final. The time from submit to the first final status is the delivery latency.
Bounded in size and in time: an ID that outlives the delivery timeout is given up on and counted.
In distributed runs every worker follows its own IDs, so the flow never crosses processes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from okroute_model.statuses import FINAL_STATUSES
from okroute_model.wire import Transport

MAX_IN_FLIGHT_IDS = 100_000


@dataclass
class Tracked:
    message_id: str
    transport: Transport
    submitted: float  # wall-clock seconds
    last_status: str | None = None


class InFlight:
    def __init__(self, timeout: float, limit: int = MAX_IN_FLIGHT_IDS) -> None:
        self.timeout = timeout
        self._waiting: deque[Tracked] = deque(maxlen=limit)
        self.abandoned = 0

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, message_ids: list[str], transport: Transport, now: float) -> None:
        for message_id in message_ids:
            if len(self._waiting) == self._waiting.maxlen:
                self.abandoned += 1  # the oldest falls out of a full deque
            self._waiting.append(Tracked(message_id, transport, now))

    def next(self, now: float) -> Tracked | None:
        """The ID that waited longest; IDs past the timeout are given up on."""
        while self._waiting:
            tracked = self._waiting.popleft()
            if now - tracked.submitted <= self.timeout:
                return tracked
            self.abandoned += 1
        return None

    def observed(self, tracked: Tracked, status: str | None, now: float) -> float | None:
        """Record a status; the delivery latency when it is the first final one, else None."""
        if status is not None:
            tracked.last_status = status
        if status in FINAL_STATUSES:
            return now - tracked.submitted
        self._waiting.append(tracked)
        return None
