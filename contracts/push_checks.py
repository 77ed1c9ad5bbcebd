"""The checks of pushed delivery reports and MO (§7): one rule each, judged on every push.

A push is not an answer to a request the suite sent, so these checks judge a `PushRun`: the
pushes received, the IDs the suite was given (and by which account), the final status `query`
answered after each final push, and the messages the suite waited on. Pushes for IDs the suite
did not submit are asked of query with the receiving account's credentials (`strangers`): an ID
the account knows is its other traffic; `UNKNOWN` means the platform pushed an ID it never issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.checks import CheckContext, _settle
from contracts.failures import ContractViolation, Violation
from contracts.push_whole import NEVER_ISSUED
from okroute_model.push import Push, PushKind, format_problems, status_problem
from okroute_model.rules import RULES, Rule
from okroute_model.secrets import MASKER
from okroute_model.statuses import FINAL_STATUSES

SHOWN_PROBLEMS = 3


@dataclass
class PushRun:
    pushes: list[Push]
    owners: dict[str, str]  # message ID -> the account that was given it
    queried_after: dict[str, str]  # message ID -> status query answered after its final push
    waited: list[list[str]]  # messages (IDs of one number's segments) that reached a final status
    secrets: tuple[str, ...]  # the accounts' passwords
    refused: frozenset[str] = frozenset()  # IDs whose pushes the receiver refused on purpose
    # pushed IDs the run was never given -> push_whole.NEVER_ISSUED, or what query answered
    strangers: dict[str, str] = field(default_factory=dict)
    _by_id: dict[str, list[Push]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for push in self.pushes:
            if push.kind is PushKind.DLR:
                self._by_id.setdefault(push.app_msg_id, []).append(push)

    def of(self, message_id: str) -> list[Push]:
        """The DLR pushes for one ID, in arrival order."""
        return self._by_id.get(message_id, [])

    def dlrs(self) -> list[Push]:
        return [p for p in self.pushes if p.kind is not PushKind.MO]

    def own(self) -> list[Push]:
        """DLR pushes for IDs the suite was given."""
        return [p for p in self.dlrs() if p.app_msg_id in self.owners]


class PushViolation(ContractViolation):
    """A violation seen in pushes: what was received, masked, instead of a curl line."""

    def __init__(self, rule: Rule, check: str, message: str, pushes: list[Push]) -> None:
        self.pushes = pushes
        super().__init__(rule, check, message, [])

    def render(self) -> str:
        lines = [
            f"[{self.rule.level} {self.rule.name}] {self.rule.summary}",
            f"  check:     {self.check}",
            *(f"  contract:  {quote}" for quote in self.quotes),
            f"  problem:   {self.message}",
        ]
        for push in self.pushes[:SHOWN_PROBLEMS]:
            lines.append(f"  push:      {push.how} {push.raw.splitlines()[0][:300]}")
        return MASKER.mask("\n".join(lines))

    def record_fields(self) -> dict[str, str]:
        first = self.pushes[0] if self.pushes else None
        shown = MASKER.mask(first.raw.splitlines()[0][:300]) if first else "-"
        return {
            "variant": "push",
            "case": f"{first.kind} push to {first.account or '-'}" if first else "push",
            "received": f"{first.how} {shown}" if first else "-",
            "reproduce": "-",
        }


@dataclass(frozen=True)
class PushCheck:
    name: str
    rule: Rule
    judge: Callable[[PushRun], None]


PUSH_CHECKS: dict[str, PushCheck] = {}


def push_check(rule: str) -> Callable:
    def register(func: Callable[[PushRun], None]) -> Callable:
        name = func.__name__.replace("_", "-")
        PUSH_CHECKS[name] = PushCheck(name, RULES[rule], func)
        return func

    return register


class _PushProblem(Violation):
    def __init__(self, message: str, pushes: list[Push]) -> None:
        super().__init__(message)
        self.pushes = pushes


def _fail(problems: list[tuple[str, Push]], what: str) -> None:
    if problems:
        shown = "; ".join(text for text, _ in problems[:SHOWN_PROBLEMS])
        raise _PushProblem(f"{len(problems)} {what}: {shown}", [p for _, p in problems])


@push_check("push.formats")
def pushed_markers_formatted(run: PushRun) -> None:
    problems = [
        (f"{p.kind} {text}", p)
        for p in run.pushes
        for text in format_problems(p.kind or PushKind.DLR, p.values)
    ]
    _fail(problems, "pushed markers break their documented format")


@push_check("push.status-valid")
def pushed_status_is_a_status(run: PushRun) -> None:
    problems = [(text, p) for p in run.dlrs() if (text := status_problem(p.values))]
    _fail(problems, "pushes with a status that is not one of the nine")


@push_check("push.own-ids")
def pushed_ids_are_the_accounts_own(run: PushRun) -> None:
    problems = [
        (f"{p.app_msg_id} (given to {run.owners[p.app_msg_id]}) pushed to {p.account}'s URL", p)
        for p in run.own()
        if p.account and run.owners[p.app_msg_id] != p.account
    ]
    problems += [
        (f"{p.app_msg_id} pushed to {p.account or 'the'}'s URL: query says it was never issued", p)
        for p in run.dlrs()
        if run.strangers.get(p.app_msg_id) == NEVER_ISSUED
    ]
    _fail(problems, "pushes carry an ID that is not the account's own")


@push_check("push.agrees-with-query")
def pushed_final_agrees_with_query(run: PushRun) -> None:
    problems = []
    for message_id, queried in run.queried_after.items():
        finals = [p for p in run.of(message_id) if p.status in FINAL_STATUSES]
        if finals and finals[0].status != queried:
            problems.append(
                (f"{message_id}: pushed {finals[0].status}, query {queried}", finals[0])
            )
    _fail(problems, "final statuses pushed that query contradicts afterwards")


@push_check("push.final-stable")
def pushed_final_stays(run: PushRun) -> None:
    problems = []
    for message_id in dict.fromkeys(p.app_msg_id for p in run.own()):
        statuses = [p.status for p in run.of(message_id)]
        final = next((i for i, s in enumerate(statuses) if s in FINAL_STATUSES), None)
        if final is None:
            continue
        # A late ENROUTE or ACCEPTD that happened before the final status is only out of order
        # (a MAY point, e.g. a retried push); one the platform stamped later than the final
        # moved the ID back, as another final status moves it.
        pushes = run.of(message_id)
        moved = [
            i
            for i in range(final + 1, len(statuses))
            if (statuses[i] in FINAL_STATUSES and statuses[i] != statuses[final])
            or (statuses[i] not in FINAL_STATUSES and _later(pushes[i], pushes[final]))
        ]
        if moved:
            push = run.of(message_id)[moved[0]]
            problems.append((f"{message_id}: {statuses[final]} then {push.status}", push))
    _fail(problems, "IDs pushed away from their final status")


def _later(push: Push, final: Push) -> bool:
    """Whether `push` carries a later `delivery_time` than `final` (both well formed)."""
    stamp, final_stamp = push.values.get("delivery_time", ""), final.values.get("delivery_time", "")
    same_format = len(stamp) == len(final_stamp) and stamp.isdigit() and final_stamp.isdigit()
    return same_format and stamp > final_stamp


@push_check("push.final-delivered")
def final_status_is_pushed(run: PushRun) -> None:
    problems = []
    for ids in run.waited:
        if set(ids) & run.refused:
            continue  # its pushes were refused on purpose: the rule holds while answering 200
        pushes = [p for i in ids for p in run.of(i)]
        if not any(p.status in FINAL_STATUSES for p in pushes):
            pushed = ", ".join(sorted({p.status for p in pushes})) or "nothing"
            problems.append(f"{ids[0]} reached a final status; pushed: {pushed}")
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        raise _PushProblem(f"{len(problems)} messages got no push of a final status: {shown}", [])


@push_check("push.no-password")
def push_carries_no_password(run: PushRun) -> None:
    problems = [
        ("a push carries an account's password", p)
        for p in run.pushes
        if any(secret and secret in p.raw for secret in run.secrets)
    ]
    _fail(problems, "pushes carry a password")


def verify_pushes(run: PushRun, ctx: CheckContext) -> None:
    """Run every push check; record each outcome; raise the first violation that fails."""
    violations: list[ContractViolation] = []
    for c in PUSH_CHECKS.values():
        try:
            c.judge(run)
            outcome = "passed"
        except _PushProblem as problem:
            violation = PushViolation(c.rule, c.name, str(problem), problem.pushes)
            violations.append(violation)
            outcome = "failed"
        if ctx.recorder is not None and hasattr(ctx.recorder, "checked_push"):
            ctx.recorder.checked_push(c.name, c.rule, outcome, len(run.pushes))
    _settle(violations, ctx)
