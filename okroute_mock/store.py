"""Message statuses kept in memory, bounded in time (TTL) and in size (cap).

Like the platform, an ID that expired or was evicted simply answers UNKNOWN. Records are kept in
insertion order, which is also time order, so both bounds pop from the oldest end in O(1): memory
stays flat however long a soak runs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple


class Record(NamedTuple):
    """One issued message ID. Its status at any time is derived, so nothing ever updates it.

    The store keeps the fields as a plain tuple: cheap to make once per message, and (unlike a
    tuple subclass) untracked by the garbage collector, whose full passes would otherwise walk
    every stored message and pause answers for tens of milliseconds.
    """

    account: str
    created: float
    accept_at: float
    final_at: float
    final: str
    number: str


_CREATED = Record._fields.index("created")


@dataclass
class StoreStats:
    stored: int = 0
    expired: int = 0
    evicted: int = 0


class MessageStore:
    def __init__(self, ttl: float, cap: int) -> None:
        if ttl <= 0 or cap <= 0:
            raise ValueError("the store needs a positive TTL and a positive cap")
        self.ttl = ttl
        self.cap = cap
        self._records: dict[str, Record] = {}
        # IDs oldest first. A plain dict plus a deque is lighter on memory traffic than an
        # OrderedDict, and the mock stores one record per request.
        self._order: deque[str] = deque()
        self._next_sweep = float("-inf")
        self.stats = StoreStats()

    def __len__(self) -> int:
        return len(self._records)

    def put(self, message_id: str, record: tuple) -> None:
        """Store `record`: a `Record`, or a plain tuple of its fields (the cheaper one)."""
        created = record[_CREATED]
        if created >= self._next_sweep:  # at most one sweep per second of platform time
            self._next_sweep = created + 1.0
            self._expire(created)
        if len(self._order) >= self.cap:
            self._records.pop(self._order.popleft(), None)
            self.stats.evicted += 1
        self._records[message_id] = tuple(record) if type(record) is not tuple else record
        self._order.append(message_id)
        self.stats.stored += 1

    def get(self, message_id: str, now: float) -> Record | None:
        fields = self._records.get(message_id)
        if fields is None:
            return None
        if now - fields[_CREATED] >= self.ttl:
            self._expire(now)
            return None
        return Record._make(fields)

    def _expire(self, now: float) -> None:
        records, order, horizon = self._records, self._order, now - self.ttl
        while order:
            oldest = records.get(order[0])
            if oldest is not None and oldest[_CREATED] > horizon:
                return
            records.pop(order.popleft(), None)
            self.stats.expired += 1
