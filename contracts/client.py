"""Sends one case through one variant with httpx, politely and within the message budget."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from contracts.cases import Case
from contracts.exchange import Exchange, Response
from contracts.inspect_requests import EXTENSION
from contracts.target import Target, tls_verification
from okroute_model.environment import Env
from okroute_model.params import DNIS_SEPARATOR, Command
from okroute_model.throttling import classify_throttle
from okroute_model.wire import Method, Transport, Variant, WireRequest, encode

MAX_THROTTLE_RETRIES = 3
TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class BudgetExhausted(Exception):
    """Sending this would pass the run's cap on submitted destination numbers."""


def numbers_in(case: Case) -> int:
    """Destination numbers a request could send to, counted the way the budget counts them."""
    if case.command not in (Command.SUBMIT, Command.MO):
        return 0
    dnis = case.request.get("dnis")
    if isinstance(dnis, list):
        return len(dnis)
    return len(str(dnis).split(DNIS_SEPARATOR)) if dnis else 0


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before retrying a throttled answer; None when it is no throttling (or asks
    for longer than a test run waits: then the answer is judged as it is)."""
    throttle = classify_throttle(response.status_code, response.headers, response.content)
    return throttle.wait if throttle is not None and throttle.waitable else None


class ContractClient:
    def __init__(
        self, target: Target, on_throttle: Callable[[Exchange, float], None] | None = None
    ) -> None:
        self.target = target
        self.on_throttle = on_throttle
        self.sent_numbers = 0
        self._next_send = 0.0
        self._http = {
            transport: httpx.Client(
                base_url=url,
                verify=tls_verification(target.ca_bundle),
                timeout=TIMEOUT,
                transport=target.fake.transport() if target.fake is not None else None,  # type: ignore[attr-defined]
                follow_redirects=False,
            )
            for transport, url in target.urls.items()
        }

    def close(self) -> None:
        for client in self._http.values():
            client.close()

    def variants(self, case: Case, methods: tuple[Method, ...] | None = None) -> list[Variant]:
        methods = methods or case.methods
        return [Variant(m, t) for m in methods if m in case.methods for t in self.target.transports]

    def _charge(self, case: Case) -> None:
        n = numbers_in(case)
        if self.sent_numbers + n > self.target.max_messages:
            raise BudgetExhausted(
                f"sending {n} more number(s) would pass the budget of {self.target.max_messages} "
                f"({self.sent_numbers} sent); raise {Env.MAX_MESSAGES} to run it"
            )
        self.sent_numbers += n

    def _pace(self) -> None:
        if self.target.rate <= 0:
            return
        now = time.monotonic()
        if now < self._next_send:
            time.sleep(self._next_send - now)
        self._next_send = max(now, self._next_send) + 1.0 / self.target.rate

    def send(self, case: Case, variant: Variant) -> Exchange:
        """One request; throttling answers with a short Retry-After are waited out and retried."""
        return self._send(case, variant, encode(case.request, variant.method))

    def send_wire(self, case: Case, transport: Transport, wire: WireRequest) -> Exchange:
        """A request built by hand (a form body, a field in both query and body); `case` says
        what it carries, for the budget and the report."""
        return self._send(
            case,
            Variant(Method.POST_BODY if wire.method == "POST" else Method.GET, transport),
            wire,
        )

    def _send(self, case: Case, variant: Variant, wire: WireRequest) -> Exchange:
        self._charge(case)
        client = self._http[variant.transport]
        exchange = Exchange(
            case,
            variant,
            self.target.urls[variant.transport],
            wire,
            None,
            ca_bundle=self.target.ca_bundle,
        )
        for attempt in range(1, MAX_THROTTLE_RETRIES + 2):
            self._pace()
            started = time.perf_counter()
            try:
                response = client.request(
                    wire.method,
                    wire.target,
                    content=wire.body or None,
                    headers=dict(wire.headers),
                    extensions={EXTENSION: (case, variant)},
                )
            except httpx.TransportError as exc:
                exchange.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                exchange.elapsed = time.perf_counter() - started
                return exchange
            exchange.elapsed = time.perf_counter() - started
            exchange.attempts = attempt
            exchange.response = Response(
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                response.content,
            )
            wait = _retry_after(response)
            if wait is None or attempt > MAX_THROTTLE_RETRIES:
                return exchange
            if self.on_throttle is not None:
                self.on_throttle(exchange, wait)
            time.sleep(wait)
        return exchange


DRY_RUN = "dry run: not sent"


class DryClient:
    """Sends nothing: records what would be sent, for a dry run."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.recorded: list[Exchange] = []

    def send(self, case: Case, variant: Variant) -> Exchange:
        return self.send_wire(case, variant.transport, encode(case.request, variant.method))

    def send_wire(self, case: Case, transport: Transport, wire: WireRequest) -> Exchange:
        exchange = Exchange(
            case,
            Variant(Method.GET, transport),
            self.target.urls[transport],
            wire,
            None,
            error=DRY_RUN,
            ca_bundle=self.target.ca_bundle,
        )
        self.recorded.append(exchange)
        return exchange
