"""Deterministic boundary cases: every documented limit, just inside and just outside.

They run before the random examples, so a platform that is off by one fails on the first run,
whatever the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from contracts.cases import Case
from contracts.mutations import padded_to_too_long
from contracts.strategies import Config, no_route_number, routable
from okroute_model.defects import Defect
from okroute_model.params import (
    DNIS_SEPARATOR,
    MAX_DNIS_CHARS,
    MAX_DNIS_COUNT,
    MAX_NUMBER_DIGITS,
    Command,
    LongMessageMode,
)
from okroute_model.segments import GSM7_SEGMENT, GSM7_SINGLE, UCS2_SEGMENT, UCS2_SINGLE
from okroute_model.wire import ApiRequest

SPLIT = LongMessageMode.SPLIT


def number(cfg: Config, i: int, digits: int = 11) -> str:
    digits = max(digits, len(cfg.dnis_prefix) + 3)
    tail = str(i).rjust(digits - len(cfg.dnis_prefix), "0")
    return routable(cfg, cfg.dnis_prefix + tail)


def _unrouted(cfg: Config, i: int, digits: int = 11) -> str:
    """A number without a route when the target has a no-route prefix, else a test number."""
    return no_route_number(cfg, i, digits) if cfg.no_route_prefix else number(cfg, i, digits)


def _submit(
    cfg: Config,
    note: str,
    dnis: str,
    message: str,
    defect: Defect | None = None,
    **extra: str,
) -> Case:
    params = {"dnis": dnis, "message": message, "serviceType": "", **extra}
    if cfg.ani:
        params["ani"] = cfg.ani
    c = cfg.credentials
    request = ApiRequest(Command.SUBMIT, c.username, c.password, tuple(params.items()))
    return Case(request, defect=defect, note=note)


def _split(cfg: Config, note: str, message: str, **extra: str) -> Case:
    return _submit(
        cfg, note, number(cfg, 1), message, longMessageMode=extra.pop("mode", SPLIT), **extra
    )


def _first(cfg: Config) -> list[Case]:
    """The plainest valid submit: the other phases take it as their example."""
    return [_submit(cfg, "one number, short text: an object", number(cfg, 1), "hello")]


def _segments(cfg: Config) -> list[Case]:
    """Where a message splits: GSM-7, extension characters, UCS-2, non-BMP, each mode."""
    straddle = "a" * (GSM7_SEGMENT - 1) + "€" + "a" * (GSM7_SEGMENT - 1)
    ext_fit = GSM7_SINGLE // 2  # extension characters take two septets each
    astral_fit = UCS2_SINGLE // 2  # characters outside the BMP take two UTF-16 code units
    return [
        _split(cfg, f"GSM-7 {GSM7_SINGLE} septets: one message", "a" * GSM7_SINGLE),
        _split(cfg, f"GSM-7 {GSM7_SINGLE + 1} septets: two", "a" * (GSM7_SINGLE + 1)),
        _split(cfg, f"GSM-7 {2 * GSM7_SEGMENT} septets: two", "a" * (2 * GSM7_SEGMENT)),
        _split(cfg, f"GSM-7 {2 * GSM7_SEGMENT + 1}: three", "a" * (2 * GSM7_SEGMENT + 1)),
        _split(cfg, f"{ext_fit} extension characters = {2 * ext_fit} septets: one", "€" * ext_fit),
        _split(cfg, f"{ext_fit + 1} extension characters: two", "€" * (ext_fit + 1)),
        _split(cfg, "an extension character never splits: three", straddle),
        _split(cfg, f"UCS-2 {UCS2_SINGLE} characters: one", "ж" * UCS2_SINGLE),
        _split(cfg, f"UCS-2 {UCS2_SINGLE + 1} characters: two", "ж" * (UCS2_SINGLE + 1)),
        _split(cfg, f"UCS-2 {2 * UCS2_SEGMENT} characters: two", "ж" * (2 * UCS2_SEGMENT)),
        _split(cfg, f"UCS-2 {2 * UCS2_SEGMENT + 1}: three", "ж" * (2 * UCS2_SEGMENT + 1)),
        _split(
            cfg, f"{astral_fit} non-BMP characters = {UCS2_SINGLE} code units", "😀" * astral_fit
        ),
        _split(cfg, f"{astral_fit + 1} non-BMP characters: two", "😀" * (astral_fit + 1)),
        _split(cfg, "dataCoding=8 makes GSM text UCS-2", "a" * (UCS2_SINGLE + 1), dataCoding="8"),
        _split(cfg, "split_sar like split", "a" * (GSM7_SINGLE + 1), mode="split_sar"),
        _split(cfg, "cut keeps one message", "a" * 500, mode="cut"),
        _submit(cfg, "no mode is cut", number(cfg, 1), "b" * 400),
        _split(cfg, "payload: accepted (its entries are not described)", "c" * 500, mode="payload"),
        _split(cfg, "single_id_split shares one ID", "d" * 400, mode="single_id_split"),
    ]


def _numbers(cfg: Config) -> list[Case]:
    """A number given twice, and a number's digits at the limit and over it."""
    twice = DNIS_SEPARATOR.join([number(cfg, 1), number(cfg, 1), number(cfg, 2)])
    longest, over = number(cfg, 7, MAX_NUMBER_DIGITS), number(cfg, 7, MAX_NUMBER_DIGITS + 1)
    return [
        _submit(cfg, "duplicates get entries", twice, "dup"),
        _submit(cfg, f"a number of {MAX_NUMBER_DIGITS} digits", longest, "max digits"),
        _submit(
            cfg,
            f"a number of {MAX_NUMBER_DIGITS + 1} digits",
            over,
            "x",
            Defect.DNIS_TOO_MANY_DIGITS,
        ),
    ]


def _service_type(cfg: Config) -> list[Case]:
    """serviceType within every reading of its limit, and over all of them."""
    accepted, over = cfg.knobs.service_type_accepted, cfg.knobs.service_type_rejected_over + 1
    one = number(cfg, 1)
    return [
        _submit(cfg, f"serviceType of {accepted} bytes", one, "st", serviceType="S" * accepted),
        _submit(
            cfg,
            f"serviceType of {over} bytes",
            one,
            "st",
            Defect.SERVICE_TYPE_TOO_LONG,
            serviceType="S" * over,
        ),
    ]


def _dnis(cfg: Config) -> list[Case]:
    """How many numbers a submit may carry: split_or_payload's one, the field's count and
    length."""
    two = DNIS_SEPARATOR.join([number(cfg, 1), number(cfg, 2)])
    hundred = DNIS_SEPARATOR.join(number(cfg, i) for i in range(MAX_DNIS_COUNT))
    # Over the limits: a correct platform rejects them with a documented text, so all numbers
    # but one can be without a route. A faulty platform that accepted 101 would deliver one.
    many = DNIS_SEPARATOR.join(
        [number(cfg, 0)] + [_unrouted(cfg, i) for i in range(1, MAX_DNIS_COUNT + 1)]
    )
    # Likewise over 2048 characters: one routable number, so that a platform that accepted the
    # field would issue an ID for it (a whole field without a route would only ever say NO ROUTES).
    # Ten well-formed numbers and spaces: the length is the request's only defect.
    too_long = padded_to_too_long(
        [number(cfg, 0)] + [_unrouted(cfg, i) for i in range(1, 10)], random.Random(MAX_DNIS_CHARS)
    )
    return [
        _submit(
            cfg,
            "split_or_payload with two numbers",
            two,
            "sp",
            Defect.SPLIT_OR_PAYLOAD_MULTI,
            longMessageMode="split_or_payload",
        ),
        _submit(cfg, f"exactly {MAX_DNIS_COUNT} numbers", hundred, "hundred"),
        _submit(cfg, f"{MAX_DNIS_COUNT + 1} numbers", many, "x", Defect.DNIS_TOO_MANY),
        _submit(cfg, f"{len(too_long)} characters of dnis", too_long, "x", Defect.DNIS_TOO_LONG),
    ]


def _plus(cfg: Config) -> list[Case]:
    """A leading '+', judged only when the profile says whether it is accepted."""
    plus = cfg.knobs.plus_prefix
    if plus is None:
        return []
    note = f"a leading '+' ({'accepted' if plus else 'refused'})"
    defect = None if plus else Defect.DNIS_NOT_DIGITS
    return [_submit(cfg, note, "+" + number(cfg, 1), "plus", defect)]


# The boundary cases, a group per parameter, in the order they run.
_GROUPS: tuple[Callable[[Config], list[Case]], ...] = (
    _first,
    _segments,
    _numbers,
    _service_type,
    _dnis,
    _plus,
)


def boundary_cases(cfg: Config, no_route_dnis: str | None = None) -> list[Case]:
    cases = [case for group in _GROUPS for case in group(cfg)]
    if no_route_dnis:
        cases.append(_submit(cfg, "a number without a route", no_route_dnis, "x", Defect.NO_ROUTE))
    return cases
