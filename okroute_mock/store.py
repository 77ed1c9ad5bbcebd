"""Message statuses kept in memory, bounded in time (TTL) and in size (cap).

Like the platform, an ID that expired or was evicted simply answers UNKNOWN. Records are kept in
insertion order, which is also time order, so both bounds pop from the oldest end in O(1): memory
stays flat however long a soak runs.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


class Record:
    """One issued message ID. Its status at any time is derived, so nothing ever updates it."""

    __slots__ = ("accept_at", "account", "created", "final", "final_at", "number")

    def __init__(
        self,
        account: str,
        created: float,
        accept_at: float,
        final_at: float,
        final: str,
        number: str,
    ) -> None:
        self.account = account
        self.created = created
        self.accept_at = accept_at
        self.final_at = final_at
        self.final = final
        self.number = number


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
        self._records: OrderedDict[str, Record] = OrderedDict()
        self.stats = StoreStats()

    def __len__(self) -> int:
        return len(self._records)

    def put(self, message_id: str, record: Record) -> None:
        records = self._records
        self._expire(record.created)
        if len(records) >= self.cap:
            records.popitem(last=False)
            self.stats.evicted += 1
        records[message_id] = record
        self.stats.stored += 1

    def get(self, message_id: str, now: float) -> Record | None:
        record = self._records.get(message_id)
        if record is not None and now - record.created >= self.ttl:
            self._expire(now)
            return None
        return record

    def _expire(self, now: float) -> None:
        records, horizon = self._records, now - self.ttl
        while records:
            oldest = next(iter(records.values()))
            if oldest.created > horizon:
                return
            records.popitem(last=False)
            self.stats.expired += 1
