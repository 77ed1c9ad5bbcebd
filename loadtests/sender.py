"""Sending one prepared call under load: time it, classify the answer, check it, report it.

Nothing that identifies a message reaches Locust: the request name is the call's group
("submit POST-body https"), the URL is scrubbed to the base and `/api`, and a failure is named by
the contract rule it breaks (or the kind of transport error), never by its content.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contracts.checks import CheckContext, verify
from contracts.exchange import Exchange, Response
from contracts.failures import ContractViolation
from loadtests.health import Health
from loadtests.latency import LatencyBook
from loadtests.traffic import Call
from okroute_model.errors import LOOP_DETECTED
from okroute_model.params import PATH, Command
from okroute_model.throttling import LOWEST_THROTTLE_STATUS, classify_throttle
from okroute_model.wire import Transport


class LoadFailure(Exception):
    """A failed request as Locust shows it: the rule it breaks or the error kind, nothing else."""


@dataclass
class Answer:
    status: int | None
    body: bytes
    retry_after: float | None  # set when the answer was throttling
    failure: str | None
    # The answer as the checks read it (None without one): its JSON is parsed once, for the
    # checks and for the campaign that follows its IDs alike.
    reply: Response | None = None

    def json(self) -> Any:
        """The body's JSON value; None when there is no answer or it is not JSON."""
        return None if self.reply is None else self.reply.json


def _retry_after(status: int, headers: Any, body: bytes) -> float | None:
    throttle = classify_throttle(status, headers, body)
    return None if throttle is None else throttle.wait


def _status_failure(call: Call, status: int) -> str | None:
    """What is always checked, sampled or not: server errors, and valid requests refused."""
    if status >= 500 and status != LOOP_DETECTED.status:
        return "errors.no-5xx"
    if status != 200 and call.command != Command.MO:
        return "request.valid-accepted"
    return None


class Sender:
    def __init__(
        self,
        clients: dict[Transport, Any],  # geventhttpclient.HTTPClient per base URL
        fire: Callable[..., None],  # environment.events.request.fire
        bases: dict[Transport, str],
        ctx: CheckContext,
        book: LatencyBook,
        check_rate: float,
        transport_errors: tuple[type[BaseException], ...],
        health: Health,
        seed: int = 0,
    ) -> None:
        self.clients = clients
        self.fire = fire
        self.bases = bases
        self.ctx = ctx
        self.book = book
        self.check_rate = check_rate
        self.transport_errors = transport_errors
        self.rng = random.Random(seed)
        self.health = health
        self.urls = {t: base + PATH for t, base in bases.items()}  # what listeners are shown

    def send(self, call: Call, intended: float | None = None) -> Answer:
        """Send `call`; `intended` is when it was due (open model), as a `time.time()` value."""
        transport = call.variant.transport
        started_wall, started = time.time(), time.perf_counter()
        status: int | None = None
        body, reply = b"", None
        failure: str | None = None
        retry_after = None
        try:
            # The target is already percent-encoded by the contract model: it goes out as it is,
            # with no URL parsing or re-quoting on the way.
            response = self.clients[transport].request(
                call.method, call.target, body=call.body, headers=call.headers
            )
            status = response.status_code
            body = response.read()
        except self.transport_errors as exc:
            failure = f"transport: {type(exc).__name__}"
        elapsed = time.perf_counter() - started
        if status is not None:
            reply = Response(status, {"content-type": response.get("content-type", "")}, body)
            # `classify_throttle`'s first rule, without the call: most answers are 200s.
            retry_after = (
                None if status < LOWEST_THROTTLE_STATUS else _retry_after(status, response, body)
            )
            if retry_after is None:
                self.health.answered += 1
                failure = _status_failure(call, status) or self._check(call, reply)
        now = time.time()
        corrected = None if intended is None else now - intended
        throttled = retry_after is not None
        self.book.record(call.group, elapsed, now, corrected, failure, throttled)
        self.fire(
            request_type=call.method,
            name=f"{call.group} [throttled]" if throttled else call.group,
            response_time=elapsed * 1000,
            response_length=len(body),
            exception=LoadFailure(failure) if failure else None,
            context={},
            response=None,
            url=self.urls[transport],
            start_time=started_wall,
        )
        return Answer(status, body, retry_after, failure, reply)

    def _check(self, call: Call, reply: Response) -> str | None:
        if self.check_rate < 1 and self.rng.random() >= self.check_rate:
            return None
        self.health.checked += 1
        base = self.bases[call.variant.transport]
        exchange = Exchange(call.case, call.variant, base, call.wire, reply)
        try:
            verify(exchange, self.ctx)
        except ContractViolation as violation:
            return violation.rule.name
        return None
