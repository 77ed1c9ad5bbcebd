"""Sends one case through one variant with httpx, politely and within the message budget.

Two counts, kept apart (see `contracts/planner.py` for the plan made from them):

- *at risk*: destination numbers in requests that a faulty platform could accept, counted before
  sending. Numbers without a route (the configured no-route number, numbers under the no-route
  prefix) are not at risk: even a platform that accepted them would deliver nothing. `mo` sends
  nothing to a subscriber. The cap (`OKROUTE_MAX_MESSAGES`) applies to this count.
- *sent*: numbers the platform accepted, counted from its answers: one per entry of a successful
  submit that is a first segment (an answer that cannot be read counts what was at risk in it).

Throttling (one classifier, `okroute_model.throttling`) is waited out and retried, never judged.
A request that gets no answer is a finding only when the platform still answers a benign request
straight after; otherwise the platform went away, and the run stops (`PlatformUnreachable`).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from contracts.cases import Case
from contracts.exchange import Exchange, Response
from contracts.inspect_requests import EXTENSION
from contracts.target import Target, tls_verification
from okroute_model.environment import Env
from okroute_model.errors import LOOP_DETECTED
from okroute_model.params import DNIS_SEPARATOR, PATH, Command
from okroute_model.throttling import Throttle, classify_throttle
from okroute_model.wire import Method, Transport, Variant, WireRequest, encode

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# Throttling is waited out this many times, and for at most this long in all, per request; a
# platform that throttles longer than that leaves the case unjudged (reported, never a failure).
MAX_THROTTLE_RETRIES = 20
THROTTLE_PATIENCE = 60.0
# After a request that got no answer: benign requests that may show the platform is still there.
ALIVE_ATTEMPTS = 3
ALIVE_PAUSE = 0.5
ALIVE_TIMEOUT = 5.0
# A sick platform is not hammered: this many answers in a row that are 5xx (508 aside) or
# timeouts stop the run.
SICK_STREAK = 8


class BudgetExhausted(Exception):
    """Sending this would pass the run's cap on destination numbers at risk."""


class Throttled(Exception):
    """The platform kept throttling this request beyond the client's patience: not judged."""

    def __init__(self, exchange: Exchange, throttle: Throttle) -> None:
        super().__init__(
            f"the platform kept throttling ({throttle.status}, wait {throttle.wait:g} s, "
            f"{exchange.attempts} attempts): the request was not judged"
        )
        self.exchange = exchange


class PlatformUnreachable(Exception):
    """The platform stopped answering, even a benign request: nothing more can be verified."""


class PlatformSick(Exception):
    """The platform answers 5xx or times out again and again: the run stops so as not to
    hammer it."""


@dataclass(frozen=True)
class NoRoute:
    """Numbers that have no route on the target: a configured number, and a prefix."""

    number: str | None = None
    prefix: str | None = None

    def covers(self, number: str) -> bool:
        number = number.strip().lstrip("+")
        return bool(
            (self.number and number == self.number)
            or (self.prefix and number.startswith(self.prefix))
        )

    @classmethod
    def of(cls, target: Target) -> NoRoute:
        return cls(target.no_route_dnis, target.no_route_prefix)


def dnis_items(case: Case) -> list[str]:
    """The destination numbers of a submit or mo, as listed (duplicates and junk included)."""
    if case.command not in (Command.SUBMIT, Command.MO):
        return []
    dnis = case.request.get("dnis")
    if isinstance(dnis, list):
        return [str(d) for d in dnis]
    return str(dnis).split(DNIS_SEPARATOR) if dnis else []


def at_risk(case: Case, no_route: NoRoute = NoRoute()) -> int:
    """Numbers a faulty platform could deliver if it accepted this request."""
    if case.command != Command.SUBMIT:
        return 0  # mo hands a message to the platform; it sends nothing to a subscriber
    return sum(1 for n in dnis_items(case) if not no_route.covers(n))


def numbers_in(case: Case) -> int:
    """Every destination number listed in a request (the old, pessimistic count)."""
    return len(dnis_items(case)) if case.command == Command.SUBMIT else 0


def sent_in(exchange: Exchange, risked: int) -> int:
    """Numbers the platform accepted, read from its answer: entries that are first segments.

    Only a 4xx is a rejection. A submit with no answer, a 5xx or an answer that cannot be read
    counts `risked`: the platform may have stored and sent them all (a broken one answering 500
    after storing the message does exactly that)."""
    r = exchange.response
    if exchange.case.command != Command.SUBMIT:
        return 0
    if r is None or not (200 <= r.status < 500):
        return risked
    if r.status != 200:
        return 0
    if not r.is_json:
        return risked
    value = r.json
    if isinstance(value, dict):
        return 1
    if not isinstance(value, list):
        return risked
    return sum(
        1 for e in value if isinstance(e, dict) and str(e.get("segment_num", "1")).strip() == "1"
    )


@dataclass
class Tally:
    """What one kind of case cost: requests, numbers listed, numbers at risk, numbers sent."""

    requests: int = 0
    numbers: int = 0
    at_risk: int = 0
    sent: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


class ContractClient:
    def __init__(
        self, target: Target, on_throttle: Callable[[Exchange, float], None] | None = None
    ) -> None:
        self.target = target
        self.on_throttle = on_throttle
        self.no_route = NoRoute.of(target)
        self.at_risk = 0
        self.sent = 0
        self.requests = 0
        self.throttled = Counter[str]()  # "429 retry-after" -> answers waited out
        self.tallies: dict[str, Tally] = defaultdict(Tally)  # case label -> what it cost
        self._sick_streak = 0
        self._next_send = 0.0
        # The offline fake's transport opens no connection: no TLS context to build (two of
        # them took ~50 ms of every offline start).
        verify = True if target.fake is not None else tls_verification(target.ca_bundle)
        self._http = {
            transport: httpx.Client(
                base_url=url,
                verify=verify,
                timeout=TIMEOUT,
                transport=target.fake.transport() if target.fake is not None else None,  # type: ignore[attr-defined]
                follow_redirects=False,
            )
            for transport, url in target.urls.items()
        }
        # Each request goes out with its whole URL: httpx parses a path relative to `base_url`
        # twice (as given, then merged), and a submit's query can be kilobytes of escapes.
        self._base = {t: str(c.base_url).rstrip("/") for t, c in self._http.items()}

    @property
    def sent_numbers(self) -> int:
        """Numbers the platform accepted (kept under its old name for okroute-verify)."""
        return self.sent

    def close(self) -> None:
        for client in self._http.values():
            client.close()

    def variants(self, case: Case, methods: tuple[Method, ...] | None = None) -> list[Variant]:
        methods = methods or case.methods
        return [Variant(m, t) for m in methods if m in case.methods for t in self.target.transports]

    def cost(self, case: Case) -> int:
        """Numbers at risk in one request of `case`."""
        return at_risk(case, self.no_route)

    def _charge(self, case: Case) -> int:
        n = self.cost(case)
        if self.at_risk + n > self.target.max_messages:
            raise BudgetExhausted(
                f"sending {n} more number(s) at risk would pass the budget of "
                f"{self.target.max_messages} ({self.at_risk} at risk so far); "
                f"raise {Env.MAX_MESSAGES} to run it"
            )
        self.at_risk += n
        return n

    def _pace(self) -> None:
        if self.target.rate <= 0:
            return
        now = time.monotonic()
        if now < self._next_send:
            time.sleep(self._next_send - now)
        self._next_send = max(now, self._next_send) + 1.0 / self.target.rate

    def send(self, case: Case, variant: Variant) -> Exchange:
        """One request; throttling answers are waited out and retried."""
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
        risked = self._charge(case)
        exchange = Exchange(
            case,
            variant,
            self.target.urls[variant.transport],
            wire,
            None,
            ca_bundle=self.target.ca_bundle,
        )
        try:
            self._exchange(exchange, case, variant, wire)
        finally:
            # Counted also when the exchange ends the run (a sick or vanished platform, a
            # throttle not worth waiting out): the request went out all the same.
            self._count(case, exchange, risked)
        return exchange

    def _count(self, case: Case, exchange: Exchange, risked: int) -> None:
        sent = sent_in(exchange, risked)
        self.sent += sent
        tally = self.tallies[case.label()]
        tally.requests += 1
        tally.numbers += numbers_in(case)
        tally.at_risk += risked
        tally.sent += sent

    def _exchange(
        self, exchange: Exchange, case: Case, variant: Variant, wire: WireRequest
    ) -> None:
        client = self._http[variant.transport]
        waited = 0.0
        for attempt in range(1, MAX_THROTTLE_RETRIES + 2):
            self._pace()
            self.requests += 1
            started = time.perf_counter()
            try:
                response = client.request(
                    wire.method,
                    f"{self._base[variant.transport]}/{wire.target.lstrip('/')}",
                    content=wire.body or None,
                    headers=dict(wire.headers),
                    extensions={EXTENSION: (case, variant)},
                )
            except httpx.TransportError as exc:
                exchange.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                exchange.elapsed = time.perf_counter() - started
                exchange.attempts = attempt
                self._no_answer(
                    exchange, variant.transport, isinstance(exc, httpx.TimeoutException)
                )
                return
            exchange.elapsed = time.perf_counter() - started
            exchange.attempts = attempt
            exchange.response = Response(
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                response.content,
            )
            throttle = classify_throttle(response.status_code, response.headers, response.content)
            if throttle is None:
                self._answered(exchange)
                return
            self.throttled[f"{throttle.status} {throttle.reason}"] += 1
            if (
                not throttle.waitable
                or attempt > MAX_THROTTLE_RETRIES
                or waited + throttle.wait > THROTTLE_PATIENCE
            ):
                raise Throttled(exchange, throttle)
            if self.on_throttle is not None:
                self.on_throttle(exchange, throttle.wait)
            time.sleep(throttle.wait)
            waited += throttle.wait

    # -- is the platform still there? ---------------------------------------------------------

    def _answered(self, exchange: Exchange) -> None:
        status = exchange.status
        self._sick(status >= 500 and status != LOOP_DETECTED.status, f"a {status} answer")

    def _no_answer(self, exchange: Exchange, transport: Transport, timed_out: bool) -> None:
        """No answer: a finding if the platform still answers a benign request, else it left."""
        if not self.still_answers(transport):
            raise PlatformUnreachable(
                f"{self.target.urls[transport]} gives no answer any more ({exchange.error})"
            )
        self._sick(timed_out, f"a timeout ({exchange.error})")

    def _sick(self, sick: bool, what: str) -> None:
        self._sick_streak = self._sick_streak + 1 if sick else 0
        if self._sick_streak >= SICK_STREAK:
            raise PlatformSick(
                f"{SICK_STREAK} answers in a row were 5xx or timeouts (the last: {what}); "
                "stopped so as not to hammer a sick platform"
            )

    def still_answers(self, transport: Transport) -> bool:
        """Whether the platform answers a benign request (`GET /api?`) with any HTTP status."""
        client = self._http[transport]
        for attempt in range(ALIVE_ATTEMPTS):
            if attempt:
                time.sleep(ALIVE_PAUSE)
            try:
                client.get(f"{PATH}?", timeout=ALIVE_TIMEOUT)
                return True
            except httpx.TransportError:
                continue
        return False


DRY_RUN = "dry run: not sent"


class DryClient:
    """Sends nothing: records what would be sent, for a dry run, and what it would put at risk."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.no_route = NoRoute.of(target)
        self.recorded: list[Exchange] = []

    @property
    def at_risk(self) -> int:
        return sum(at_risk(ex.case, self.no_route) for ex in self.recorded)

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
