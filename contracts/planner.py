"""The plan of a live run within its message budget, made before anything is sent.

Every test gets an estimate: requests, and numbers *at risk* (numbers in requests that a faulty
platform could accept; see `contracts/client.py`). The estimate is an upper bound, built from the
cases themselves (boundaries are known exactly) or from the strategies' limits (a Hypothesis
example of a valid live submit has at most `Config.max_numbers` numbers). The budget is then
spent in this order, so that every rule is checked before anything is repeated:

1. Every test its cheapest case: one example, one variant on one transport (`Reach.ONE`).
   A test is left out only when even that does not fit: the dearest first, then every left-out
   test that fits in what remains is taken back, the cheapest first. The run's summary names
   them and the rules that went unchecked, and the run exits with `INCOMPLETE`.
2. Variant equivalence: tests widen to one variant on each transport, then to every variant,
   the cheapest widening first. A live case with more than `SMALL_CASE` numbers at risk widens
   no further than once per transport (exactly 100 numbers: 200, not 600).
3. Extra Hypothesis examples, evenly (the test with the fewest first, the cheapest of those
   first), up to `LIVE_EXAMPLES` each.

Only tests that send their cases through `Exerciser.all_variants` can be narrowed; the others
(declared, guessed, the state machine) cost the same at every step. A test may declare its own
cost with `@pytest.mark.okroute_cost(at_risk=N, requests=M)` (per example for a Hypothesis test);
a test the planner does not know is charged one number through every variant. The client's hard
cap holds whatever the plan says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from contracts.boundaries import boundary_cases
from contracts.cases import Case
from contracts.client import NoRoute, at_risk
from contracts.mutations import JSON_ONLY_DEFECTS, credentials_first_defects
from contracts.sparse import single_parameter_cases
from contracts.strategies import Config
from contracts.target import Target
from okroute_model.defects import Defect
from okroute_model.exitcodes import ExitCode as ExitCode  # re-exported: the table
from okroute_model.params import MAX_DNIS_COUNT, Command
from okroute_model.wire import Method

VARIANT_METHODS = len(Method)
SMALL_CASE = 3  # numbers at risk per request up to which a live case goes through all variants
LIVE_EXAMPLES = 5  # the live Hypothesis profile's examples per test
QUERY_SAMPLE = 6  # IDs of one successful submit queried at once (contracts/exercise.py)
ONE_METHOD = (Method.GET,)  # the variant a narrowed case travels in
COST_MARKER = "okroute_cost"


class Reach(IntEnum):
    """How widely a test's cases with numbers at risk travel."""

    ONE = 0  # one variant on one transport: the cheapest case
    PER_TRANSPORT = 1  # one variant on each transport
    ALL = 2  # every variant on every transport: variant equivalence


REACH_TEXT = {
    Reach.ONE: "one variant, one transport",
    Reach.PER_TRANSPORT: "once per transport",
    Reach.ALL: "all variants",
}


@dataclass(frozen=True)
class Limit:
    """What the exerciser sends a case with numbers at risk through (None: everything)."""

    methods: tuple[Method, ...]
    transports: int | None  # the first N transports; None: all


@dataclass
class Estimate:
    """One test in the plan. Costs are per example for a Hypothesis test, indexed by `Reach`."""

    test: str  # node id
    phase: str  # the suite module it belongs to
    requests_at: tuple[int, int, int]
    at_risk_at: tuple[int, int, int]
    examples: int | None = None  # planned examples; None: not a Hypothesis test
    max_examples: int | None = None
    reach: Reach = Reach.ALL
    widest: Reach = Reach.ALL  # a big live case stops at PER_TRANSPORT
    guessed: bool = False
    dropped: str | None = None  # why the test is left out
    narrowable: bool = True  # False: it sends its cases its own way, the same at every reach

    @property
    def example_at_risk(self) -> int:
        return self.at_risk_at[self.reach]

    @property
    def total_requests(self) -> int:
        return self.requests_at[self.reach] * (self.examples or 1) if self.dropped is None else 0

    @property
    def total_at_risk(self) -> int:
        return self.example_at_risk * (self.examples or 1) if self.dropped is None else 0

    @property
    def cheapest_at_risk(self) -> int:
        """Numbers at risk of its cheapest case: one example, one variant, one transport."""
        return self.at_risk_at[Reach.ONE]

    def widening(self) -> int | None:
        """Numbers at risk that one step wider costs; None when it is as wide as it goes."""
        if self.dropped or self.reach >= self.widest:
            return None
        step = self.at_risk_at[self.reach + 1] - self.at_risk_at[self.reach]
        return step * (self.examples or 1)


@dataclass
class Plan:
    budget: int
    estimates: list[Estimate] = field(default_factory=list)
    reserve: int = 0  # kept back beside the tests: the second account's messages (push_stream)

    @property
    def at_risk(self) -> int:
        return sum(e.total_at_risk for e in self.estimates)

    @property
    def requests(self) -> int:
        return sum(e.total_requests for e in self.estimates)

    @property
    def cheapest_at_risk(self) -> int:
        """Numbers at risk for every test's cheapest case: what checking every rule needs."""
        return sum(e.cheapest_at_risk for e in self.estimates)

    @property
    def dropped(self) -> list[Estimate]:
        return [e for e in self.estimates if e.dropped]

    @property
    def complete(self) -> bool:
        return not self.dropped

    def get(self, test: str) -> Estimate | None:
        return next((e for e in self.estimates if e.test == test), None)

    def limit(self, test: str) -> Limit | None:
        """What the test's cases with numbers at risk travel through, when not every variant."""
        e = self.get(test)
        if e is None or e.reach is Reach.ALL:
            return None
        return Limit(ONE_METHOD, 1 if e.reach is Reach.ONE else None)

    def narrowed(self) -> tuple[list[Estimate], int]:
        """Tests that run through fewer variants than they could, and examples not run."""
        kept = [e for e in self.estimates if not e.dropped]
        narrow = [e for e in kept if e.reach < e.widest]
        fewer = sum((e.max_examples or 0) - (e.examples or 0) for e in kept)
        return narrow, fewer

    def phases(self) -> dict[str, tuple[int, int]]:
        """Phase -> (requests, numbers at risk) planned."""
        out: dict[str, tuple[int, int]] = {}
        for e in self.estimates:
            r, n = out.get(e.phase, (0, 0))
            out[e.phase] = (r + e.total_requests, n + e.total_at_risk)
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "budget": self.budget,
            "planned_at_risk": self.at_risk,
            "reserve": self.reserve,
            "planned_requests": self.requests,
            "cheapest_at_risk": self.cheapest_at_risk,
            "complete": self.complete,
            "phases": {p: {"requests": r, "at_risk": n} for p, (r, n) in self.phases().items()},
            "tests": {
                e.test: {
                    "phase": e.phase,
                    "requests": e.total_requests,
                    "at_risk": e.total_at_risk,
                    "examples": e.examples,
                    "all_variants": e.reach is Reach.ALL,
                    "reach": REACH_TEXT[e.reach],
                    "not_run": e.dropped,
                }
                for e in self.estimates
            },
        }

    def lines(self) -> list[str]:
        """The plan, per phase and per test, for a person to read before anything is sent."""
        out = [
            f"okroute plan: budget {self.budget} numbers at risk"
            + (f" ({self.reserve} kept for the second account's messages)" if self.reserve else "")
            + f"; planned {self.at_risk} at risk in about {self.requests} requests"
        ]
        phases = self.phases()
        for phase in sorted(phases):
            requests, numbers = phases[phase]
            out.append(f"  {phase}: about {requests} requests, {numbers} at risk")
            for e in (e for e in self.estimates if e.phase == phase):
                out.append("    " + describe(e))
        out.append("  " + self.cut_line())
        if self.dropped:
            out.append(f"  not run for the budget: {len(self.dropped)} test(s)")
        return out

    def cut_line(self) -> str:
        """What the budget cut, in one line (the run's summary repeats it)."""
        narrow, fewer = self.narrowed()
        if not narrow and not fewer and not self.dropped:
            return "nothing cut for the budget: every test through every variant and example"
        cut = [f"{len(narrow)} test(s) through fewer variants"] if narrow else []
        cut += [f"{fewer} Hypothesis example(s) fewer"] if fewer else []
        kept = len(self.estimates) - len(self.dropped)
        ran = f"{kept} of {len(self.estimates)} tests run their cheapest case"
        return f"cut for the budget of {self.budget}: {', '.join(cut) or 'nothing'}; {ran}"


def describe(e: Estimate) -> str:
    name = e.test.split("::", 1)[-1]
    if e.dropped:
        return f"{name}: NOT RUN ({e.dropped})"
    examples = f", {e.examples} of {e.max_examples} examples" if e.examples is not None else ""
    guess = " (not estimated: a guess)" if e.guessed else ""
    how = REACH_TEXT[e.reach] if e.narrowable else "its own variants"
    return (
        f"{name}: about {e.total_requests} requests, {e.total_at_risk} at risk "
        f"({how}{examples}){guess}"
    )


# -- what each test costs --------------------------------------------------------------------


@dataclass(frozen=True)
class PlanContext:
    cfg: Config
    no_route: NoRoute
    transports: int
    secondary: bool
    no_route_dnis: str | None = None
    boundaries: tuple[Case, ...] = ()

    @property
    def cheap_oversize(self) -> bool:
        """Whether oversize dnis lists are built from numbers without a route."""
        return self.cfg.no_route_prefix is not None

    def defect_numbers(self, defect: str) -> int:
        """At most this many numbers at risk in one live request with `defect`."""
        if defect == Defect.MISSING_DNIS:
            return 0
        if defect == Defect.DNIS_TOO_MANY:
            return 0 if self.cheap_oversize else MAX_DNIS_COUNT + 20
        if defect == Defect.DNIS_TOO_LONG:  # a few numbers padded with spaces
            return 0 if self.cheap_oversize else self.cfg.invalid_numbers
        if defect == Defect.SPLIT_OR_PAYLOAD_MULTI:
            return max(self.cfg.invalid_numbers, 2)
        return self.cfg.invalid_numbers

    def methods(self, defect: str | None) -> int:
        return 2 if defect in JSON_ONLY_DEFECTS else VARIANT_METHODS


@dataclass(frozen=True)
class Shape:
    """What one example of a test sends: `submits` cases of `numbers` at risk each, each sent
    through up to `methods` methods on every transport and followed by `queries` queries (which
    risk nothing). A case with nothing at risk always goes through every variant."""

    numbers: int
    methods: int = VARIANT_METHODS
    submits: int = 1
    queries: int = 0
    per_example: bool = True
    narrowable: bool = True  # sent through `Exerciser.all_variants`, which follows the plan
    once: bool = False  # each case goes once, in a variant of its own: not narrowed

    def costs(self, transports: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """(requests, numbers at risk) at each `Reach`."""
        every = self.methods * transports
        if self.once:
            fans = (1, 1, 1)
        elif self.numbers and self.narrowable:
            fans = (1, transports, every)
        else:
            fans = (every, every, every)
        requests = tuple(self.submits * f * (1 + self.queries) for f in fans)
        risked = tuple(self.submits * f * self.numbers for f in fans)
        return requests, risked  # type: ignore[return-value]


Cost = Callable[[PlanContext, dict[str, object]], Shape]


def _valid_submit(ctx: PlanContext, params: dict[str, object]) -> Shape:
    return Shape(ctx.cfg.max_numbers, queries=QUERY_SAMPLE)


def _invalid_submit(ctx: PlanContext, params: dict[str, object]) -> Shape:
    defect = str(params.get("defect"))
    return Shape(ctx.defect_numbers(defect), ctx.methods(defect))


def _credentials_first(ctx: PlanContext, params: dict[str, object]) -> Shape:
    # With a no-route prefix only a malformed item (the other defect) stays routable.
    others = [d for d in credentials_first_defects(ctx.cfg) if d not in JSON_ONLY_DEFECTS]
    return Shape(1 if ctx.cheap_oversize else max(ctx.defect_numbers(d) for d in others))


def _submit_credentials(ctx: PlanContext, params: dict[str, object]) -> Shape:
    return Shape(ctx.cfg.invalid_numbers)  # one number with a route


def _free(per_example: bool, queries: int = 1) -> Cost:
    def cost(ctx: PlanContext, params: dict[str, object]) -> Shape:
        return Shape(0, submits=queries, per_example=per_example)

    return cost


def _small_submits(count: int, queries: int) -> Cost:
    """`count` one-number submits through every variant, each followed by `queries` queries."""

    def cost(ctx: PlanContext, params: dict[str, object]) -> Shape:
        return Shape(1, submits=count, queries=queries, per_example=False)

    return cost


def _state_machine(ctx: PlanContext, params: dict[str, object]) -> Shape:
    # contracts/suite/test_6_stateful.py: 3 live examples of 8 steps, each a submit of <= 2,
    # through variants of its own drawing (the plan cannot narrow them).
    steps = 3 * 8
    return Shape(2, submits=steps, queries=1, per_example=False, once=True)


def _push(ctx: PlanContext, params: dict[str, object]) -> Shape:
    # contracts/suite/test_9_push.py: four one-number submits on one variant (one from the
    # second account), each followed until final and queried once more.
    return Shape(1, submits=4, queries=QUERY_SAMPLE, per_example=False, once=True)


def _sparse_one_at_a_time(ctx: PlanContext, params: dict[str, object]) -> Shape:
    command = Command(str(params.get("command")))
    cases = list(single_parameter_cases(ctx.cfg, command))
    return Shape(_sparse_numbers(ctx, command), submits=len(cases), per_example=False)


def _sparse_drawn(ctx: PlanContext, params: dict[str, object]) -> Shape:
    return Shape(_sparse_numbers(ctx, Command(str(params["command"]))))


def _sparse_numbers(ctx: PlanContext, command: Command) -> int:
    """A sparse submit has the numbers of an invalid one, moved to the no-route range when there
    is one; query and mo send no SMS."""
    if command != Command.SUBMIT or ctx.cheap_oversize:
        return 0
    return ctx.cfg.invalid_numbers


def _time_phase(ctx: PlanContext, params: dict[str, object]) -> Shape:
    # contracts/aging.py: five IDs queried per transport; one message of its own (GET, once)
    # only in a run that saw no final status, e.g. a targeted one.
    return Shape(1, queries=5 * ctx.transports + 1, per_example=False, once=True)


COSTS: dict[str, Cost] = {
    "test_valid_submit": _valid_submit,
    "test_invalid_submit": _invalid_submit,
    "test_submit_credentials": _submit_credentials,
    "test_credentials_judged_first": _credentials_first,
    "test_query_credentials": _free(True),
    "test_mo_credentials": _free(True),
    "test_mo": _free(True),
    "test_never_issued_id": _free(True),
    "test_other_account_cannot_read": _small_submits(1, VARIANT_METHODS * 2),
    "test_own_id_through_every_variant": _small_submits(1, VARIANT_METHODS * 2),
    "test_statuses_reach_a_stable_final": _small_submits(3, 8),
    "test_delivery_state_machine": _state_machine,
    "test_each_required_parameter_left_out": _sparse_one_at_a_time,
    "test_sparse_request": _sparse_drawn,
    "test_old_ids_stay_known_and_final": _time_phase,
    # Raw probes are budget-safe by construction (contracts/probes.py) and go around the client.
    "test_raw_input": _free(False),
    "test_pushes_follow_the_contract": _push,
}


@dataclass(frozen=True)
class Item:
    """What the planner needs of one collected test."""

    test: str
    phase: str
    function: str
    params: dict[str, object]
    hypothesis: bool
    declared: tuple[int, int] | None = None  # (at_risk, requests) from the okroute_cost mark


def estimate(item: Item, ctx: PlanContext) -> Estimate:
    examples = LIVE_EXAMPLES if item.hypothesis else None
    common = {"test": item.test, "phase": item.phase}
    if item.function == "test_boundary":
        shape, guessed = _boundary(item, ctx), False
    elif item.declared is not None:
        numbers, requests = item.declared
        fixed = Estimate(
            requests_at=(requests,) * 3, at_risk_at=(numbers,) * 3, narrowable=False, **common
        )
        fixed.examples = examples
        return fixed
    else:
        cost = COSTS.get(item.function)
        guessed = cost is None
        # A test the planner does not know: one number through every variant, not narrowed.
        shape = Shape(1, narrowable=False) if cost is None else cost(ctx, item.params)
    requests, risked = shape.costs(ctx.transports)
    big = ctx.cfg.live and shape.numbers > SMALL_CASE
    return Estimate(
        requests_at=requests,
        at_risk_at=risked,
        examples=examples if shape.per_example else None,
        widest=Reach.PER_TRANSPORT if big else Reach.ALL,
        guessed=guessed,
        narrowable=shape.narrowable and not shape.once,
        **common,
    )


def _boundary(item: Item, ctx: PlanContext) -> Shape:
    cases = ctx.boundaries
    index = int(item.params.get("boundary", 0))  # type: ignore[arg-type]
    if index >= len(cases):
        return Shape(0, methods=0, per_example=False)  # skipped: no number without a route
    case: Case = cases[index]
    queries = QUERY_SAMPLE if case.defect is None else 0
    return Shape(at_risk(case, ctx.no_route), len(case.methods), queries=queries, per_example=False)


# -- fitting the budget ----------------------------------------------------------------------


def fit(plan: Plan) -> Plan:
    """Spend the budget in the order of the module's docstring."""
    room = max(plan.budget - plan.reserve, 0)
    for e in plan.estimates:
        e.max_examples = e.examples
        e.examples = 1 if e.examples is not None else None
        e.reach = Reach.ONE
    _leave_out(plan, room)
    _widen(plan, room)
    _add_examples(plan, room)
    return plan


def _leave_out(plan: Plan, room: int) -> None:
    """Leave out the dearest cheapest cases until the rest fits, then take back every left-out
    test that fits in what remains, the cheapest first."""
    left_out: list[Estimate] = []
    while plan.at_risk > room:
        dearest = max(plan.estimates, key=lambda e: e.total_at_risk)
        left_out.append(dearest)
        dearest.dropped = "left out"
    for e in sorted(left_out, key=lambda e: e.example_at_risk):
        e.dropped = None
        if plan.at_risk > room:
            e.dropped = "left out"
    spare = room - plan.at_risk
    for e in plan.dropped:
        e.dropped = (
            f"its cheapest case needs {e.example_at_risk} numbers at risk; "
            f"the cheapest cases of the tests that run leave {spare} of the budget of "
            f"{plan.budget}"
        )


def _widen(plan: Plan, room: int) -> None:
    """Variant equivalence: one step wider at a time, the cheapest step first."""
    spent = plan.at_risk
    while True:
        steps = [(cost, e) for e in plan.estimates if (cost := e.widening()) is not None]
        if not steps:
            return
        cost, e = min(steps, key=lambda s: s[0])
        if spent + cost > room:
            return  # the cheapest step does not fit: no dearer one does
        e.reach = Reach(e.reach + 1)
        spent += cost


def _add_examples(plan: Plan, room: int) -> None:
    """Extra Hypothesis examples, evenly: the test with the fewest first, the cheapest of those."""
    spent = plan.at_risk
    while True:
        left = room - spent
        wanting = [
            e
            for e in plan.estimates
            if not e.dropped
            and e.examples is not None
            and e.examples < (e.max_examples or 0)
            and e.example_at_risk <= left
        ]
        if not wanting:
            return
        e = min(wanting, key=lambda e: (e.examples, e.example_at_risk))
        e.examples += 1  # type: ignore[operator]
        spent += e.example_at_risk


def context(cfg: Config, target: Target) -> PlanContext:
    return PlanContext(
        cfg,
        NoRoute.of(target),
        len(target.transports),
        target.secondary is not None,
        target.no_route_dnis,
        tuple(boundary_cases(cfg, target.no_route_dnis)),
    )


def make_plan(items: Iterable[Item], ctx: PlanContext, budget: int, reserve: int = 0) -> Plan:
    return fit(Plan(budget, [estimate(i, ctx) for i in items], reserve))
