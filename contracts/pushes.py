"""The pushes the contract suite receives: live through its own receiver, offline from the fake.

Live, `--okroute-dlr-listen HOST:PORT` starts a receiver (`contracts.receiver`) in a thread and
the account's DLR URL must point at it (the suite prints the template). Offline, the fake
platform's own push queue is drained into the same collector whenever the fake's clock moves.
Either way the collector keeps every push in arrival order and decides each reply: `200 OK`,
except for IDs the suite asked to refuse a few times (to see the platform's retries).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from contracts.receiver import ACK_BODY, ThreadedReceiver
from okroute_mock.push import Job, PushQueue
from okroute_model.push import Push, PushKind, default_template, read_push

REFUSED = (500, "refused on purpose by the contract suite")
MAX_KEPT = 100_000  # pushes kept; a suite run gets a few hundred


class PushCollector:
    def __init__(self, poll: Callable[[], None] | None = None) -> None:
        self._pushes: list[Push] = []
        self._lock = threading.Lock()
        self._poll = poll
        self._refuse: dict[str, int] = {}  # app_msg_id -> pushes still to refuse
        self.refused: dict[str, list[float]] = {}  # app_msg_id -> times of refused pushes
        self.url = ""  # live: the receiver's base URL

    def answer(self, push: Push) -> tuple[int, str]:
        with self._lock:
            if len(self._pushes) < MAX_KEPT:
                self._pushes.append(push)
            left = self._refuse.get(push.app_msg_id, 0)
            if left > 0:
                self._refuse[push.app_msg_id] = left - 1
                self.refused.setdefault(push.app_msg_id, []).append(push.received)
                return REFUSED
        return 200, ACK_BODY

    def refuse(self, message_id: str, times: int) -> None:
        """Answer the next `times` pushes for `message_id` with a 500."""
        with self._lock:
            self._refuse[message_id] = times

    def poll(self) -> None:
        """Offline: let the fake push what is due; live: nothing to do, pushes just come."""
        if self._poll is not None:
            self._poll()

    def pushes(self) -> list[Push]:
        self.poll()
        with self._lock:
            return list(self._pushes)

    def templates(self, account: str) -> dict[PushKind, str]:
        return {k: default_template(self.url, k, account).text for k in PushKind}


def live_collector(host: str, port: int) -> tuple[PushCollector, ThreadedReceiver]:
    collector = PushCollector()
    receiver = ThreadedReceiver(host, port, collector.answer).start()
    collector.url = receiver.url
    return collector, receiver


def offline_collector(queue: PushQueue, clock: Callable[[], float]) -> PushCollector:
    """Pushes straight from the fake's queue at the fake's time: no sockets."""
    collector = PushCollector()

    def deliver(job: Job) -> tuple[int | None, bytes]:
        parts = urlsplit(job.url)
        content_type = dict(job.headers).get("Content-Type", "")
        push = read_push(job.method, parts.path, parts.query, content_type, job.body, clock())
        status, text = collector.answer(push)
        return status, text.encode()

    collector._poll = lambda: queue.drain(clock(), deliver)
    return collector
