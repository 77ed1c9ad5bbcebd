"""Delivery reports and MO pushed to each account's URL templates (§7): what, when, and retries.

Pure and synchronous, like the platform: the queue turns each issued message's delivery story
into push jobs due at the moments its statuses happen, and applies the account's acknowledgement
and retry policy to each attempt's reply. Something else sends the jobs: the real server's async
sender (`okroute_mock.pusher`) over sockets, or the offline fake straight into the suite's
collector. Bounded: at most `cap` jobs wait, beyond that a push is counted as dropped, never kept.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import NamedTuple
from urllib.parse import urlencode

from hdrh.histogram import HdrHistogram

from okroute_mock.breaks import CONTRADICTED_SHARE, NEVER_ISSUED_EVERY, Fault
from okroute_mock.delivery import ERROR_CODES, mccmnc
from okroute_mock.store import Record
from okroute_model.push import (
    MO_RESULT_CODE,
    MO_SERVICE_TYPE,
    MO_STATUS,
    UNDEFINED,
    PushKind,
    PushMethod,
    Template,
)
from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.units import parse_duration
from okroute_model.wire import JSON_CONTENT_TYPE

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
ACK_200 = "200"  # the acknowledgement policy "any 200 answer"
DUPLICATE_AFTER = 0.05  # seconds between a push and its duplicate
REORDER_AFTER = 0.2  # an overtaken push arrives this long after the final one
MOVED_BACK_AFTER = 1.0  # push-moves-back: ACCEPTD stamped a second after the final status


class PushStatuses(StrEnum):
    FINAL = "final"  # only the final status
    ALL = "all"  # ENROUTE, ACCEPTD and the final status


class PushPer(StrEnum):
    SEGMENT = "segment"  # one push per message ID (each segment of a split message)
    MESSAGE = "message"  # one push per concatenated message, for its first segment's ID


def parse_schedule(text: str) -> tuple[float, ...]:
    """Retry spacing: `"1s"` (every retry a second later) or `"1s,5s,30s"` (the last repeats)."""
    delays = tuple(parse_duration(part) for part in text.split(",") if part.strip())
    if not delays:
        raise ValueError(f"{text!r} is not a retry schedule: write e.g. 1s or 1s,5s,30s")
    return delays


@dataclass(frozen=True)
class PushPolicy:
    """One account's push settings: templates, method, what is pushed, and the retry policy."""

    dlr_url: str = ""
    mo_url: str = ""
    method: PushMethod = PushMethod.GET
    statuses: PushStatuses = PushStatuses.FINAL
    per: PushPer = PushPer.SEGMENT
    ack: str = ACK_200  # "200", or a body text that must come back with a 200, e.g. "OK"
    retries: int = 3
    retry_every: tuple[float, ...] = (1.0,)

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("push retries must not be negative")
        for url in (self.dlr_url, self.mo_url):
            if url and not url.startswith(("http://", "https://")):
                raise ValueError(f"a push URL starts with http:// or https://, not {url!r}")

    def url(self, kind: PushKind) -> str:
        return self.dlr_url if kind is PushKind.DLR else self.mo_url

    def acknowledged(self, status: int, body: bytes) -> bool:
        if status != 200:
            return False
        return self.ack == ACK_200 or body.strip() == self.ack.encode()

    def spacing(self, retry: int) -> float:
        """Seconds before retry number `retry` (1-based)."""
        return self.retry_every[min(retry, len(self.retry_every)) - 1]


@dataclass(frozen=True)
class PushFaults:
    """Client bugs to rehearse, each with a probability (seeded); breaks set some to 1."""

    duplicate: float = 0.0  # the same push twice
    reorder: float = 0.0  # an ACCEPTD push that arrives after the final one
    delay: float = 0.0  # the push waits `delay_for` longer
    delay_for: float = 5.0
    wrong_id: float = 0.0  # app_msg_id of another account's message
    contradict: float = 0.0  # a final status other than the one query answers
    password: float = 0.0  # the account's password in the push URL
    drop: float = 0.0  # the final push is never sent
    seed: int = 0

    @classmethod
    def with_breaks(cls, faults: PushFaults, breaks: frozenset[Fault]) -> PushFaults:
        """The contract breaks among the push faults, at probability 1."""
        forced = {name: 1.0 for fault, name in _BREAK_RATES.items() if fault in breaks}
        shares = {name: share for fault, (name, share) in _BREAK_SHARES.items() if fault in breaks}
        forced = shares | forced
        return replace(faults, **forced) if forced else faults


# Breaks that act on a share of the messages only (seeded): a minority, not every one.
_BREAK_SHARES = {Fault.PUSH_CONTRADICTS_SOME: ("contradict", CONTRADICTED_SHARE)}
_BREAK_RATES = {
    Fault.PUSH_OTHER_ACCOUNT: "wrong_id",
    Fault.PUSH_CONTRADICTS_QUERY: "contradict",
    Fault.PUSH_CARRIES_PASSWORD: "password",
    Fault.PUSH_FINAL_MISSING: "drop",
}


class Job(NamedTuple):
    """One push to send: everything filled, plus what the policy and the figures need."""

    kind: PushKind
    account: str
    app_msg_id: str
    status: str
    method: str  # "GET" or "POST"
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    created: float  # when the message was submitted (platform time)
    attempt: int = 1
    timed: bool = False  # the first push of a final status: its latency is recorded


@dataclass
class PushStats:
    scheduled: int = 0
    sent: int = 0
    acknowledged: int = 0
    retried: int = 0
    given_up: int = 0
    dropped_full: int = 0  # not kept: the queue was at its cap
    failed_attempts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    latency: HdrHistogram = field(default_factory=lambda: HdrHistogram(1, 86_400_000_000, 3))

    def as_dict(self) -> dict[str, object]:
        h = self.latency
        timed = h.get_total_count()
        figures = (
            {f"p{p}": round(h.get_value_at_percentile(p) / 1000, 3) for p in (50, 95, 99)}
            if timed
            else None
        )
        return {
            "scheduled": self.scheduled,
            "sent": self.sent,
            "acknowledged": self.acknowledged,
            "retried": self.retried,
            "given_up": self.given_up,
            "dropped_full": self.dropped_full,
            "failed_attempts": self.failed_attempts,
            "faults": dict(self.faults),
            "first_final_push_ms": figures,
            "timed": timed,
        }


def _yymmddhhmmss(seconds: float) -> str:
    return time.strftime("%y%m%d%H%M%S", time.gmtime(seconds))


def _done_date(seconds: float, sep: str) -> str:
    return time.strftime(f"%Y-%m-%d{sep}%H:%M:%S", time.gmtime(seconds))


_DESCRIPTIONS = {
    Status.ENROUTE: "Enroute",
    Status.ACCEPTD: "Accepted",
    Status.DELIVRD: "Delivered",
    Status.UNDELIV: "Undeliverable",
    Status.EXPIRED: "Expired",
    Status.DELETED: "Deleted",
    Status.REJECTD: "Rejected",
    Status.IM_EXPD: "IM expired",
}


def dlr_values(
    app_msg_id: str,
    common_id: str,
    status: str,
    at: float,
    created: float,
    number: str,
    ani: str,
    parts: int,
    *,
    long_time: bool = False,
) -> dict[str, str]:
    """Every DLR marker of §7, from the same delivery story that `query` answers."""
    network = mccmnc(number) if status != Status.ENROUTE else ""
    mcc, mnc = network[:3], network[3:]
    error = ERROR_CODES.get(Status(status), "000") if status in FINAL_STATUSES else "000"
    delivered = "001" if status == Status.DELIVRD else "000"
    text = (
        f"id:{app_msg_id} sub:001 dlvrd:{delivered} submit date:{_yymmddhhmmss(created)[:10]} "
        f"done date:{_yymmddhhmmss(at)[:10]} stat:{status} err:{error} text:"
    )
    return {
        "app_msg_id": app_msg_id,
        "message_id": common_id,
        "delivery_status": status,
        "delivery_time": time.strftime("%Y%m%d%H%M%S", time.gmtime(at))
        if long_time
        else _yymmddhhmmss(at),
        "done_date": _done_date(at, "Z"),
        "done_date_t": _done_date(at, "T"),
        "ani": ani,
        "dnis": number,
        "mcc": mcc,
        "mnc": mnc,
        "mnc_no_zero": str(int(mnc)) if mnc else "",
        "mccmnc": network,
        "part_amount": str(parts),
        "rate": "0.00420",
        "currency": "EUR",
        "country_name": UNDEFINED,
        "net_name": UNDEFINED,
        "dlvrResultCodeDescr": _DESCRIPTIONS.get(Status(status), ""),
        "message": text,
        "im_channel": "sms",
        "clientChannelId": "1",
    }


def mo_values(message_id: str, params: dict[str, str], at: float) -> dict[str, str]:
    """Every MO marker of §7, for a `command=mo` handed to the platform."""
    text = str(params.get("message", ""))
    keyword, _, rest = text.partition(" ")
    dnis = str(params.get("dnis", ""))
    return {
        "ani": str(params.get("ani", "")),
        "dnis": dnis,
        "message": text,
        "message_id": message_id,
        "mt_message_id": "",
        "delivery_status": MO_STATUS,
        "result_code": MO_RESULT_CODE,
        "serviceType": MO_SERVICE_TYPE,
        "delivery_time": _yymmddhhmmss(at),
        "udh": "",
        "keyword": keyword,
        "messageWithoutKeyword": rest,
        "localAddress": dnis,
        "network": "",
        "clientChannelId": "1",
    }


def request_of(
    policy: PushPolicy, kind: PushKind, values: dict[str, str], extra: dict[str, str]
) -> tuple[str, str, tuple[tuple[str, str], ...], bytes]:
    """(method, url, headers, body) of one push: the filled URL for GET, its fields in the body
    for POST (form-encoded or a JSON object). `extra` fields are added as they are (faults)."""
    template = Template(policy.url(kind))
    if policy.method is PushMethod.GET:
        url = template.fill(values)
        if extra:
            url += ("&" if "?" in url else "?") + urlencode(extra)
        return "GET", url, (), b""
    fields = dict(template.body_fields(values)) | extra
    if policy.method is PushMethod.POST_JSON:
        body = json.dumps(fields, ensure_ascii=False).encode()
        return "POST", template.base(), (("Content-Type", JSON_CONTENT_TYPE),), body
    return (
        "POST",
        template.base(),
        (("Content-Type", FORM_CONTENT_TYPE),),
        urlencode(fields).encode(),
    )


Entry = tuple[str, str, int]  # (number, message_id, segment) as the platform issued them


class PushQueue:
    def __init__(
        self,
        policies: dict[str, PushPolicy],
        passwords: dict[str, str],
        lookup: Callable[[str, float], Record | None],
        faults: PushFaults = PushFaults(),
        breaks: frozenset[Fault] = frozenset(),
        cap: int = 300_000,
    ) -> None:
        self.policies = {a: p for a, p in policies.items() if p.dlr_url or p.mo_url}
        self.passwords = passwords
        self.lookup = lookup
        self.faults = PushFaults.with_breaks(faults, breaks)
        self.breaks = breaks
        self.cap = cap
        self.stats = PushStats()
        self._rng = random.Random(self.faults.seed)
        # IDs no one was given: a stream of their own (the delivery simulation's generator has
        # the same seed, so this one's bytes would be IDs the platform issues later).
        self._never_issued = random.Random(f"never-issued:{self.faults.seed}")
        self._heap: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._last_id: dict[str, str] = {}  # account -> its latest message ID (wrong-ID fault)
        self._finals = 0  # final pushes scheduled (push-never-issued acts on every fifth)

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def active(self) -> bool:
        return bool(self.policies)

    def _chance(self, rate: float, name: str) -> bool:
        hit = rate > 0 and (rate >= 1 or self._rng.random() < rate)
        if hit:
            self.stats.faults[name] += 1
        return hit

    def _put(self, due: float, job: Job) -> None:
        if len(self._heap) >= self.cap:
            self.stats.dropped_full += 1
            return
        heapq.heappush(self._heap, (due, next(self._seq), job))

    # -- what happens on the platform --------------------------------------------------------

    def submitted(
        self, account: str, entries: list[Entry], segments: int, params: dict[str, str], now: float
    ) -> None:
        """A submit was answered with `entries`: schedule the DLRs of its messages."""
        policy = self.policies.get(account)
        if policy is None or not policy.dlr_url:
            return
        ani = str(params.get("ani", ""))
        by_number: dict[str, list[str]] = {}
        for number, message_id, _ in entries:
            ids = by_number.setdefault(number, [])
            if message_id not in ids:  # single_id_split: one ID for every segment
                ids.append(message_id)
        for ids in by_number.values():
            pushed = ids[:1] if policy.per is PushPer.MESSAGE else ids
            for message_id in pushed:
                record = self.lookup(message_id, now)
                if record is not None:
                    self._schedule(policy, account, message_id, ids[0], record, ani, segments)
        self._last_id[account] = entries[-1][1] if entries else ""

    def _schedule(
        self,
        policy: PushPolicy,
        account: str,
        message_id: str,
        common_id: str,
        record: Record,
        ani: str,
        parts: int,
    ) -> None:
        f = self.faults
        # (due, status, when it happened: the time the push carries)
        steps: list[tuple[float, str, float]] = []
        if policy.statuses is PushStatuses.ALL:
            steps += [
                (record.created, Status.ENROUTE, record.created),
                (record.accept_at, Status.ACCEPTD, record.accept_at),
            ]
        final, done = record.final, record.final_at
        if self._chance(f.contradict, "contradict"):
            final = Status.UNDELIV if final == Status.DELIVRD else Status.DELIVRD
        if not self._chance(f.drop, "drop"):
            steps.append((done, final, done))
            if Fault.PUSH_FINAL_CHANGES in self.breaks:
                other = Status.EXPIRED if final != Status.EXPIRED else Status.DELIVRD
                steps.append((done + DUPLICATE_AFTER, other, done + DUPLICATE_AFTER))
            if Fault.PUSH_MOVES_BACK in self.breaks:
                later = done + MOVED_BACK_AFTER
                steps.append((later, Status.ACCEPTD, later))
        if policy.statuses is PushStatuses.FINAL and self._chance(f.reorder, "reorder"):
            # Overtaken: it arrives late, but carries the moment it happened.
            steps.append((done + REORDER_AFTER, Status.ACCEPTD, record.accept_at))
        pushed_id = message_id
        if self._chance(f.wrong_id, "wrong_id"):
            others = [i for a, i in self._last_id.items() if a != account and i]
            pushed_id = others[0] if others else self._never_issued.randbytes(16).hex("-", 4)
        timed = True
        for due, status, at in steps:
            if self._chance(f.delay, "delay"):
                due += f.delay_for
            values = dlr_values(
                pushed_id, common_id, status, at, record.created, record.number, ani, parts,
                long_time=Fault.PUSH_DELIVERY_TIME_14 in self.breaks,
            )  # fmt: skip
            if Fault.PUSH_STATUS_LOWERCASE in self.breaks:
                values["delivery_status"] = status.lower()
            is_final = status in FINAL_STATUSES
            job = self._job(
                policy, PushKind.DLR, account, pushed_id, status, values, record.created
            )
            job = job._replace(timed=is_final and timed)
            timed = timed and not is_final
            self._put(due, job)
            if self._chance(f.duplicate, "duplicate"):
                self._put(due + DUPLICATE_AFTER, job._replace(timed=False))
            self._broken_copies(account, job, values, due)

    def _broken_copies(self, account: str, job: Job, values: dict[str, str], due: float) -> None:
        """The pushes that push-never-issued and push-copied-from-other add to a real one."""
        if Fault.PUSH_NEVER_ISSUED in self.breaks and job.status in FINAL_STATUSES:
            self._finals += 1
            if (self._finals - 1) % NEVER_ISSUED_EVERY == 0:
                phantom = self._never_issued.randbytes(16).hex("-", 4)
                values = values | {"app_msg_id": phantom}
                policy = self.policies[account]
                copy = self._job(policy, PushKind.DLR, account, phantom, job.status, values, 0.0)
                self._put(due, copy)
        if Fault.PUSH_COPIED_FROM_OTHER in self.breaks:
            for other, policy in self.policies.items():
                if other != account and policy.dlr_url:
                    copy = self._job(
                        policy, PushKind.DLR, other, job.app_msg_id, job.status, values, 0.0
                    )
                    self._put(due, copy)

    def _job(
        self,
        policy: PushPolicy,
        kind: PushKind,
        account: str,
        message_id: str,
        status: str,
        values: dict[str, str],
        created: float,
    ) -> Job:
        extra = {}
        if self._chance(self.faults.password, "password"):
            extra = {"password": self.passwords.get(account, "")}
        method, url, headers, body = request_of(policy, kind, values, extra)
        self.stats.scheduled += 1
        return Job(kind, account, message_id, status, method, url, headers, body, created)

    def mo(self, account: str, message_id: str, params: dict[str, str], now: float) -> None:
        """A `command=mo` was handed to the platform: push it to the account's MO URL."""
        policy = self.policies.get(account)
        if policy is None or not policy.mo_url:
            return
        values = mo_values(message_id, params, now)
        self._put(now, self._job(policy, PushKind.MO, account, message_id, MO_STATUS, values, now))

    # -- what the sender does ----------------------------------------------------------------

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def due(self, now: float, limit: int | None = None) -> list[Job]:
        """The jobs due by `now`, oldest first (at most `limit`)."""
        jobs = []
        heap = self._heap
        while heap and heap[0][0] <= now and (limit is None or len(jobs) < limit):
            jobs.append(heapq.heappop(heap)[2])
        return jobs

    def settle(
        self,
        job: Job,
        status: int | None,
        body: bytes,
        sent_at: float,
        answered_at: float | None = None,
    ) -> str:
        """Apply the account's policy to one attempt's reply (None: no reply at all). A retry
        is due its spacing after the failed attempt ended."""
        stats, policy = self.stats, self.policies[job.account]
        stats.sent += 1
        if job.timed and job.attempt == 1:
            stats.latency.record_value(max(1, int((sent_at - job.created) * 1e6)))
        if status is not None and policy.acknowledged(status, body):
            stats.acknowledged += 1
            return "acknowledged"
        stats.failed_attempts += 1
        if job.attempt > policy.retries:
            stats.given_up += 1
            return "given up"
        stats.retried += 1
        ended = sent_at if answered_at is None else answered_at
        self._put(ended + policy.spacing(job.attempt), job._replace(attempt=job.attempt + 1))
        return "retry"

    def drain(self, now: float, answer: Callable[[Job], tuple[int | None, bytes]]) -> int:
        """Send every job due by `now` through `answer` (the offline fake's way); a retry that
        falls due by `now` is sent too. Returns the number of attempts."""
        attempts = 0
        while True:
            jobs = self.due(now)
            if not jobs:
                return attempts
            for job in jobs:
                status, body = answer(job)
                self.settle(job, status, body, now)
                attempts += 1
