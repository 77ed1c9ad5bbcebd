"""Sending cases through every variant and judging what comes back: what each contract test calls.

`all_variants` sends one case through every variant and transport the target has, runs every
applicable check on each answer and the equivalence checks across them, then raises the first
violation. A successful submit's IDs are queried at once and remembered, with the last status
seen, for the tests that follow them over time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from contracts.cases import Case, IdKind
from contracts.checks import CheckContext, verify, verify_group
from contracts.client import (
    BudgetExhausted,
    ContractClient,
    PlatformSick,
    PlatformUnreachable,
    Throttled,
)
from contracts.exchange import Exchange, answer
from contracts.failures import ContractViolation
from contracts.planner import Limit
from contracts.recorder import RunRecorder
from contracts.strategies import Config, query_case
from contracts.target import Target
from okroute_model.params import Command
from okroute_model.secrets import Credentials
from okroute_model.statuses import FINAL_STATUSES
from okroute_model.wire import Method, Transport, Variant

# How many IDs of one answer are queried at once: the first and last few are enough to see
# an answer whose IDs are not real, and keep a 100-number submit from costing 100 queries.
QUERY_SAMPLE = 6
# The skip reason of the test a run stopped in; the reason itself is the one line of the summary.
NOT_RUN = "not run: the run stopped (see the okroute section of the summary)"


@dataclass
class Issued:
    """An ID this run was given, where it came from, and the last status seen for it."""

    message_id: str
    transport: Transport
    owner: Credentials
    last_status: str | None = None
    history: list[str] = field(default_factory=list)
    issued_at: float = 0.0  # platform time (`Target.now`) when it was given
    final_seen_at: float | None = None  # when a query first answered a final status


class Exerciser:
    def __init__(
        self,
        target: Target,
        client: ContractClient,
        ctx: CheckContext,
        recorder: RunRecorder,
        cfg: Config,
    ) -> None:
        self.target = target
        self.client = client
        self.ctx = ctx
        self.recorder = recorder
        self.cfg = cfg
        self.issued: dict[str, Issued] = {}
        # Every ID of every successful submit and its account, also those not followed: the
        # pushes of the whole run are judged against it (contracts.push_whole).
        self.given: dict[str, Credentials] = {}
        # Called after each valid submit: the second account's stream, the time phase's anchor.
        self.after_submit: list[Callable[[], None]] = []
        # From the plan, by test: what a case with numbers at risk travels through when not
        # every variant (its cheapest case: one variant on one transport; a big case: once
        # per transport).
        self.limit_for: Callable[[str], Limit | None] = lambda test: None

    # -- sending -----------------------------------------------------------------------------

    def send(self, case: Case, variant: Variant) -> Exchange:
        """One request. What stops a case from being judged is never a failure: the budget and
        persistent throttling leave it unjudged (an incomplete run); a platform that went away
        or turned sick stops the run (the plugin ends it after this test)."""
        test = self.recorder.current_test
        try:
            exchange = self.client.send(case, variant)
        except BudgetExhausted as exc:
            self.recorder.not_judged(test, f"budget: {exc}")
            pytest.skip(f"{test}: {exc}")
        except Throttled as exc:
            self.recorder.not_judged(test, f"throttled: {exc}")
            pytest.skip(f"{test}: {exc}")
        except PlatformUnreachable as exc:
            self.recorder.stop(test, f"the platform became unreachable at {test}: {exc}")
            pytest.skip(NOT_RUN)
        except PlatformSick as exc:
            self.recorder.stop(test, f"the platform turned sick at {test}: {exc}")
            pytest.skip(NOT_RUN)
        self.recorder.exchanges += 1
        return exchange

    def all_variants(
        self, case: Case, methods: tuple[Method, ...] | None = None, follow_ids: bool = True
    ) -> list[Exchange]:
        """`case` through every variant; every answer checked, then the variants compared.
        A case the plan narrows goes through fewer (`limit_for`)."""
        exchanges = [self.send(case, v) for v in self.variants(case, methods)]
        errors: list[ContractViolation] = []
        for ex in exchanges:
            self._observe(ex)
            try:
                verify(ex, self.ctx)
            except ContractViolation as violation:
                errors.append(violation)
        try:
            verify_group(exchanges, self.ctx)
        except ContractViolation as violation:
            errors.append(violation)
        if errors:
            raise errors[0]
        if follow_ids and case.command == Command.SUBMIT and case.defect is None:
            for ex in exchanges:
                self.query_fresh_ids(ex)
        return exchanges

    def variants(self, case: Case, methods: tuple[Method, ...] | None = None) -> list[Variant]:
        """The variants `all_variants` sends `case` through: all it can travel in, or, for a case
        with numbers at risk that the plan narrows, the plan's method on its transports."""
        limit = self.limit_for(self.recorder.current_test)
        if limit is None or self.client.cost(case) == 0:
            return self.client.variants(case, methods)
        wanted = methods or case.methods
        methods = tuple(m for m in wanted if m in limit.methods) or wanted[:1]
        return self.client.variants(case, methods[:1])[: limit.transports]

    def one(self, case: Case, variant: Variant) -> Exchange:
        ex = self.send(case, variant)
        self._observe(ex)
        verify(ex, self.ctx)
        return ex

    # -- following IDs -----------------------------------------------------------------------

    def ids_of(self, ex: Exchange) -> list[str]:
        if ex.status != 200 or ex.response is None or not ex.response.is_json:
            return []
        value = ex.response.json
        entries = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
        ids = [e.get("message_id") for e in entries if isinstance(e, dict)]
        return list(dict.fromkeys(i for i in ids if isinstance(i, str) and i))

    def query_fresh_ids(self, ex: Exchange) -> None:
        """Query the IDs of a successful submit at once (they must be known)."""
        ids = self.ids_of(ex)
        sample = ids if len(ids) <= QUERY_SAMPLE else ids[:3] + ids[-3:]
        owner = Credentials(ex.case.request.username or "", ex.case.request.password or "")
        self.given.update(dict.fromkeys(ids, owner))
        now = self.target.now()
        for message_id in sample:
            self.issued[message_id] = Issued(message_id, ex.variant.transport, owner, issued_at=now)
            self.query(message_id)
        for hook in self.after_submit:
            hook()

    def query(self, message_id: str, variant: Variant | None = None) -> Exchange:
        """Query one of this run's IDs, judged against the last status seen for it."""
        issued = self.issued[message_id]
        case = query_case(self.cfg, message_id, IdKind.OWN, issued.last_status, issued.owner)
        ex = self.one(case, variant or Variant(Method.GET, issued.transport))
        status = self.status_in(ex)
        if status is not None:
            issued.last_status = status
            issued.history.append(status)
            if status in FINAL_STATUSES and issued.final_seen_at is None:
                issued.final_seen_at = self.target.now()
        return ex

    @staticmethod
    def status_in(ex: Exchange) -> str | None:
        if ex.status == 200 and ex.response.is_json and isinstance(ex.response.json, dict):
            status = ex.response.json.get("status")
            return status if isinstance(status, str) else None
        return None

    def wait_for_final(self, message_id: str, timeout: float, step: float = 0.25) -> str | None:
        """Poll until a final status (checking every answer); None when the time runs out."""
        waited = 0.0
        while waited <= timeout:
            self.query(message_id)
            status = self.issued[message_id].last_status
            if status in FINAL_STATUSES:
                return status
            self.target.wait(step)
            waited += step
        return None

    def random_own_id(self, rng: random.Random) -> str | None:
        known = [i for i, s in self.issued.items() if s.owner == self.target.primary]
        return rng.choice(known) if known else None

    # -- MAY points --------------------------------------------------------------------------

    def _observe(self, ex: Exchange) -> None:
        if ex.response is None:
            return
        case, method, observe = ex.case, ex.variant.method, self.recorder.observe
        valid = case.defect is None
        if case.command == Command.QUERY and method is not Method.GET and valid:
            observe("query-via-post", f"{method}: {answer(ex)}")
        if case.command == Command.MO and valid:
            observe("mo-response", answer(ex))
        if case.id_kind is IdKind.NEVER_ISSUED and method is Method.GET:
            observe("unknown-id-answer", answer(ex))
        if case.id_kind is IdKind.FOREIGN and method is Method.GET:
            observe("cross-account-answer", answer(ex))
        if not valid and case.defect_spec.answer is None and 400 <= ex.status < 500:
            observe("undocumented-error-texts", f"{case.defect}: {answer(ex)}")
        kind = "error" if ex.status >= 400 else f"{case.command} answer"
        observe("content-types", f"{kind}: {ex.response.headers.get('content-type')}")
        if case.command == Command.SUBMIT and valid and ex.status == 200:
            value = ex.response.json if ex.response.is_json else None
            if isinstance(value, dict):
                observe("single-object-dnis", f"dnis {'present' if 'dnis' in value else 'absent'}")

    def observe_throttle(self, ex: Exchange, wait: float) -> None:
        self.recorder.observe("throttling", f"{ex.status} Retry-After {wait:g}")
