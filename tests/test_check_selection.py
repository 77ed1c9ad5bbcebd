"""`verify` runs, on every answer, exactly the checks it ran before a case kept its selection.

A case works out once which checks its kind and its own parameters allow (`needs`, a part of
each check's `applies`); `verify` then asks `applies` only of those. Here every case the suite
and the load generator build, answered by a correct platform and by wrong answers, records the
same checks with the same outcomes, and raises the same violation, through the kept selection
as through every check of its command.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import checks
from contracts.boundaries import boundary_cases
from contracts.cases import Case, IdKind
from contracts.checks import CheckContext, verify
from contracts.exchange import Exchange, Response
from contracts.failures import ContractViolation
from contracts.mutations import SUBMIT_DEFECTS, bad_credentials, invalid_submit
from contracts.strategies import Config, query_case, valid_mos, valid_submits
from contracts.target import offline_target
from contracts.user_checks import register_check
from loadtests.traffic import TrafficConfig, TrafficPlan
from okroute_model.defects import CREDENTIAL_DEFECTS, Defect
from okroute_model.profile import load_profile
from okroute_model.rules import RULES, Level
from okroute_model.wire import Method, Transport, Variant, encode

PROFILE = load_profile()
TARGET = offline_target(PROFILE, inspect=False)
PLATFORM = TARGET.fake.platform  # type: ignore[attr-defined]
CFG = Config(TARGET.primary, PROFILE.platform, "4477009")
CTX = CheckContext(PROFILE.platform)
HTTP = Transport.HTTP


@dataclass
class Book:
    """A recorder that keeps what `verify` reports: each check and its outcome, in order."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def checked(self, check: str, rule: object, variants: object, outcome: str) -> None:
        self.seen.append((check, outcome))

    def violated(self, violation: ContractViolation, warned: bool) -> bool | None:
        return None


def _run(ex: Exchange, every: bool) -> tuple[list[tuple[str, str]], str | None]:
    book = Book()
    ctx = CheckContext(CTX.knobs, recorder=book)
    ctx.knobs = CTX.knobs  # the same knobs object: the kept selection is reused across runs
    case = ex.case
    fresh = Exchange(case, ex.variant, ex.base_url, ex.wire, ex.response)
    every_check = checks._for_case(case.command, case.judging_rule) if every else None
    try:
        verify(fresh, ctx, every_check)
    except ContractViolation as violation:
        return book.seen, violation.rule.name
    return book.seen, None


def _answers(case: Case, variant: Variant) -> list[Exchange]:
    """The platform's own answer and wrong ones: each check meets answers it passes and fails."""
    wire = encode(case.request, variant.method)
    reply = PLATFORM.handle(wire, variant.transport)
    numbers = case.numbers or ["447700900123"]
    entries = [{"dnis": n, "message_id": "a1b2c3d4-0001"} for n in numbers]
    bodies = [
        (reply.status, reply.body),
        (200, json.dumps({"message_id": "a1b2c3d4-0001"}).encode()),
        (200, json.dumps(entries).encode()),
        (200, json.dumps({"status": "DELIVRD", "message_id": "x"}).encode()),
        (400, b"bad request"),
        (401, b'{"message_id": "leaked"}'),
        (500, b""),
    ]
    return [
        Exchange(case, variant, "http://x", wire, Response(status, {}, body))
        for status, body in bodies
    ]


def _same_either_way(case: Case) -> None:
    for method in case.methods:
        for ex in _answers(case, Variant(method, HTTP)):
            assert _run(ex, every=False) == _run(ex, every=True), (case.label(), method)


def _cases_built_once() -> list[Case]:
    submit = _load_calls()[0].case.request  # a valid submit: its answer issues an own ID
    issued = json.loads(PLATFORM.handle(encode(submit, Method.GET), HTTP).body)
    own = issued["message_id"] if isinstance(issued, dict) else issued[0]["message_id"]
    queries = [
        query_case(CFG, own, IdKind.OWN),
        query_case(CFG, own, IdKind.OWN, previous="DELIVRD"),
        query_case(CFG, own, IdKind.FOREIGN, credentials=TARGET.secondary),
        query_case(CFG, "never-issued-1", IdKind.NEVER_ISSUED),
    ]
    return [*boundary_cases(CFG), *queries, *(call.case for call in _load_calls())]


def _load_calls() -> list:
    c = TARGET.primary
    plan = TrafficPlan(TrafficConfig(
        c.username, c.password, "4477009", {"http": 1},
        {"GET": 1, "POST-url": 1, "POST-body": 1}, {"short": 1, "long": 1, "ucs2": 1, "multi": 1},
    ))  # fmt: skip
    return plan.pool("submit", 40) + plan.pool("mo", 5)


@pytest.mark.parametrize("case", _cases_built_once(), ids=lambda case: case.label()[:60])
def test_boundary_query_and_load_cases_run_the_same_checks(case: Case) -> None:
    _same_either_way(case)


_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@_SETTINGS
@given(case=st.one_of(valid_submits(CFG), valid_mos(CFG)))
def test_valid_cases_run_the_same_checks(case: Case) -> None:
    _same_either_way(case)


@_SETTINGS
@given(data=st.data(), defect=st.sampled_from([*SUBMIT_DEFECTS, *CREDENTIAL_DEFECTS]))
def test_invalid_cases_run_the_same_checks(data: st.DataObject, defect: Defect) -> None:
    if defect in CREDENTIAL_DEFECTS:
        case = data.draw(bad_credentials(CFG, valid_submits(CFG), defect))
    else:
        case = data.draw(invalid_submit(CFG, defect))
    _same_either_way(case)


def test_a_selection_follows_the_registry_and_the_knobs() -> None:
    """A check registered after a case kept its selection runs on its next answer, and a
    context with other knobs works the selection out anew."""
    case = _load_calls()[0].case
    ex = _answers(case, Variant(Method.GET, HTTP))[0]
    before = {name for name, _ in _run(ex, every=False)[0]}
    checks_before, rules_before = dict(checks.CHECKS), dict(RULES)

    @register_check(
        "acme.selection-sees-me", level=Level.SHOULD, quote="Acme answers every request."
    )
    def acme_selection_sees_me(ex: Exchange, ctx: CheckContext) -> None:
        pass

    try:
        after = {name for name, _ in _run(ex, every=False)[0]}
        assert after - before == {"acme-selection-sees-me"}
    finally:  # the catalogues' consistency tests see the suite's own checks and rules only
        checks.CHECKS.clear()
        checks.CHECKS.update(checks_before)
        RULES.clear()
        RULES.update(rules_before)
        checks.forget_selection()
    limit = len(str(case.params.get("serviceType", "")).encode())
    other = CheckContext(dataclasses.replace(CTX.knobs, service_type_max_bytes=limit))
    selected = checks._selected(case, other)
    assert "service-type-at-limit-accepted" in {c.name for c in selected}
    assert "service-type-at-limit-accepted" not in {c.name for c in checks._selected(case, CTX)}
