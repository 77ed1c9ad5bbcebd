"""What a campaign sends, built from the contract model and prepared before the clock starts.

Submits and mo calls come from pools built once per process: each call is already encoded for its
variant, and its contract case (and so its expected answer) is already derived, so the generator
spends its time sending and checking, not building. Status queries are made per ID as they go.

Weights are written `name=weight,...`: `--mix submit=3,query=1`, `--variants GET=1,POST-body=2`,
`--transports http=1,https=1`, `--messages short=60,long=20,ucs2=15,multi=5`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from contracts.cases import Case, IdKind
from okroute_model.params import (
    DNIS_SEPARATOR,
    MAX_NUMBER_DIGITS,
    QUERY_ID_PARAM,
    Command,
    LongMessageMode,
)
from okroute_model.segments import GSM7_BASIC, GSM7_SEGMENT, GSM7_SINGLE, UCS2_SINGLE
from okroute_model.wire import ApiRequest, Method, Transport, Variant, WireRequest, encode

STREAMS = ("submit", "query", "mo")
MESSAGE_KINDS = ("short", "long", "ucs2", "multi")
POOL_SIZE = 512
NUMBER_DIGITS = 12
_TEXT = "".join(sorted(c for c in GSM7_BASIC if c.isalnum() or c == " "))
_UCS2 = "абвгдежзийклмнопрстуфхцчшщъыьэюя 你好世界"


@dataclass(frozen=True)
class Call:
    """One request ready to go: its group name, wire form and contract case."""

    group: str  # e.g. "submit POST-body https": never a number, ID or credential
    command: str
    variant: Variant
    case: Case
    wire: WireRequest
    headers: dict[str, str]
    numbers: int  # destination numbers, for the message budget

    @property
    def method(self) -> str:
        return self.wire.method

    @property
    def target(self) -> str:
        return self.wire.target

    @property
    def body(self) -> bytes:
        return self.wire.body


def group_name(command: str, variant: Variant) -> str:
    return f"{command} {variant.method} {variant.transport}"


def prepare(case: Case, variant: Variant) -> Call:
    wire = encode(case.request, variant.method)
    command = str(case.command)
    numbers = len(case.numbers) if command != Command.QUERY else 0
    return Call(
        group_name(command, variant), command, variant, case, wire, dict(wire.headers), numbers
    )


@dataclass(frozen=True)
class TrafficConfig:
    username: str
    password: str
    dnis_prefix: str
    transports: dict[str, float]  # only those the target has
    variants: dict[str, float]
    messages: dict[str, float]
    ani: str | None = None
    seed: int = 0


class TrafficPlan:
    def __init__(self, config: TrafficConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self._variants = [
            Variant(Method(m), Transport(t)) for m in config.variants for t in config.transports
        ]
        self._variant_weights = [
            config.variants[v.method] * config.transports[v.transport] for v in self._variants
        ]
        if not any(self._variant_weights):
            raise ValueError("no variant has a positive weight on the transports the target has")

    def variant(self) -> Variant:
        return self.rng.choices(self._variants, self._variant_weights)[0]

    def number(self) -> str:
        prefix = self.config.dnis_prefix
        digits = min(MAX_NUMBER_DIGITS, max(NUMBER_DIGITS, len(prefix) + 3))
        digits = min(digits, MAX_NUMBER_DIGITS)
        return prefix + "".join(self.rng.choices("0123456789", k=digits - len(prefix)))

    def _text(self, alphabet: str, length: int) -> str:
        return "".join(self.rng.choices(alphabet, k=length))

    def _message(self, kind: str) -> tuple[list[str], str, str | None]:
        """(numbers, text, longMessageMode) for one kind of the message mix."""
        rng = self.rng
        if kind == "short":
            return [self.number()], self._text(_TEXT, rng.randint(10, GSM7_SINGLE)), None
        if kind == "long":
            length = rng.randint(GSM7_SINGLE + 1, 3 * GSM7_SEGMENT)
            return [self.number()], self._text(_TEXT, length), LongMessageMode.SPLIT
        if kind == "ucs2":
            length = rng.randint(5, 2 * UCS2_SINGLE)
            return [self.number()], self._text(_UCS2, length), LongMessageMode.SPLIT
        numbers = [self.number() for _ in range(rng.randint(2, 5))]
        return numbers, self._text(_TEXT, rng.randint(10, GSM7_SINGLE)), None

    def _request(self, command: str, params: dict[str, str]) -> ApiRequest:
        c = self.config
        if c.ani and "ani" not in params:
            params = {**params, "ani": c.ani}
        return ApiRequest(command, c.username, c.password, tuple(params.items()))

    def submit(self) -> Call:
        kinds = list(self.config.messages)
        kind = self.rng.choices(kinds, [self.config.messages[k] for k in kinds])[0]
        numbers, text, mode = self._message(kind)
        params = {"dnis": DNIS_SEPARATOR.join(numbers), "message": text, "serviceType": ""}
        if mode:
            params["longMessageMode"] = mode
        return prepare(Case(self._request(Command.SUBMIT, params)), self.variant())

    def mo(self) -> Call:
        params = {"ani": self.number(), "dnis": self.number(), "message": self._text(_TEXT, 40)}
        return prepare(Case(self._request(Command.MO, params)), self.variant())

    def query(self, message_id: str, transport: Transport, previous: str | None) -> Call:
        """A status query of one of this run's IDs, judged against the status last seen."""
        case = Case(
            self._request(Command.QUERY, {QUERY_ID_PARAM: message_id}),
            id_kind=IdKind.OWN,
            previous_status=previous,
        )
        # Status queries are documented as GET only: POST for them is a MAY point.
        return prepare(case, Variant(Method.GET, transport))

    def pool(self, command: str, size: int = POOL_SIZE) -> list[Call]:
        make = self.submit if command == Command.SUBMIT else self.mo
        return [make() for _ in range(size)]
