"""A generator's side of push matching: tell the receiver what it submitted and what it polled.

Batched: one small JSON POST every `FLUSH_EVERY` seconds, from a greenlet, so the submit path only
appends to a list. At the end of the run the master asks the receiver for the figures and merges
every generator's book.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from contracts.push_exercise import groups_of as answer_groups
from loadtests.pushbook import PushBook, ReceiverReport
from loadtests.summary import PushError, PushSection

log = logging.getLogger("okroute.load")
FLUSH_EVERY = 0.5
TIMEOUT = 10.0


def groups_of(body: bytes) -> list[list[str]]:
    """A submit answer's message IDs, one group per number (its segments together)."""
    try:
        return answer_groups(json.loads(body))
    except ValueError:
        return []


def _post(url: str, payload: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        response.read()


class PushReporter:
    def __init__(self, receiver: str, generator: str) -> None:
        self.receiver = receiver.rstrip("/")
        self.generator = generator
        self._submits: list[tuple[float, list[list[str]]]] = []
        self._polled: list[tuple[str, str]] = []
        self.failures = 0

    def submitted(self, body: bytes, at: float) -> None:
        groups = groups_of(body)
        if groups:
            self._submits.append((at, groups))

    def polled(self, message_id: str, status: str) -> None:
        self._polled.append((message_id, status))

    def flush(self) -> None:
        if not self._submits and not self._polled:
            return
        submits, polled = self._submits, self._polled
        self._submits, self._polled = [], []
        payload = {"generator": self.generator, "submits": submits, "polled": polled}
        try:
            _post(f"{self.receiver}/_receiver/submits", payload)
        except (OSError, urllib.error.URLError) as exc:
            self.failures += 1
            log.warning("could not report submits to the push receiver: %s", exc)

    def run(self, sleep: Any) -> None:
        """Flush forever (a greenlet body); `sleep` is gevent.sleep."""
        while True:
            sleep(FLUSH_EVERY)
            self.flush()


def fetch_report(receiver: str, grace: float) -> ReceiverReport | None:
    """Every generator's push figures, after waiting up to `grace` seconds for late pushes."""
    url = f"{receiver.rstrip('/')}/_receiver/report?grace={grace:g}"
    try:
        with urllib.request.urlopen(url, timeout=grace + TIMEOUT) as response:
            return ReceiverReport(**json.loads(response.read()))
    except (OSError, ValueError, TypeError, urllib.error.URLError) as exc:
        log.error("no push figures from the receiver: %s", exc)
        return None


def merged(report: ReceiverReport) -> PushBook:
    return PushBook.merged(list(report.generators.values()))


def collect(receiver: str, grace: float) -> tuple[PushBook | None, PushSection | PushError]:
    """The merged book and the `push` section of summary.json (per generator too)."""
    report = fetch_report(receiver, grace)
    if report is None:
        return None, PushError("the push receiver gave no figures")
    book = merged(report)
    section = PushSection(
        **dataclasses.asdict(book.figures()),
        received=report.received,
        grace_waited_s=report.grace_waited_s,
        by_generator={
            name: PushBook.merged([snapshot]).figures()
            for name, snapshot in sorted(report.generators.items())
            if name != "-"
        },
    )
    return book, section
