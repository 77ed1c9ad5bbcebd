"""Pushed delivery reports matched to a campaign's submits: latency, duplicates, order, misses.

Pure, like `latency`: the receiver process feeds it pushes and each generator's submits (and the
final statuses its polling saw); at the end of the run every generator's figures are shipped as
a snapshot and the master adds them up. A message is one number of one submit: all its segment
IDs, since a platform may push once per segment or once per concatenated message.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.latency import (
    _add,
    _encode,
    _histogram,
    _record,
    latency_figures,
    summed,
)
from loadtests.summary import PushCounts, PushFigures
from loadtests.thresholds import reader
from okroute_model.push import Push, PushKind, format_problems, status_problem
from okroute_model.statuses import FINAL_STATUSES, RANK, Status

MAX_MESSAGES = 2_000_000  # messages followed at once; the oldest are let go beyond it
MAX_PENDING = 100_000  # pushes held for IDs whose submit has not been reported yet
MAX_PUSHES_PER_MESSAGE = 64  # statuses kept per message; beyond, pushes are only counted
# Seconds after its submit that a message is followed: past the receiver's longest grace
# (`receiver.MAX_GRACE`) and any delivery story, it is judged then (missing, pushes per message,
# poll agreement) and let go, so the matcher holds minutes of messages, not the whole run.
RETIRE_AFTER = 900.0
COUNTS = tuple(PushCounts.names())  # a book's counters (`summary.PushCounts`)


@dataclass
class PushBook:
    """One generator's push figures; `add` merges another's snapshot into it."""

    counts: PushCounts = field(default_factory=PushCounts)
    latency: dict[str, HdrHistogram] = field(default_factory=dict)  # final status -> histogram
    per_message: Counter[str] = field(default_factory=Counter)  # "pushes per message" -> messages
    disagree: Counter[str] = field(default_factory=Counter)  # "pushed X, polled Y" -> IDs

    def record_latency(self, status: str, seconds: float) -> None:
        histogram = self.latency.get(status)
        if histogram is None:
            histogram = self.latency[status] = _histogram()
        _record(histogram, seconds)

    def combined(self) -> HdrHistogram | None:
        return summed(list(self.latency.values()))

    def snapshot(self) -> dict[str, Any]:
        return {
            "counts": dataclasses.asdict(self.counts),
            "latency": {s: _encode(h) for s, h in self.latency.items()},
            "per_message": dict(self.per_message),
            "disagree": dict(self.disagree),
        }

    def add(self, snapshot: dict[str, Any]) -> None:
        self.counts.update(snapshot["counts"])
        for status, encoded in snapshot["latency"].items():
            merged = _add(self.latency.get(status), encoded)
            if merged is not None:
                self.latency[status] = merged
        self.per_message.update(snapshot["per_message"])
        self.disagree.update(snapshot["disagree"])

    @classmethod
    def merged(cls, snapshots: list[dict[str, Any]]) -> PushBook:
        book = cls()
        for snapshot in snapshots:
            book.add(snapshot)
        return book

    def share(self, part: str, whole: str) -> float | None:
        """Counter `part` over counter `whole` (None when `whole` is 0)."""
        total = getattr(self.counts, whole)
        return getattr(self.counts, part) / total if total else None

    def value(self, metric: str) -> float | None:
        """An SLO metric of the push scope, read as the metric table says (`thresholds`)."""
        return reader(_BookFigures(self))("push", metric)

    def figures(self) -> PushFigures:
        """A book's part of the `push` section of summary.json."""
        counts = self.counts
        return PushFigures(
            **dataclasses.asdict(counts),
            missing_share=round(counts.missing / counts.messages, 6) if counts.messages else 0.0,
            latency_ms=latency_figures(self.combined()),
            latency_ms_by_status={s: latency_figures(h) for s, h in sorted(self.latency.items())},
            pushes_per_message=dict(sorted(self.per_message.items(), key=lambda kv: kv[0])),
            push_and_poll_disagree=dict(self.disagree),
        )


@dataclass
class _BookFigures:
    """One book as the SLO metrics read the push scope (`thresholds.Figures`)."""

    book: PushBook

    def histogram(self, scope: str) -> HdrHistogram | None:
        return self.book.combined()

    def count(self, scope: str) -> float | None:
        return float(self.book.counts.with_final)

    def answers(self, scope: str, key: str) -> float | None:
        return None  # a book holds no answers

    def generator_share(self, part: str, whole: str) -> float:
        return 0.0  # nor the generator's sends

    def push_share(self, part: str, whole: str) -> float | None:
        return self.book.share(part, whole)


@dataclass
class ReceiverReport:
    """What the receiver answers at the end (`/_receiver/report`): every generator's book."""

    generators: dict[str, dict[str, Any]]  # generator -> `PushBook.snapshot`
    received: int = 0
    grace_waited_s: float = 0.0


@dataclass
class Message:
    ids: tuple[str, ...]
    submitted: float
    generator: str
    pushed: dict[str, list[str]] = field(default_factory=dict)  # ID -> statuses as they came
    final: str | None = None  # the first final status pushed for any of its IDs
    polled: dict[str, str] = field(default_factory=dict)  # ID -> the final status a query showed


class Matcher:
    """Pushes matched to the messages generators reported; one book per generator."""

    def __init__(self, username: str, passwords: tuple[str, ...] = ()) -> None:
        self.username = username
        self.passwords = tuple(p for p in passwords if p)
        self.books: dict[str, PushBook] = {}
        self._by_id: dict[str, Message] = {}
        self._order: deque[Message] = deque()
        self._pending: dict[str, list[Push]] = {}
        self._pending_pushes = 0
        self._open = 0  # messages without a final push yet
        self.unmatched = PushBook()  # pushes nobody's submit explains

    @property
    def open(self) -> int:
        return self._open

    @property
    def pending(self) -> int:
        return len(self._pending)

    def book(self, generator: str) -> PushBook:
        book = self.books.get(generator)
        if book is None:
            book = self.books[generator] = PushBook()
        return book

    # -- what generators report --------------------------------------------------------------

    def submitted(self, generator: str, at: float, groups: list[list[str]]) -> None:
        book = self.book(generator)
        for ids in groups:
            if len(self._order) >= MAX_MESSAGES:
                old = self._order.popleft()
                for i in old.ids:
                    self._by_id.pop(i, None)
                self.book(old.generator).counts.let_go += 1
                self._open -= old.final is None
            self._retire(at - RETIRE_AFTER)
            message = Message(tuple(ids), at, generator)
            self._order.append(message)
            book.counts.messages += 1
            self._open += 1
            for message_id in ids:
                self._by_id[message_id] = message
                waiting = self._pending.pop(message_id, ())
                self._pending_pushes -= len(waiting)
                for push in waiting:
                    self._match(push, message)

    def polled(self, message_id: str, status: str) -> None:
        message = self._by_id.get(message_id)
        if message is not None:
            message.polled.setdefault(message_id, status)

    # -- what the platform pushes ------------------------------------------------------------

    def push(self, push: Push) -> None:
        if push.kind is PushKind.MO:
            book = self.unmatched
            book.counts.mo += 1
            self._judge(push, book)
            return
        message = self._by_id.get(push.app_msg_id)
        if message is not None:
            self._match(push, message)
        elif self._pending_pushes < MAX_PENDING:
            self._pending.setdefault(push.app_msg_id, []).append(push)
            self._pending_pushes += 1
        else:
            self.unmatched.counts.unknown += 1

    def _judge(self, push: Push, book: PushBook) -> None:
        kind = push.kind or PushKind.DLR
        if format_problems(kind, push.values):
            book.counts.bad_format += 1
        if kind is PushKind.DLR and status_problem(push.values):
            book.counts.bad_status += 1
        if any(secret in push.raw for secret in self.passwords):
            book.counts.password += 1
        if push.account and push.account != self.username:
            book.counts.foreign += 1

    def _match(self, push: Push, message: Message) -> None:
        book = self.book(message.generator)
        counts = book.counts
        counts.pushes += 1
        self._judge(push, book)
        if sum(len(s) for s in message.pushed.values()) >= MAX_PUSHES_PER_MESSAGE:
            counts.duplicates += 1  # a platform in a loop: counted, no longer kept
            return
        status = push.status
        # Order, duplicates and changes are judged per ID: each segment has its own story.
        before = message.pushed.setdefault(push.app_msg_id, [])
        if status in before:
            counts.duplicates += 1
        rank = RANK.get(Status(status)) if status in RANK else None
        seen = [RANK[Status(s)] for s in before if s in RANK]
        if rank is not None and seen and rank < max(seen):
            counts.out_of_order += 1
        finals = [s for s in before if s in FINAL_STATUSES]
        if status in FINAL_STATUSES:
            if finals and status != finals[0]:
                counts.final_changed += 1
            if message.final is None:
                message.final = status
                self._open -= 1
                counts.with_final += 1
                book.record_latency(status, push.received - message.submitted)
        before.append(status)

    # -- the end -----------------------------------------------------------------------------

    def _retire(self, before: float) -> None:
        """Judge and let go the messages submitted before `before` (the oldest come first)."""
        order = self._order
        while order and order[0].submitted < before:
            old = order.popleft()
            for i in old.ids:
                self._by_id.pop(i, None)
            self._open -= old.final is None
            _judge_message(old, self.book(old.generator))

    def finish(self) -> dict[str, dict[str, Any]]:
        """Every generator's book, completed: misses, pushes per message, poll disagreement.
        Pushes still waiting for a submit count as unknown (in the generator "-"). The matcher
        itself is left as it is, so that a report can be asked for more than once."""
        books = {g: PushBook.merged([b.snapshot()]) for g, b in self.books.items()}
        for message in self._order:
            _judge_message(message, books[message.generator])
        unmatched = PushBook.merged([self.unmatched.snapshot()])
        unmatched.counts.unknown += sum(len(p) for p in self._pending.values())
        books["-"] = unmatched
        return {g: b.snapshot() for g, b in books.items()}


def _judge_message(message: Message, book: PushBook) -> None:
    """A message's figures once no more pushes are awaited for it."""
    if message.final is None:
        book.counts.missing += 1
    book.per_message[str(sum(len(s) for s in message.pushed.values()))] += 1
    for message_id, polled in message.polled.items():
        finals = [s for s in message.pushed.get(message_id, ()) if s in FINAL_STATUSES]
        if not finals:
            continue
        book.counts.polled_compared += 1
        if finals[0] != polled:
            book.disagree[f"pushed {finals[0]}, polled {polled}"] += 1
