"""The registry of named checks. Each judges one rule of the contract model.

A check is a small function that raises `Violation` with one sentence, registered with the rule it
judges and a predicate saying which exchanges it applies to. `verify` runs every applicable check
on one exchange; `verify_group` runs the checks that compare the variants of one case.
MAY points are never checked here: `observe` records what the platform did at them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import fastjsonschema

from contracts.cases import Case, IdKind
from contracts.exchange import Exchange
from contracts.failures import ContractViolation, Violation, violation_type
from okroute_model.defects import CREDENTIAL_DEFECTS, DEFECTS, MO_CREDENTIALS_RULE
from okroute_model.errors import LOOP_DETECTED, DocumentedError
from okroute_model.may import JSON_ONLY_POINTS
from okroute_model.params import DNIS_SEPARATOR, MAX_DNIS_COUNT, Command, LongMessageMode
from okroute_model.profile import PlatformKnobs
from okroute_model.rules import RULES, Level, Rule
from okroute_model.schemas import QUERY, QUERY_FIELD_FORMATS, SUBMIT_MULTI, SUBMIT_SINGLE
from okroute_model.secrets import MIN_SECRET_LENGTH
from okroute_model.segments import encoding_of
from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.wire import Method, Variant


class Recorder(Protocol):
    def checked(self, check: str, rule: Rule, variants: list[Variant], outcome: str) -> None: ...
    def violated(self, violation: ContractViolation, warned: bool) -> bool | None: ...


@dataclass
class CheckContext:
    knobs: PlatformKnobs
    warn: frozenset[str] = frozenset()  # SHOULD rules lowered to warnings
    recorder: Recorder | None = None
    warnings: list[ContractViolation] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in self.warn:
            rule = RULES.get(name)
            if rule is None:
                raise ValueError(f"cannot lower {name!r} to a warning: no such rule")
            if rule.level is not Level.SHOULD:
                raise ValueError(f"cannot lower {name!r} to a warning: only SHOULD rules can be")


Applies = Callable[[Exchange, CheckContext], bool]
# What the case alone must be for a check to apply (a part of its `applies`): asked once per case.
Needs = Callable[[Case, CheckContext], bool]


@dataclass(frozen=True)
class Check:
    name: str
    rule: Rule
    applies: Applies
    judge: Callable[[Exchange, CheckContext], None]
    # The contract sentences it enforces, verbatim: the rule's, then any order or precedence
    # it assumes when one request carries several defects.
    quotes: tuple[str, ...] = ()
    needs: Needs | None = None  # already part of `applies`; lets `verify` skip it per case


@dataclass(frozen=True)
class GroupCheck:
    name: str
    rule: Rule
    judge: Callable[[list[Exchange]], None]
    quotes: tuple[str, ...] = ()


# §2: the one sentence about a request with several defects. Every combination check accepts
# each answer a correct platform may give, and relies on this sentence for what is not open.
COMBINATION_QUOTE = (
    "What is not open: such a request is never accepted, and its answer reveals no message ID "
    "and no status."
)


CHECKS: dict[str, Check] = {}
GROUP_CHECKS: dict[str, GroupCheck] = {}


def check(
    rule: str, applies: Applies, also: tuple[str, ...] = (), needs: Needs | None = None
) -> Callable:
    """Register a check of `rule`; `also`: further sentences it relies on, verbatim.

    `needs`: what the case must be besides (the check applies when `applies` and then `needs`
    hold). Most answers' cases fail it, and it is asked once per case instead of per answer."""
    if needs is not None:
        applies = _both(applies, needs)

    def register(func: Callable[[Exchange, CheckContext], None]) -> Callable:
        name = func.__name__.replace("_", "-")
        quotes = (RULES[rule].quote, *also)
        CHECKS[name] = Check(name, RULES[rule], applies, func, quotes, needs)
        return func

    return register


def _both(applies: Applies, needs: Needs) -> Applies:
    return lambda ex, ctx: applies(ex, ctx) and needs(ex.case, ctx)


def group_check(rule: str) -> Callable:
    def register(func: Callable[[list[Exchange]], None]) -> Callable:
        name = func.__name__.replace("_", "-")
        GROUP_CHECKS[name] = GroupCheck(name, RULES[rule], func, (RULES[rule].quote,))
        return func

    return register


# -- what an exchange is ---------------------------------------------------------------------


def _judged(ex: Exchange) -> bool:
    """Whether the contract documents this command through this variant (query: GET only)."""
    command = ex.case.command
    if command == Command.QUERY:
        return ex.variant.method is Method.GET
    return command == Command.SUBMIT


def _answered(ex: Exchange) -> bool:
    return ex.response is not None


def _valid(command: str) -> Applies:
    return lambda ex, ctx: ex.case.plain and ex.case.command == command and _judged(ex)


def _success(command: str) -> Applies:
    valid = _valid(command)
    return lambda ex, ctx: valid(ex, ctx) and ex.status == 200


def _json_success(command: str) -> Applies:
    success = _success(command)
    return lambda ex, ctx: success(ex, ctx) and ex.response.is_json


_valid_submit = _valid(Command.SUBMIT)
_valid_query = _valid(Command.QUERY)


# Compiled to Python once: a few microseconds per answer, so that load runs can check every one.
_SUBMIT_VALIDATORS = {
    dict: fastjsonschema.compile(SUBMIT_SINGLE),
    list: fastjsonschema.compile(SUBMIT_MULTI),
}
_QUERY_VALIDATOR = fastjsonschema.compile(QUERY)


def _schema_problem(validator: Callable[[Any], Any], value: Any) -> str | None:
    try:
        validator(value)
    except fastjsonschema.JsonSchemaValueException as error:
        return error.message.replace("data", "the answer", 1)
    return None


def _memo(ex: Exchange, key: str, compute: Callable[[Exchange], Any]) -> Any:
    """A fact about an exchange that several checks ask for, computed once: `compute(ex)`."""
    extra = ex.extra
    if key in extra:
        return extra[key]
    value = extra[key] = compute(ex)
    return value


_submit_json_success = _json_success(Command.SUBMIT)


def _submit_valid_json(ex: Exchange, ctx: CheckContext) -> bool:
    # Six checks ask this of every submit answer: the whole chain is worked out once.
    known = ex.extra.get("submit-valid-json")
    if known is None:
        known = ex.extra["submit-valid-json"] = _submit_json_success(ex, ctx) and _schema_valid(ex)
    return known


def _schema_valid(ex: Exchange) -> bool:
    return _memo(ex, "submit-schema-problem", _submit_schema_problem) is None


def _submit_schema_problem(ex: Exchange) -> str | None:
    """What is wrong with a submit answer's JSON by the schema; None when nothing is."""
    value = ex.response.json
    validator = _SUBMIT_VALIDATORS.get(type(value))
    if validator is None:
        return f"the answer is a JSON {type(value).__name__}, not an object or array"
    return _schema_problem(validator, value)


def _entries(ex: Exchange) -> list[dict[str, Any]]:
    value = ex.response.json
    return [value] if isinstance(value, dict) else list(value)


def _counts(ex: Exchange) -> Counter[str] | None:
    """Entries per number in a schema-valid answer; None when they cannot be attributed."""
    return _memo(ex, "counts", _count_entries)


def _count_entries(ex: Exchange) -> Counter[str] | None:
    value, numbers = ex.response.json, ex.case.numbers
    if isinstance(value, dict):
        if len(set(numbers)) != 1:
            return None
        counts: Counter[str] = Counter()
        counts[numbers[0]] = 1
        return counts
    sent = set(numbers)
    counts = Counter(str(e["dnis"]).lstrip("+") for e in value)
    return counts if set(counts) <= sent else None


def _attributable(ex: Exchange, ctx: CheckContext) -> bool:
    return _submit_valid_json(ex, ctx) and _counts(ex) is not None


# -- every answer ----------------------------------------------------------------------------


@check("errors.no-5xx", applies=lambda ex, ctx: True)
def no_server_error(ex: Exchange, ctx: CheckContext) -> None:
    if ex.response is None:
        raise Violation(f"no answer came back: {ex.error}")
    if ex.status >= 500 and ex.status != LOOP_DETECTED.status:
        raise Violation(f"a {ex.status} answer")


@check(
    "auth.no-echo",
    applies=lambda ex, ctx: (
        _answered(ex) and len(ex.case.request.password or "") >= MIN_SECRET_LENGTH
    ),
)
def credentials_not_echoed(ex: Exchange, ctx: CheckContext) -> None:
    if ex.case.request.password in ex.response.text:
        raise Violation("the answer contains the password that was sent")


# -- answers to invalid requests -------------------------------------------------------------


def _is_answer(status: int, text: str, answer: DocumentedError | int | None) -> bool:
    if isinstance(answer, DocumentedError):
        return status == answer.status and text == answer.text
    return isinstance(answer, int) and status == answer


def _answer_matches(ex: Exchange, answer: DocumentedError | int | None) -> None:
    status, text = ex.status, ex.response.text.strip()
    if (ex.case.also or ex.case.may) and not _is_answer(status, text, answer):
        answer = None  # several findings, no documented order: any rejection that says why
    if isinstance(answer, DocumentedError):
        if status != answer.status or text != answer.text:
            raise Violation(f"expected {answer.status} {answer.text!r}, got {status} {text[:80]!r}")
    elif isinstance(answer, int):
        if status != answer:
            raise Violation(f"expected {answer}, got {status}")
    elif not 400 <= status < 500:
        raise Violation(f"expected a 4xx, got {status}")
    elif not text:
        raise Violation(f"a {status} with an empty body says nothing about what is wrong")


def _answer_check(rule: str) -> None:
    def applies(ex: Exchange, ctx: CheckContext) -> bool:
        judged = _judged(ex) or (ex.case.command == Command.MO and rule == MO_CREDENTIALS_RULE)
        return ex.case.judging_rule == rule and judged and _answered(ex)

    def judge(ex: Exchange, ctx: CheckContext) -> None:
        _answer_matches(ex, ex.case.defect_spec.answer)

    judge.__name__ = rule.split(".", 1)[1].replace("-", "_") + "_answer"
    applies.judging_rule = rule  # type: ignore[attr-defined]  # lets `_for_case` skip it early
    check(rule, applies, also=(COMBINATION_QUOTE,))(judge)


# One answer check per rule a defect is judged by, derived from `DEFECTS` (each spec's documented
# answer), so a new `Defect` needs no row here; the credentials defects also judge command=mo.
_JUDGING_RULES = [spec.rule for spec in DEFECTS.values()]
if CREDENTIAL_DEFECTS:
    _JUDGING_RULES.append(MO_CREDENTIALS_RULE)
for _rule in dict.fromkeys(_JUDGING_RULES):
    _answer_check(_rule)


def _holds_secrets(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(i, dict) and ({"message_id", "status"} & i.keys()) for i in items)


@check(
    "auth.reveals-nothing",
    also=(COMBINATION_QUOTE,),
    applies=lambda ex, ctx: _answered(ex) and 400 <= ex.status < 500,
    needs=lambda case, ctx: case.defect_spec is not None and case.defect_spec.credentials,
)
def rejection_reveals_nothing(ex: Exchange, ctx: CheckContext) -> None:
    if (
        ex.response.is_json and _holds_secrets(ex.response.json)
    ) or "message_id" in ex.response.text:
        raise Violation(f"the {ex.status} answer carries message IDs or statuses")


# -- answers to valid requests ---------------------------------------------------------------


def _valid_own(ex: Exchange, ctx: CheckContext) -> bool:
    if ex.case.command == Command.QUERY:
        return _valid_query(ex, ctx) and ex.case.id_kind is IdKind.OWN
    return _valid_submit(ex, ctx)


@check("request.valid-accepted", applies=lambda ex, ctx: _valid_own(ex, ctx) and _answered(ex))
def valid_request_accepted(ex: Exchange, ctx: CheckContext) -> None:
    if ex.status != 200:
        raise Violation(f"a valid {ex.case.command} answered {ex.status}")


@check(
    "submit.dnis-count-limit",
    applies=lambda ex, ctx: _valid_submit(ex, ctx) and _answered(ex),
    needs=lambda case, ctx: (
        len(str(case.params.get("dnis")).split(DNIS_SEPARATOR)) == MAX_DNIS_COUNT
    ),
)
def exactly_100_numbers_accepted(ex: Exchange, ctx: CheckContext) -> None:
    if ex.status != 200:
        raise Violation(f"exactly {MAX_DNIS_COUNT} numbers answered {ex.status}")


@check(
    "submit.service-type-limit",
    applies=lambda ex, ctx: _valid_submit(ex, ctx) and _answered(ex),
    needs=lambda case, ctx: (
        len(str(case.params.get("serviceType", "")).encode()) == ctx.knobs.service_type_accepted
    ),
)
def service_type_at_limit_accepted(ex: Exchange, ctx: CheckContext) -> None:
    if ex.status != 200:
        raise Violation(f"a serviceType of exactly the limit answered {ex.status}")


@check("submit.json-body", applies=_success(Command.SUBMIT))
def submit_answer_is_json(ex: Exchange, ctx: CheckContext) -> None:
    if not ex.response.is_json:
        raise Violation("a successful submit did not answer JSON")


@check("submit.response-schema", applies=_json_success(Command.SUBMIT))
def submit_answer_matches_schema(ex: Exchange, ctx: CheckContext) -> None:
    problem = _memo(ex, "submit-schema-problem", _submit_schema_problem)
    if problem:
        raise Violation(problem)


@check("submit.response-shape", applies=_submit_valid_json)
def submit_answer_shape(ex: Exchange, ctx: CheckContext) -> None:
    numbers, choices = ex.case.numbers, ex.case.entries.choices
    is_object = isinstance(ex.response.json, dict)
    if len(numbers) > 1 and is_object:
        raise Violation(f"{len(numbers)} numbers answered one object")
    if len(numbers) == 1 and choices is not None:
        if choices == {1} and not is_object:
            raise Violation("one number and one segment answered an array, not an object")
        if 1 not in choices and is_object:
            raise Violation(f"a text of {ex.case.entries.describe()} segments answered one object")


@check("submit.dnis-from-request", applies=_submit_valid_json)
def answer_numbers_were_sent(ex: Exchange, ctx: CheckContext) -> None:
    sent = set(ex.case.numbers)
    foreign = [e["dnis"] for e in _entries(ex) if "dnis" in e and e["dnis"].lstrip("+") not in sent]
    if foreign:
        raise Violation(f"the answer has numbers that were not sent: {foreign[:3]}")


@check(
    "submit.duplicate-numbers",
    applies=_attributable,
    needs=lambda case, ctx: max(case.multiplicity.values(), default=0) > 1,
)
def duplicates_get_entries(ex: Exchange, ctx: CheckContext) -> None:
    counts, multiplicity = _counts(ex), ex.case.multiplicity
    singles = [n for n, m in multiplicity.items() if m == 1]
    per_occurrence = counts[singles[0]] if singles else None
    for number, m in multiplicity.items():
        got = counts[number]
        if m == 1:
            continue
        if per_occurrence is not None and got != m * per_occurrence:
            raise Violation(
                f"{number} was sent {m} times and got {got} entries; a number sent once got "
                f"{per_occurrence}"
            )
        if got < m or got % m:
            raise Violation(f"{number} was sent {m} times and got {got} entries")


@check("submit.segment-count", applies=_attributable)
def entries_per_segment(ex: Exchange, ctx: CheckContext) -> None:
    counts, expected, request = _counts(ex), ex.case.entries, ex.case.request
    for number, m in ex.case.multiplicity.items():
        got = counts[number]
        if got % m or not expected.admits(got // m):
            text = str(request.get("message", ""))
            coding = request.get("dataCoding")
            encoding = encoding_of(text, int(coding) if coding is not None else None)
            mode = request.get("longMessageMode") or "(none: cut)"
            raise Violation(
                f"{got} entries for {m} occurrence(s) of {number}; a {len(text)}-character "
                f"{encoding} text with longMessageMode={mode} gives {expected.describe()} "
                "per number"
            )


@check(
    "submit.single-id-split",
    applies=_attributable,
    needs=lambda case, ctx: case.params.get("longMessageMode") == LongMessageMode.SINGLE_ID_SPLIT,
)
def single_id_split_shares_id(ex: Exchange, ctx: CheckContext) -> None:
    ids: dict[str, set[str]] = defaultdict(set)
    for entry in _entries(ex):
        ids[str(entry.get("dnis", ex.case.numbers[0])).lstrip("+")].add(entry["message_id"])
    for number, m in ex.case.multiplicity.items():
        if len(ids[number]) > m:
            raise Violation(f"{number} got {len(ids[number])} different IDs for one message")


@check(
    "submit.unique-ids",
    also=(RULES["submit.duplicate-numbers"].quote,),
    applies=lambda ex, ctx: _submit_valid_json(ex, ctx) and ex.case.params.get("incMsgId") is None,
)
def message_ids_unique(ex: Exchange, ctx: CheckContext) -> None:
    entries = _entries(ex)
    ids = [e["message_id"] for e in entries]
    if len(set(ids)) == len(ids):
        return  # every ID issued once: nothing below can find one shared or repeated
    if ex.case.params.get("longMessageMode") == LongMessageMode.SINGLE_ID_SPLIT:
        owners: dict[str, set[str]] = defaultdict(set)
        for entry in entries:
            owners[entry["message_id"]].add(str(entry.get("dnis", "")))
        shared = [i for i, numbers in owners.items() if len(numbers) > 1]
        if shared:
            raise Violation(f"different numbers share message ID {shared[0]}")
        return
    # A duplicate number is "sent once": its entries may share that number's IDs (a MAY point).
    # Any other repetition gives one ID to different messages.
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for entry in entries:
        number = str(entry.get("dnis", ex.case.numbers[0])).lstrip("+")
        owners[entry["message_id"]].add((number, str(entry.get("segment_num", ""))))
    uses = Counter(e["message_id"] for e in entries)
    for message_id, keys in owners.items():
        (number, _), *others = keys
        if others or uses[message_id] > ex.case.multiplicity.get(number, 1):
            raise Violation(f"message ID {message_id} was issued for {uses[message_id]} entries")


# -- status answers --------------------------------------------------------------------------


def _query_answer(ex: Exchange, ctx: CheckContext) -> bool:
    return (
        ex.case.command == Command.QUERY
        and ex.case.plain
        and ex.variant.method is Method.GET
        and ex.status == 200
    )


def _status_of(ex: Exchange) -> str | None:
    """The status of a schema-valid query answer; None otherwise."""
    return _memo(ex, "status", _valid_status)


def _valid_status(ex: Exchange) -> str | None:
    if not _query_answer(ex, None) or not ex.response.is_json:  # type: ignore[arg-type]
        return None
    value = ex.response.json
    return None if _schema_problem(_QUERY_VALIDATOR, value) else value["status"]


def _own_status(ex: Exchange, ctx: CheckContext) -> bool:
    return (
        ex.case.id_kind is IdKind.OWN
        and ex.case.plain
        and _answered(ex)
        and ex.variant.method is Method.GET
    )


@check("query.json-body", applies=_query_answer)
def status_answer_is_json(ex: Exchange, ctx: CheckContext) -> None:
    if not ex.response.is_json:
        raise Violation("a status answer is not JSON")


@check(
    "query.response-schema", applies=lambda ex, ctx: _query_answer(ex, ctx) and ex.response.is_json
)
def status_answer_matches_schema(ex: Exchange, ctx: CheckContext) -> None:
    problem = _schema_problem(_QUERY_VALIDATOR, ex.response.json)
    if problem:
        raise Violation(problem)


@check("query.field-formats", applies=lambda ex, ctx: _status_of(ex) is not None)
def status_field_formats(ex: Exchange, ctx: CheckContext) -> None:
    value = ex.response.json
    for name, pattern in QUERY_FIELD_FORMATS.items():
        if name in value and not re.match(pattern, value[name]):
            raise Violation(f"{name}={value[name]!r} does not match {pattern}")


def _forgotten(ex: Exchange) -> bool:
    return 400 <= ex.status < 500 or _status_of(ex) == Status.UNKNOWN


@check(
    "query.known-at-once",
    applies=lambda ex, ctx: _own_status(ex, ctx) and ex.case.previous_status is None,
)
def issued_id_known_at_once(ex: Exchange, ctx: CheckContext) -> None:
    if _forgotten(ex):
        raise Violation(f"an ID from a successful submit answered {ex.received()} at once")


@check(
    "query.retention",
    applies=lambda ex, ctx: (
        _own_status(ex, ctx) and ex.case.previous_status not in (None, Status.UNKNOWN)
    ),
)
def issued_id_stays_known(ex: Exchange, ctx: CheckContext) -> None:
    if _forgotten(ex):
        raise Violation(f"an ID last seen as {ex.case.previous_status} is now {ex.received()}")


@check(
    "query.final-stable",
    applies=lambda ex, ctx: _own_status(ex, ctx) and ex.case.previous_status in FINAL_STATUSES,
)
def final_status_stable(ex: Exchange, ctx: CheckContext) -> None:
    status = _status_of(ex)
    if status is not None and status != Status.UNKNOWN and status != ex.case.previous_status:
        raise Violation(f"final status {ex.case.previous_status} turned into {status}")


def _not_a_status(ex: Exchange, what: str) -> None:
    if 400 <= ex.status < 500:
        return
    status = _status_of(ex)
    if status != Status.UNKNOWN:
        raise Violation(f"{what} answered {ex.received()}, not UNKNOWN or a 4xx")


@check(
    "query.unknown-id",
    applies=lambda ex, ctx: ex.variant.method is Method.GET and _answered(ex),
    needs=lambda case, ctx: case.id_kind is IdKind.NEVER_ISSUED and case.plain,
)
def never_issued_id_unknown(ex: Exchange, ctx: CheckContext) -> None:
    _not_a_status(ex, "an ID that was never issued")


@check(
    "auth.cross-account",
    applies=lambda ex, ctx: ex.variant.method is Method.GET and _answered(ex),
    needs=lambda case, ctx: case.id_kind is IdKind.FOREIGN and case.plain,
)
def other_account_cannot_read(ex: Exchange, ctx: CheckContext) -> None:
    _not_a_status(ex, "another account's message ID")


# -- variants of one case --------------------------------------------------------------------


def outcome(ex: Exchange) -> tuple:
    """What must be the same through every variant: status, error text, shape, entries."""
    if ex.response is None:
        return ("no answer",)
    r = ex.response
    if r.status != 200:
        return (r.status, r.text.strip())
    if not r.is_json:
        return (200, "not JSON")
    shape = type(r.json).__name__
    if ex.case.command == Command.SUBMIT and isinstance(r.json, list | dict):
        return (200, shape, len(_entries(ex)))
    return (200, shape)


def _differences(exchanges: list[Exchange], key: Callable[[Exchange], Any]) -> str | None:
    groups: dict[Any, list[Exchange]] = defaultdict(list)
    for ex in exchanges:
        if _judged(ex):
            groups[key(ex)].append(ex)
    for members in groups.values():
        outcomes = {ex.variant.name: outcome(ex) for ex in members}
        if len(set(outcomes.values())) > 1:
            return "; ".join(f"{name} -> {o}" for name, o in outcomes.items())
    return None


@group_check("variants.equivalent")
def variants_agree(exchanges: list[Exchange]) -> None:
    if exchanges and exchanges[0].case.request.body_only:
        return  # a JSON-only defect is not the same request through POST-url and POST-body
    if exchanges and JSON_ONLY_POINTS.intersection(exchanges[0].case.may):
        return  # a MAY point its GET cannot carry: the variants may answer it differently
    diff = _differences(exchanges, key=lambda ex: ex.variant.transport)
    if diff:
        raise Violation(f"the same request gave different outcomes: {diff}")


@group_check("transports.equivalent")
def transports_agree(exchanges: list[Exchange]) -> None:
    diff = _differences(exchanges, key=lambda ex: ex.variant.method)
    if diff:
        raise Violation(f"HTTP and HTTPS gave different outcomes: {diff}")


# -- running them ----------------------------------------------------------------------------


def _settle(violations: list[ContractViolation], ctx: CheckContext) -> None:
    raised = []
    for violation in violations:
        warned = violation.rule.name in ctx.warn
        known = ctx.recorder is not None and bool(ctx.recorder.violated(violation, warned))
        if known:  # an accepted finding (contracts.known): recorded, not raised
            continue
        if warned:
            ctx.warnings.append(violation)
        else:
            raised.append(violation)
    if raised:
        raised.sort(key=lambda v: v.rule.level is not Level.MUST)
        raise raised[0]


@cache
def _checks_for(command: str | None) -> tuple[Check, ...]:
    """The checks that can apply to one command's answers: a rule named `submit.*` or `query.*`
    judges only that command; every other rule can judge any answer."""
    return tuple(
        c for c in CHECKS.values()
        if c.rule.name.split(".")[0] not in _COMMAND_NAMES or c.rule.name.startswith(f"{command}.")
    )  # fmt: skip


_COMMAND_NAMES = frozenset(c.value for c in Command)


@cache
def _for_case(command: str | None, judging_rule: str | None) -> tuple[Check, ...]:
    """`_checks_for(command)` without the answer checks of other rules than the case's: their
    `applies` starts with `ex.case.judging_rule == rule`, so they could only say no. Worked out
    once per kind of case, not for every answer."""
    return tuple(
        c for c in _checks_for(command)
        if getattr(c.applies, "judging_rule", judging_rule) == judging_rule
    )  # fmt: skip


_SELECTED = "_okroute_checks"  # where a case keeps its selection (see `_selected`)
_registry_changes = [0]  # counts `forget_selection` calls: a kept selection older is stale


def _selected(case: Case, ctx: CheckContext) -> tuple[Check, ...]:
    """`_for_case` without the checks whose `needs` the case fails: worked out once per case
    and context, and kept on the case as `functools.cached_property` keeps a value (a case is
    sent through several variants, and a load campaign sends each prepared case many times)."""
    kept = case.__dict__.get(_SELECTED)
    if (
        kept is not None
        and kept[0] is ctx
        and kept[1] is ctx.knobs
        and kept[2] == _registry_changes[0]
    ):
        return kept[3]
    selected = tuple(
        c for c in _for_case(case.command, case.judging_rule)
        if c.needs is None or c.needs(case, ctx)
    )  # fmt: skip
    case.__dict__[_SELECTED] = (ctx, ctx.knobs, _registry_changes[0], selected)
    return selected


def forget_selection() -> None:
    """After the registry changed: the per-command and per-case selections are worked out anew."""
    _checks_for.cache_clear()
    _for_case.cache_clear()
    _registry_changes[0] += 1


def verify(ex: Exchange, ctx: CheckContext, checks: tuple[Check, ...] | None = None) -> None:
    """Run every applicable check (or only `checks`) on one exchange; raise the first violation
    that fails."""
    violations = []
    recorder = ctx.recorder
    for c in _selected(ex.case, ctx) if checks is None else checks:
        if not c.applies(ex, ctx):
            continue
        try:
            c.judge(ex, ctx)
        except Violation as v:
            violations.append(violation_type(c.rule)(c.rule, c.name, str(v), [ex], c.quotes))
            if recorder is not None:
                recorder.checked(c.name, c.rule, [ex.variant], "failed")
            continue
        if recorder is not None:
            recorder.checked(c.name, c.rule, [ex.variant], "passed")
    if violations:
        _settle(violations, ctx)


def verify_group(exchanges: list[Exchange], ctx: CheckContext) -> None:
    """Run the checks that compare the variants of one case."""
    if len(exchanges) < 2:
        return
    violations = []
    variants = [ex.variant for ex in exchanges]
    for c in GROUP_CHECKS.values():
        try:
            c.judge(exchanges)
            result = "passed"
        except Violation as v:
            violations.append(violation_type(c.rule)(c.rule, c.name, str(v), exchanges, c.quotes))
            result = "failed"
        if ctx.recorder is not None:
            ctx.recorder.checked(c.name, c.rule, variants, result)
    _settle(violations, ctx)


ALL_CHECK_NAMES: tuple[str, ...] = (*CHECKS, *GROUP_CHECKS)
