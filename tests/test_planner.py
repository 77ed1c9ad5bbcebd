"""The message budget without a platform: the two counts, cheap rejected cases, the plan, the
fair shares of okroute-verify, and the polite default rate."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.boundaries import boundary_cases
from contracts.cases import Case
from contracts.client import NoRoute, at_risk, sent_in
from contracts.exchange import Exchange, Response
from contracts.mutations import (
    bad_credentials,
    bad_credentials_on_invalid_submit,
    credentials_first_defects,
    invalid_submit,
)
from contracts.planner import (
    LIVE_EXAMPLES,
    Item,
    Limit,
    Plan,
    PlanContext,
    Reach,
    estimate,
    fit,
)
from contracts.strategies import Config, valid_submits
from contracts.target import live_target
from okroute_model.defects import CREDENTIAL_DEFECTS, Defect
from okroute_model.environment import MOCK_DNIS_PREFIX, MOCK_NO_ROUTE_PREFIX, Env
from okroute_model.errors import DNIS_TOO_LONG, NOT_AUTHORIZED
from okroute_model.params import MAX_DNIS_COUNT, Command
from okroute_model.profile import load_profile
from okroute_model.secrets import Credentials
from okroute_model.wire import ApiRequest, Method, Transport, Variant, WireRequest
from okroute_verify.run import fair_shares

KNOBS = load_profile().platform
LIVE = Config(
    Credentials("u", "p-planner-secret"),
    KNOBS,
    MOCK_DNIS_PREFIX,
    live=True,
    no_route_prefix=MOCK_NO_ROUTE_PREFIX,
)
NO_ROUTE = NoRoute(prefix=MOCK_NO_ROUTE_PREFIX)


def submit(dnis: str) -> Case:
    return Case(ApiRequest(Command.SUBMIT, "u", "p", (("dnis", dnis), ("message", "x"))))


def answered(case: Case, status: int, body: object) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    wire = WireRequest("GET", "/", "", (), b"")
    variant = Variant(Method.GET, Transport.HTTP)
    return Exchange(case, variant, "http://x", wire, Response(status, {}, raw))


# -- the two counts --------------------------------------------------------------------------


def test_numbers_without_a_route_are_not_at_risk() -> None:
    case = submit(f"{MOCK_DNIS_PREFIX}0001,{MOCK_NO_ROUTE_PREFIX}00000001,{MOCK_DNIS_PREFIX}0001")
    assert at_risk(case) == 3
    assert at_risk(case, NO_ROUTE) == 2  # the duplicate counts: it gets its own entry
    assert at_risk(case, NoRoute(number=f"{MOCK_DNIS_PREFIX}0001")) == 1
    mo = Case(ApiRequest(Command.MO, "u", "p", (("dnis", "4477009001"), ("ani", "1"))))
    assert at_risk(mo) == 0  # mo sends nothing to a subscriber


@pytest.mark.parametrize(
    ("status", "body", "sent"),
    [
        (200, {"message_id": "a"}, 1),
        (200, [{"dnis": "1", "message_id": "a", "segment_num": "1"}] * 2, 2),
        (
            200,
            [
                {"dnis": "1", "message_id": "a", "segment_num": "1"},
                {"dnis": "1", "message_id": "b", "segment_num": "2"},
                {"dnis": "2", "message_id": "c"},
            ],
            2,
        ),
        (200, b"OK a b c", 3),  # unreadable: everything at risk may have been sent
        (DNIS_TOO_LONG.status, DNIS_TOO_LONG.text.encode(), 0),
        (NOT_AUTHORIZED.status, NOT_AUTHORIZED.text.encode(), 0),
        (500, b"Internal Server Error", 3),  # not a rejection: it may have stored them first
        (503, b"", 3),
    ],
)
def test_sent_is_read_from_the_answer(status: int, body: object, sent: int) -> None:
    assert sent_in(answered(submit("1,2,3"), status, body), risked=3) == sent


def test_a_submit_left_unanswered_counts_as_sent() -> None:
    exchange = answered(submit("1,2,3"), 200, {"message_id": "a"})
    exchange.response = None  # the connection failed or timed out after the request went out
    assert sent_in(exchange, risked=3) == 3


# -- cheap rejected cases --------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_oversize_lists_put_nothing_at_risk(data) -> None:
    for defect in (Defect.DNIS_TOO_MANY, Defect.DNIS_TOO_LONG):
        case = data.draw(invalid_submit(LIVE, defect))
        assert at_risk(case, NO_ROUTE) == 0, case.request.get("dnis")


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), defect=st.sampled_from(CREDENTIAL_DEFECTS))
def test_wrong_credentials_carry_one_number(data, defect: str) -> None:
    case = data.draw(bad_credentials(LIVE, valid_submits(LIVE), defect))
    assert len(str(case.request.get("dnis")).split(",")) == 1
    assert at_risk(case, NO_ROUTE) == 1  # with a route: a leaked ID must be possible to see
    first = data.draw(bad_credentials_on_invalid_submit(LIVE, defect))
    assert at_risk(first, NO_ROUTE) <= 1  # only a malformed item (the other defect) stays


def test_the_over_limit_boundaries_risk_one_number_and_the_100_boundary_all() -> None:
    # Over a limit, one number is routable so that a platform wrongly accepting the field would
    # issue an ID the check can see; the rest sit in the no-route range.
    cases = {c.note: c for c in boundary_cases(LIVE)}
    assert at_risk(cases["101 numbers"], NO_ROUTE) == 1
    assert at_risk(cases["exactly 100 numbers"], NO_ROUTE) == 100
    too_long = next(c for c in cases.values() if c.defect == Defect.DNIS_TOO_LONG)
    assert at_risk(too_long, NO_ROUTE) == 1


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_valid_numbers_avoid_a_no_route_range_inside_the_test_range(data) -> None:
    inner = Config(LIVE.credentials, KNOBS, "4477009", live=True, no_route_prefix="44770099")
    case = data.draw(valid_submits(inner))
    assert not any(n.startswith("44770099") for n in case.numbers)


# -- the plan --------------------------------------------------------------------------------


def ctx(no_route_prefix: str | None = MOCK_NO_ROUTE_PREFIX) -> PlanContext:
    cfg = Config(
        LIVE.credentials, KNOBS, MOCK_DNIS_PREFIX, live=True, no_route_prefix=no_route_prefix
    )
    nr = NoRoute(prefix=no_route_prefix)
    return PlanContext(cfg, nr, 2, True, None, tuple(boundary_cases(cfg)))


def items() -> list[Item]:
    """A cut of the suite: boundaries, valid and invalid submits (the oversize lists too),
    credentials."""
    boundary = [
        Item(f"b::test_boundary[{i}]", "boundaries", "test_boundary", {"boundary": i}, False)
        for i in range(len(boundary_cases(LIVE)))
    ]
    invalid = [
        Item(f"s::test_invalid_submit[{d}]", "submit", "test_invalid_submit", {"defect": d}, True)
        for d in (Defect.MISSING_MESSAGE, Defect.DNIS_TOO_MANY, Defect.DNIS_TOO_LONG)
    ]
    first = [
        Item(f"a::test_credentials_judged_first[{d}]", "auth", "test_credentials_judged_first",
             {"defect": d}, True)
        for d in CREDENTIAL_DEFECTS
    ]  # fmt: skip
    return [
        *boundary,
        Item("s::test_valid_submit", "submit", "test_valid_submit", {}, True),
        *invalid,
        *first,
        Item("z::test_unknown", "other", "test_unknown", {}, True),
    ]


def plan(budget: int, context: PlanContext | None = None) -> Plan:
    context = context or ctx()
    return fit(Plan(budget, [estimate(i, context) for i in items()]))


def test_a_big_case_goes_once_per_transport_and_small_ones_through_every_variant() -> None:
    p = plan(10_000)
    hundred = next(e for e in p.estimates if e.at_risk_at[Reach.ALL] == 600)
    assert hundred.reach is Reach.PER_TRANSPORT and hundred.total_at_risk == 200
    assert p.limit(hundred.test) == Limit((Method.GET,), None)
    small = p.get("b::test_boundary[0]")
    assert small is not None and small.reach is Reach.ALL and small.total_at_risk == 6
    assert p.limit(small.test) is None
    assert p.complete and p.get("s::test_valid_submit").examples == LIVE_EXAMPLES  # type: ignore[union-attr]
    assert p.get("z::test_unknown").guessed  # type: ignore[union-attr]
    assert "nothing cut for the budget" in p.cut_line()


def test_a_tight_budget_takes_examples_before_variants_and_both_before_tests() -> None:
    full = plan(10_000).at_risk
    p = plan(full - 20)
    assert p.complete and p.at_risk <= full - 20
    assert any(e.examples is not None and e.examples < LIVE_EXAMPLES for e in p.estimates)
    assert all(e.reach == e.widest for e in p.estimates)  # equivalence kept, examples cut
    assert "Hypothesis example(s) fewer" in p.cut_line()


@pytest.mark.parametrize("no_route_prefix", [None, MOCK_NO_ROUTE_PREFIX])
@pytest.mark.parametrize("budget", [100, 40, 0])
def test_a_small_budget_leaves_out_tests_and_says_why(
    budget: int, no_route_prefix: str | None
) -> None:
    p = plan(budget, ctx(no_route_prefix))
    assert p.at_risk <= budget and not p.complete
    for e in p.dropped:
        assert e.dropped and f"budget of {budget}" in e.dropped and e.total_at_risk == 0
    # Nothing is left out whose cheapest case the budget could still cover.
    spare = budget - sum(e.cheapest_at_risk for e in p.estimates if not e.dropped)
    assert all(e.cheapest_at_risk > spare for e in p.dropped)
    text = "\n".join(p.lines())
    assert f"budget {budget} numbers at risk" in text and "NOT RUN" in text


@pytest.mark.parametrize("no_route_prefix", [None, MOCK_NO_ROUTE_PREFIX])
@pytest.mark.parametrize("budget", [1000, 3000])
def test_every_test_runs_its_cheapest_case_before_anything_is_repeated(
    budget: int, no_route_prefix: str | None
) -> None:
    # Without a no-route prefix the oversize lists cost 100+ numbers each: once, on one
    # variant and one transport, they fit beside everything else (issue 18: they were planned
    # through six variants, 720 numbers at risk, and left out).
    p = plan(budget, ctx(no_route_prefix))
    assert p.complete, [e.dropped for e in p.dropped]
    assert p.at_risk <= budget
    # The budget is really spent: nothing more fits, neither a wider step nor an example.
    left = budget - p.at_risk
    assert all((e.widening() or 0) > left for e in p.estimates if e.widening() is not None)
    assert all(
        e.example_at_risk > left
        for e in p.estimates
        if e.examples is not None and e.examples < (e.max_examples or 0)
    )


def test_the_cheapest_case_is_one_variant_on_one_transport() -> None:
    p = plan(10_000, ctx(None))
    too_many = p.get("s::test_invalid_submit[dnis-too-many]")
    assert too_many is not None and too_many.cheapest_at_risk == MAX_DNIS_COUNT + 20
    lean = fit(Plan(too_many.cheapest_at_risk, [too_many]))
    assert lean.complete and lean.limit(too_many.test) == Limit((Method.GET,), 1)


def test_credentials_first_avoids_oversize_lists_without_a_no_route_prefix() -> None:
    cheap, dear = ctx(), ctx(None)
    assert "dnis-too-many" in credentials_first_defects(cheap.cfg)
    assert not {"dnis-too-many", "dnis-too-long"} & set(credentials_first_defects(dear.cfg))
    first = plan(10_000, dear).get("a::test_credentials_judged_first[wrong-password]")
    assert first is not None and first.cheapest_at_risk <= 2


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), defect=st.sampled_from(CREDENTIAL_DEFECTS))
def test_credentials_first_without_a_prefix_risks_at_most_two_numbers(data, defect: str) -> None:
    dear = ctx(None).cfg
    case = data.draw(bad_credentials_on_invalid_submit(dear, defect))
    assert at_risk(case) <= 2, case.note


def test_without_a_no_route_prefix_oversize_lists_cost_their_numbers() -> None:
    cheap, dear = ctx(), ctx(None)
    assert cheap.defect_numbers(Defect.DNIS_TOO_MANY) == 0
    assert dear.defect_numbers(Defect.DNIS_TOO_MANY) > 100


def test_a_no_route_prefix_serves_the_no_routes_check() -> None:
    env = {
        Env.HTTP_URL: "http://127.0.0.1:9",
        Env.USERNAME: "u",
        Env.PASSWORD: "p-planner-secret",
        Env.DNIS_PREFIX: MOCK_DNIS_PREFIX,
        Env.NO_ROUTE_PREFIX: MOCK_NO_ROUTE_PREFIX,
    }
    target = live_target({}, load_profile(), env)
    assert target.no_route_dnis and NO_ROUTE.covers(target.no_route_dnis)
    cases = boundary_cases(LIVE, target.no_route_dnis)
    assert cases[-1].defect == "no-route" and at_risk(cases[-1], NO_ROUTE) == 0


# -- okroute-verify's fair shares ------------------------------------------------------------


NEEDS = {"contract": 998, "fingerprint": 19, "load": 113}


@pytest.mark.parametrize(
    ("budget", "needs", "shares"),
    [
        (1000, NEEDS, (868, 19, 113)),  # the small phases get all they need
        (3000, NEEDS, (998, 19, 113)),  # everybody gets all
        (90, NEEDS, (36, 19, 35)),  # what is left is split evenly
        (0, {"contract": 5, "fingerprint": 5, "load": 5}, (0, 0, 0)),
    ],
)
def test_phases_share_one_budget_fairly(budget: int, needs: dict, shares: tuple) -> None:
    got = fair_shares(budget, needs)
    assert (got["contract"], got["fingerprint"], got["load"]) == shares
    assert sum(got.values()) <= budget


@pytest.mark.parametrize(
    ("budget", "shares"),
    [
        (1000, (841, 19, 140)),  # the floors, then the extras (max-min alone: contract 491)
        (719, (700, 19, 0)),  # exactly the floors: every contract test's cheapest case
        (600, (581, 19, 0)),  # the floors do not fit: they are shared, none starves
    ],
)
def test_every_phase_gets_its_floor_before_any_phase_its_extras(budget: int, shares: tuple) -> None:
    needs = {"contract": 2000, "fingerprint": 19, "load": 600}
    floors = {"contract": 700, "fingerprint": 19}  # the load smoke repeats: no floor
    got = fair_shares(budget, needs, floors)
    assert (got["contract"], got["fingerprint"], got["load"]) == shares
    assert sum(got.values()) <= budget
    assert fair_shares(1000, needs)["contract"] == 491  # without floors: below its floor


# -- polite by default -----------------------------------------------------------------------


def test_a_live_run_is_polite_unless_told_otherwise() -> None:
    env = {
        Env.HTTP_URL: "http://127.0.0.1:9",
        Env.USERNAME: "u",
        Env.PASSWORD: "p-planner-secret",
        Env.DNIS_PREFIX: MOCK_DNIS_PREFIX,
    }
    profile = load_profile()
    assert 0 < live_target({}, profile, env).rate <= 20
    assert live_target({}, profile, {**env, Env.RATE: "0"}).rate == 0
