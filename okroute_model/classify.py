"""What is wrong with the parameters a platform received, in the order a platform judges it.

`classify` returns defect labels (`okroute_model.defects`) and MAY labels
(`okroute_model.may`), first the one that decides the answer. It also returns the submit fields
it parsed on the way, so that a platform does not parse them twice.
Credentials are not judged here: only a platform knows its accounts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from okroute_model.defects import SUBMIT_FINDINGS, Defect
from okroute_model.params import (
    COMMANDS,
    DATA_CODINGS,
    DNIS_SEPARATOR,
    ESM_CLASS_RANGE,
    FLAG_PARAMS,
    INTEGER_PARAMS,
    KNOWN_PARAMS,
    LONG_MESSAGE_MODES,
    MAX_ANI_CHARS,
    MAX_DNIS_CHARS,
    MAX_DNIS_COUNT,
    MAX_INC_MSG_ID_CHARS,
    MAX_NUMBER_DIGITS,
    QUERY_ID_PARAM,
    VALIDITY_PERIOD_CHARS,
    Command,
)
from okroute_model.profile import PlatformKnobs

# Relative ("000002000000000R") or absolute ("241222080910000-") SMPP time.
VALIDITY_PERIOD = re.compile(rf"^\d{{{VALIDITY_PERIOD_CHARS - 1}}}[R+-]$")
_INTEGER_PARAMS = frozenset(INTEGER_PARAMS)
_INT_LIMITS: dict[str, tuple[int, int] | frozenset[int]] = {
    "dataCoding": frozenset(DATA_CODINGS),
    "esmClass": ESM_CLASS_RANGE,
    **{name: frozenset({0, 1}) for name in FLAG_PARAMS},
}

_REQUIRED = {"dnis": Defect.MISSING_DNIS, "message": Defect.MISSING_MESSAGE}


class Classified:
    """The findings, deciding one first, and what was parsed on the way."""

    __slots__ = ("command", "findings", "numbers", "params")

    def __init__(self) -> None:
        self.findings: list[str] = []
        self.command: str | None = None  # as understood (lower-cased if it was not)
        self.params: dict[str, str] = {}  # values as text
        self.numbers: list[str] = []  # submit: dnis items, as digits


def _as_text(name: str, value: Any, findings: list[str]) -> str | None:
    """A JSON value as the text a query string would carry; None for a wrong type."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and name in _INTEGER_PARAMS:
        return str(value)  # the documented type of an integer parameter
    if isinstance(value, int | float) and not isinstance(value, bool):
        findings.append("json-types")
        return str(value)
    if name == "dnis" and isinstance(value, list) and value:
        items = [_as_text(name, v, findings) for v in value]
        if all(isinstance(v, str) for v in items):
            findings.append("dnis-json-array")
            return DNIS_SEPARATOR.join(items)  # type: ignore[arg-type]
    return None


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.lstrip("-").isdigit() and value.isascii() else None


def _in_limits(name: str, value: int) -> bool:
    limits = _INT_LIMITS.get(name)
    if limits is None:
        return True
    if isinstance(limits, frozenset):
        return value in limits
    return limits[0] <= value <= limits[1]


def _numbers(dnis: str, knobs: PlatformKnobs, findings: list[str]) -> list[str]:
    items = dnis.split(DNIS_SEPARATOR)
    if len(items) > MAX_DNIS_COUNT:
        findings.append(Defect.DNIS_TOO_MANY)
    elif len(dnis) > MAX_DNIS_CHARS:
        findings.append(Defect.DNIS_TOO_LONG)
    numbers = []
    for item in items:
        number = item.strip()
        if not number:
            findings.append("dnis-empty-items")
            continue
        if number != item:
            findings.append("dnis-list-spaces")
        if number.startswith("+"):
            number = number[1:]
            if knobs.plus_prefix is None:  # unknown: a MAY point
                findings.append("plus-prefix")
            elif not knobs.plus_prefix:  # a "+" where only digits belong
                findings.append(Defect.DNIS_NOT_DIGITS)
        if not (number.isascii() and number.isdigit()):
            findings.append(Defect.DNIS_NOT_DIGITS)
        elif len(number) > MAX_NUMBER_DIGITS:
            findings.append(Defect.DNIS_TOO_MANY_DIGITS)
        numbers.append(number)
    if not numbers:
        findings.append(Defect.DNIS_EMPTY)
    return numbers


def _submit(out: Classified, knobs: PlatformKnobs) -> None:
    p, findings = out.params, out.findings
    for name, missing in _REQUIRED.items():
        if not p.get(name):
            findings.append(missing)
    if p.get("dnis"):
        out.numbers = _numbers(p["dnis"], knobs, findings)
    # The defects declared with their finding (`DefectSpec.finds`), in the table's order.
    for defect, finds in SUBMIT_FINDINGS:
        if finds(p, out.numbers, knobs):
            findings.append(defect)
    # A MAY label after the declared defects: an unknown mode is never split_or_payload.
    mode = p.get("longMessageMode")
    if mode is not None and mode not in LONG_MESSAGE_MODES:
        findings.append("unknown-long-message-mode")
    for name in _INTEGER_PARAMS.intersection(p):
        value = _int(p[name])
        if value is None or not _in_limits(name, value):
            findings.append("out-of-range-ints")
            break
    ani = p.get("ani")
    if ani is not None and (len(ani) > MAX_ANI_CHARS or not ani.isalnum()) and ani:
        findings.append("ani-format")
    if len(p.get("incMsgId", "")) > MAX_INC_MSG_ID_CHARS or (
        "validityPeriod" in p and not VALIDITY_PERIOD.match(p["validityPeriod"])
    ):
        findings.append("optional-param-limits")


def _query(out: Classified, knobs: PlatformKnobs) -> None:
    if not out.params.get(QUERY_ID_PARAM):
        out.findings.append("query-missing-id")


_BY_COMMAND = {Command.SUBMIT: _submit, Command.QUERY: _query, Command.MO: lambda out, k: None}


def classify(
    params: Mapping[str, Any], knobs: PlatformKnobs, texts: bool = False, json_body: bool = False
) -> Classified:
    """Defects and MAY points of a request's parameters (credentials aside), deciding one first.

    `texts`: every value is known to be text already (a query string or form carried them).
    `json_body`: the parameters came in a JSON body, where an integer parameter sent as a string
    is a MAY point (§6: "JSON numbers where strings are expected and the reverse").
    """
    out = Classified()
    findings = out.findings
    command = params.get("command")
    if command is None or command == "":
        findings.append(Defect.MISSING_COMMAND)
        return out
    if not isinstance(command, str):
        findings.append(Defect.WRONG_TYPE)
        return out
    if command not in COMMANDS:
        if command.lower() not in COMMANDS:
            findings.append(Defect.UNKNOWN_COMMAND)
            return out
        findings.append("command-case")
    out.command = command.lower()
    if json_body and any(isinstance(params.get(n), str) for n in _INTEGER_PARAMS):
        findings.append("json-integer-strings")
    if texts or all(type(v) is str for v in params.values()):
        out.params = dict(params)
    else:
        for name, value in params.items():
            text = _as_text(name, value, findings)
            if text is None:
                findings.insert(0, Defect.WRONG_TYPE)
                return out
            out.params[name] = text
    _BY_COMMAND[out.command](out, knobs)  # StrEnum keys: the command text finds them
    if not KNOWN_PARAMS[out.command].issuperset(params):
        findings.append("unknown-params")
    out.findings = list(dict.fromkeys(findings))  # one number or many: the same finding
    return out
