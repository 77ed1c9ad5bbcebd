"""The plan of a live run within its message budget, made before anything is sent.

Every test gets an estimate: requests, and numbers *at risk* (numbers in requests that a faulty
platform could accept; see `contracts/client.py`). The estimate is an upper bound, built from the
cases themselves (boundaries are known exactly) or from the strategies' limits (a Hypothesis
example of a valid live submit has at most `Config.max_numbers` numbers). Then, in order, until
the total fits the budget:

1. Small cases go through all six variants (equivalence is cheap); a live case with more than
   `SMALL_CASE` numbers at risk goes once per transport (exactly 100 numbers: 200, not 600).
2. Hypothesis tests lose examples evenly (the test with the most examples left first, the
   dearest of those first), down to one each.
3. Six-variant cases that still cost numbers go once per transport.
4. Tests are left out, the dearest first: only a test whose cheapest case (one example, once per
   transport) the budget cannot cover. The run's summary names them, and the rules that went
   unchecked, and the run exits with `INCOMPLETE`.

A test may declare its own cost with `@pytest.mark.okroute_cost(at_risk=N, requests=M)` (per
example for a Hypothesis test); a test the planner does not know is charged `UNKNOWN_AT_RISK`.
The client's hard cap holds whatever the plan says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from contracts.boundaries import boundary_cases
from contracts.cases import Case
from contracts.client import NoRoute, at_risk
from contracts.strategies import JSON_ONLY_DEFECTS, SUBMIT_DEFECTS, Config
from contracts.target import Target
from okroute_model.exitcodes import ExitCode as ExitCode  # re-exported: the table
from okroute_model.params import MAX_DNIS_COUNT
from okroute_model.wire import Method

VARIANT_METHODS = len(Method)
SMALL_CASE = 3  # numbers at risk per request up to which a live case goes through all variants
LIVE_EXAMPLES = 5  # the live Hypothesis profile's examples per test
QUERY_SAMPLE = 6  # IDs of one successful submit queried at once (contracts/exercise.py)
UNKNOWN_AT_RISK = 6  # a test the planner does not know: one number through six variants
ONCE_PER_TRANSPORT = (Method.GET,)
COST_MARKER = "okroute_cost"


@dataclass
class Estimate:
    """One test in the plan."""

    test: str  # node id
    phase: str  # the suite module it belongs to
    requests: int  # per example for a Hypothesis test, else in all
    at_risk: int
    examples: int | None = None  # planned examples; None: not a Hypothesis test
    max_examples: int | None = None
    six_variants: bool = True  # False: once per transport
    transports: int = 2
    shrinkable: bool = False  # may go once per transport to fit (a boundary case)
    guessed: bool = False
    dropped: str | None = None  # why the test is left out

    @property
    def total_requests(self) -> int:
        per = self.requests if self.six_variants else self._per_transport(self.requests)
        return per * (self.examples or 1) if self.dropped is None else 0

    @property
    def total_at_risk(self) -> int:
        return self.example_at_risk * (self.examples or 1) if self.dropped is None else 0

    @property
    def example_at_risk(self) -> int:
        return self.at_risk if self.six_variants else self._per_transport(self.at_risk)

    def _per_transport(self, per_six: int) -> int:
        return -(-per_six // VARIANT_METHODS)  # one variant of three, on each transport


@dataclass
class Plan:
    budget: int
    estimates: list[Estimate] = field(default_factory=list)
    reserve: int = 0  # kept back for what runs after the suite (okroute-verify's phases)

    @property
    def at_risk(self) -> int:
        return sum(e.total_at_risk for e in self.estimates)

    @property
    def requests(self) -> int:
        return sum(e.total_requests for e in self.estimates)

    @property
    def dropped(self) -> list[Estimate]:
        return [e for e in self.estimates if e.dropped]

    @property
    def complete(self) -> bool:
        return not self.dropped

    def get(self, test: str) -> Estimate | None:
        return next((e for e in self.estimates if e.test == test), None)

    def methods(self, test: str) -> tuple[Method, ...] | None:
        e = self.get(test)
        return None if e is None or e.six_variants else ONCE_PER_TRANSPORT

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
            "planned_requests": self.requests,
            "complete": self.complete,
            "phases": {p: {"requests": r, "at_risk": n} for p, (r, n) in self.phases().items()},
            "tests": {
                e.test: {
                    "phase": e.phase,
                    "requests": e.total_requests,
                    "at_risk": e.total_at_risk,
                    "examples": e.examples,
                    "all_variants": e.six_variants,
                    "not_run": e.dropped,
                }
                for e in self.estimates
            },
        }

    def lines(self) -> list[str]:
        """The plan, per phase and per test, for a person to read before anything is sent."""
        out = [
            f"okroute plan: budget {self.budget} numbers at risk"
            + (f" ({self.reserve} kept for later phases)" if self.reserve else "")
            + f"; planned {self.at_risk} at risk in about {self.requests} requests"
        ]
        phases = self.phases()
        for phase in sorted(phases):
            requests, numbers = phases[phase]
            out.append(f"  {phase}: about {requests} requests, {numbers} at risk")
            for e in (e for e in self.estimates if e.phase == phase):
                out.append("    " + describe(e))
        if self.dropped:
            out.append(f"  not run for the budget: {len(self.dropped)} test(s)")
        return out


def describe(e: Estimate) -> str:
    name = e.test.split("::", 1)[-1]
    if e.dropped:
        return f"{name}: NOT RUN ({e.dropped})"
    how = "all variants" if e.six_variants else "once per transport"
    examples = f", {e.examples} of {e.max_examples} examples" if e.examples is not None else ""
    guess = " (not estimated: a guess)" if e.guessed else ""
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
        if defect == "missing-dnis":
            return 0
        if defect in ("dnis-too-many", "dnis-too-long"):
            return 0 if self.cheap_oversize else MAX_DNIS_COUNT + 20
        if defect == "split-or-payload-multi":
            return max(self.cfg.invalid_numbers, 2)
        return self.cfg.invalid_numbers

    def methods(self, defect: str | None) -> int:
        return 2 if defect in JSON_ONLY_DEFECTS else VARIANT_METHODS


Cost = Callable[[PlanContext, dict[str, object]], tuple[int, int, bool]]
# -> (requests, numbers at risk, per example?) of one test


def _per_variant(ctx: PlanContext, numbers: int, methods: int = VARIANT_METHODS) -> tuple[int, int]:
    variants = methods * ctx.transports
    return variants, numbers * variants


def _valid_submit(ctx: PlanContext, params: dict[str, object]) -> tuple[int, int, bool]:
    requests, numbers = _per_variant(ctx, ctx.cfg.max_numbers)
    return requests * (1 + QUERY_SAMPLE), numbers, True


def _invalid_submit(ctx: PlanContext, params: dict[str, object]) -> tuple[int, int, bool]:
    defect = str(params.get("defect"))
    requests, numbers = _per_variant(ctx, ctx.defect_numbers(defect), ctx.methods(defect))
    return requests, numbers, True


def _credentials_first(ctx: PlanContext, params: dict[str, object]) -> tuple[int, int, bool]:
    # With a no-route prefix only a malformed item (the other defect) stays routable.
    others = [d for d in SUBMIT_DEFECTS if d not in JSON_ONLY_DEFECTS]
    worst = 1 if ctx.cheap_oversize else max(ctx.defect_numbers(d) for d in others)
    requests, numbers = _per_variant(ctx, worst)
    return requests, numbers, True


def _submit_credentials(ctx: PlanContext, params: dict[str, object]) -> tuple[int, int, bool]:
    requests, numbers = _per_variant(ctx, ctx.cfg.invalid_numbers)  # one number with a route
    return requests, numbers, True


def _free(per_example: bool, queries: int = 1) -> Cost:
    def cost(ctx: PlanContext, params: dict[str, object]) -> tuple[int, int, bool]:
        requests, _ = _per_variant(ctx, 0)
        return requests * queries, 0, per_example

    return cost


def _small_submits(count: int, queries: int) -> Cost:
    """`count` one-number submits through every variant, each followed by `queries` queries."""

    def cost(ctx: PlanContext, params: dict[str, object]) -> tuple[int, int, bool]:
        requests, numbers = _per_variant(ctx, 1)
        return count * requests * (1 + queries), count * numbers, False

    return cost


def _state_machine(ctx: PlanContext, params: dict[str, object]) -> tuple[int, int, bool]:
    # contracts/suite/test_6_stateful.py: 3 live examples of 8 steps, each a submit of <= 2.
    steps = 3 * 8
    return steps * 2, steps * 2, False


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
    common = {"test": item.test, "phase": item.phase, "transports": ctx.transports}
    if item.function == "test_boundary":
        return _boundary(item, ctx, common)
    if item.declared is not None:
        numbers, requests = item.declared
        return Estimate(requests=requests, at_risk=numbers, examples=examples, **common)
    cost = COSTS.get(item.function)
    if cost is None:
        return Estimate(
            requests=VARIANT_METHODS * ctx.transports,
            at_risk=UNKNOWN_AT_RISK,
            examples=examples,
            guessed=True,
            **common,
        )
    requests, numbers, per_example = cost(ctx, item.params)
    return Estimate(
        requests=requests,
        at_risk=numbers,
        examples=examples if per_example else None,
        **common,
    )


def _boundary(item: Item, ctx: PlanContext, common: dict) -> Estimate:
    cases = ctx.boundaries
    index = int(item.params.get("boundary", 0))  # type: ignore[arg-type]
    if index >= len(cases):
        return Estimate(requests=0, at_risk=0, **common)
    case: Case = cases[index]
    variants = len(case.methods) * ctx.transports
    each = at_risk(case, ctx.no_route)
    queries = QUERY_SAMPLE if case.defect is None else 0
    big = ctx.cfg.live and each > SMALL_CASE
    return Estimate(
        requests=variants * (1 + queries),
        at_risk=each * variants,
        six_variants=not big,
        shrinkable=each > 0,
        **common,
    )


# -- fitting the budget ----------------------------------------------------------------------


def fit(plan: Plan) -> Plan:
    """Make the plan fit its budget (steps 2 to 4 of the module's docstring)."""
    room = plan.budget - plan.reserve
    for e in plan.estimates:
        e.max_examples = e.examples
    hypothesis = [e for e in plan.estimates if e.examples is not None]
    while plan.at_risk > room:
        # Evenly: an example from the test with the most left, the dearest of those first.
        dearest = max(
            (e for e in hypothesis if e.examples and e.examples > 1 and e.example_at_risk > 0),
            key=lambda e: (e.examples, e.example_at_risk),
            default=None,
        )
        if dearest is None:
            break
        dearest.examples -= 1  # type: ignore[operator]
    for e in sorted(plan.estimates, key=lambda e: -e.total_at_risk):
        if plan.at_risk <= room:
            break
        if e.shrinkable and e.six_variants:
            e.six_variants = False
    # Keep as many tests as fit: leave out the dearest until the rest fits, then take back
    # every left-out test that fits in what remains, the cheapest first.
    left_out: list[Estimate] = []
    while plan.at_risk > room:
        dearest = max(plan.estimates, key=lambda e: e.total_at_risk)
        left_out.append(dearest)
        dearest.dropped = "left out"
    for e in sorted(left_out, key=lambda e: e.example_at_risk * (e.examples or 1)):
        e.dropped = None
        if plan.at_risk > room:
            e.dropped = "left out"
    spare = room - plan.at_risk
    for e in plan.dropped:
        e.dropped = (
            f"its cheapest case needs {e.example_at_risk * (e.examples or 1)} numbers at risk; "
            f"the tests that run leave {spare} of the budget of {plan.budget}"
        )
    return plan


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
