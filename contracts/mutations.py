"""Invalid requests: one mutation per defect, each a small function, collected in one table.

In the manner of Schemathesis's `negative/mutations.py`: a mutation takes a valid request and
changes exactly one thing, so that the request carries its defect and no other (the offline
fake's diagnosis fails the suite otherwise: a second defect could hide a platform that ignores
the first). Each function's docstring says its effect. `MUTATIONS` is keyed by the model's
`Defect`; a defect drawn nowhere says why in `NOT_DRAWN` (`tests/test_defect_registry.py`
names whatever a new member lacks).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from hypothesis import strategies as st

from contracts.cases import Case
from contracts.strategies import (
    Config,
    no_route_number,
    number_lists,
    numbers,
    request_of,
    seeded,
    valid_submit_params,
    with_params,
    wrong_secrets,
)
from okroute_model.defects import CREDENTIAL_DEFECTS, Defect
from okroute_model.params import (
    DNIS_SEPARATOR,
    MAX_DNIS_CHARS,
    MAX_DNIS_COUNT,
    MAX_NUMBER_DIGITS,
    Command,
    LongMessageMode,
)
from okroute_model.wire import ApiRequest

Draw = Callable[[st.SearchStrategy], object]
Apply = Callable[[Draw, Config, ApiRequest], ApiRequest]


@dataclass(frozen=True)
class Mutation:
    defect: Defect
    apply: Apply
    json_only: bool = False  # it can only travel in a JSON body (two of the three variants)

    @property
    def effect(self) -> str:
        return (self.apply.__doc__ or "").strip().splitlines()[0]


MUTATIONS: dict[Defect, Mutation] = {}

# Defects no mutation draws, and where they are sent instead.
NOT_DRAWN: dict[Defect, str] = {
    Defect.INVALID_UTF8: "raw bytes httpx cannot send: the robustness probes (`probes.py`)",
    Defect.DNIS_EMPTY: "always found after the MAY label dnis-empty-items: never isolated",
    Defect.NO_ROUTE: "needs the user's no-route number: a boundary case (`boundaries.py`)",
}


def mutation(defect: Defect, json_only: bool = False) -> Callable[[Apply], Apply]:
    def register(apply: Apply) -> Apply:
        if defect in MUTATIONS:
            raise ValueError(f"two mutations for {defect}")
        MUTATIONS[defect] = Mutation(defect, apply, json_only)
        return apply

    return register


# -- building blocks -------------------------------------------------------------------------


def bulk_numbers(
    cfg: Config, count: int, rng: random.Random, width: int | None = None
) -> list[str]:
    """Many numbers at once, for a list a correct platform rejects with a documented text (over
    100 numbers, over 2048 characters): under the no-route prefix when there is one, so that even
    a faulty platform that accepted the list would deliver nothing. Which digits they have does
    not matter to the defect, so they come from one seeded generator."""
    prefix = cfg.no_route_prefix or cfg.dnis_prefix
    low = max(len(prefix) + 1, 8)
    result = []
    for _ in range(count):
        digits = (width or rng.randint(low, MAX_NUMBER_DIGITS)) - len(prefix)
        result.append(prefix + "".join(rng.choices("0123456789", k=digits)))
    return result


def padded_to_too_long(items: list[str], rng: random.Random, extra: int = 0) -> str:
    """Well-formed numbers with spaces beside them until the field is over 2048 characters.

    At most 100 items and each a number once stripped: the only defect is the field's length.
    A correct platform rejects it by length whatever it does with spaces (a MAY point), so a
    platform without the length check is caught whichever way it reads them."""
    joined = DNIS_SEPARATOR.join(items)
    pad = MAX_DNIS_CHARS + 1 - len(joined) + extra
    cuts = sorted(rng.randint(0, pad) for _ in range(2 * len(items) - 1))
    widths = [b - a for a, b in zip([0, *cuts], [*cuts, pad], strict=True)]
    padded = [" " * widths[2 * i] + item + " " * widths[2 * i + 1] for i, item in enumerate(items)]
    return DNIS_SEPARATOR.join(padded)


def _with_number(dnis: str, replacement: str, index: int) -> str:
    items = dnis.split(DNIS_SEPARATOR)
    items[index % len(items)] = replacement
    return DNIS_SEPARATOR.join(items)


def _for_many_numbers(request: ApiRequest) -> ApiRequest:
    """Many numbers with split_or_payload or incMsgId would carry a second defect."""
    mode = request.get("longMessageMode")
    return with_params(
        request,
        incMsgId=None,
        longMessageMode=None if mode == LongMessageMode.SPLIT_OR_PAYLOAD else mode,
    )


def _with_body(request: ApiRequest, **body: object) -> ApiRequest:
    return ApiRequest(request.command, request.username, request.password, request.params, **body)


# -- the mutations ---------------------------------------------------------------------------


@mutation(Defect.MISSING_DNIS)
def remove_dnis(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Removes dnis."""
    return with_params(base, dnis=None)


@mutation(Defect.MISSING_MESSAGE)
def remove_message(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Removes message."""
    return with_params(base, message=None)


@mutation(Defect.DNIS_TOO_MANY)
def over_100_numbers(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Replaces dnis with 101 to 120 well-formed numbers."""
    count = draw(st.integers(MAX_DNIS_COUNT + 1, MAX_DNIS_COUNT + 20))
    dnis = DNIS_SEPARATOR.join(bulk_numbers(cfg, count, draw(seeded())))
    return with_params(_for_many_numbers(base), dnis=dnis)


@mutation(Defect.DNIS_TOO_LONG)
def over_2048_characters(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Replaces dnis with a few well-formed numbers padded with spaces past 2048 characters."""
    count = draw(st.integers(1, cfg.invalid_numbers))
    rng = draw(seeded())
    dnis = padded_to_too_long(bulk_numbers(cfg, count, rng), rng, draw(st.integers(0, 40)))
    return with_params(_for_many_numbers(base), dnis=dnis)


@mutation(Defect.DNIS_NOT_DIGITS)
def letter_in_a_number(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Puts a letter or punctuation mark inside one number of dnis."""
    number = draw(numbers(cfg))
    junk = draw(st.sampled_from(list("abcxyzABC#*-/()_.")))
    at = draw(st.integers(len(cfg.dnis_prefix) + 1, len(number)))
    dnis = _with_number(
        str(base.get("dnis")), number[:at] + junk + number[at:], draw(st.integers(0, 200))
    )
    return with_params(base, dnis=dnis)


@mutation(Defect.DNIS_TOO_MANY_DIGITS)
def number_over_15_digits(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Replaces one number of dnis with one of 16 to 20 digits."""
    long_number = draw(numbers(cfg, (MAX_NUMBER_DIGITS + 1, MAX_NUMBER_DIGITS + 5)))
    dnis = _with_number(str(base.get("dnis")), long_number, draw(st.integers(0, 200)))
    return with_params(base, dnis=dnis)


@mutation(Defect.SERVICE_TYPE_TOO_LONG)
def service_type_over_limit(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Sets serviceType to more bytes than the limit (ASCII, or fewer multi-byte characters)."""
    limit = cfg.knobs.service_type_rejected_over
    ascii_over = st.text("ABCXYZabcxyz0189", min_size=limit + 1, max_size=limit + 8)
    wide = st.text("éüñ€中", min_size=limit // 2 + 1, max_size=limit)
    value = draw(st.one_of(ascii_over, wide).filter(lambda s: len(s.encode()) > limit))
    return with_params(base, serviceType=value)


@mutation(Defect.SPLIT_OR_PAYLOAD_MULTI)
def split_or_payload_to_several(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Sends to two or more numbers with longMessageMode=split_or_payload."""
    several = draw(number_lists(cfg, min_size=2, max_size=max(cfg.invalid_numbers, 2)))
    return with_params(
        base,
        dnis=DNIS_SEPARATOR.join(several),
        longMessageMode=LongMessageMode.SPLIT_OR_PAYLOAD,
        incMsgId=None,
    )


@mutation(Defect.MISSING_COMMAND)
def remove_command(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Removes command."""
    return ApiRequest(None, base.username, base.password, base.params)


@mutation(Defect.UNKNOWN_COMMAND)
def unknown_command(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Sets command to a word that is no command in any letter case."""
    word = draw(
        st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
            lambda w: w.lower() not in {c.value for c in Command}
        )
    )
    return ApiRequest(word, base.username, base.password, base.params)


@mutation(Defect.WRONG_TYPE, json_only=True)
def list_for_a_string(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Sends message or serviceType as a JSON list."""
    field = draw(st.sampled_from(["message", "serviceType"]))
    value = [str(base.get(field)), "x"]
    params = tuple((k, value if k == field else v) for k, v in base.params)
    return ApiRequest(base.command, base.username, base.password, params)


@mutation(Defect.MALFORMED_JSON, json_only=True)
def cut_json_body(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Cuts the JSON body short, so that it is no JSON."""
    body = json.dumps(dict(base.params), ensure_ascii=False).encode()
    cut = draw(st.integers(1, max(1, len(body) - 1)))
    return _with_body(base, raw_body=body[:cut])


@mutation(Defect.JSON_NOT_OBJECT, json_only=True)
def json_body_not_an_object(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Sends a JSON body that is a list, a string, a number or null."""
    value = draw(st.sampled_from([[dict(base.params)], "submit", 42, None]))
    return _with_body(base, body_value=value)


def _credentials(request: ApiRequest, username: str | None, password: str | None) -> ApiRequest:
    return ApiRequest(
        request.command, username, password, request.params, request.raw_body, request.body_value
    )


@mutation(Defect.WRONG_PASSWORD)
def wrong_password(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Sets a password no account has."""
    return _credentials(base, base.username, str(draw(wrong_secrets())))


@mutation(Defect.WRONG_USERNAME)
def wrong_username(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Sets a username no account has."""
    return _credentials(base, str(draw(wrong_secrets())), base.password)


@mutation(Defect.MISSING_PASSWORD)
def remove_password(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Removes the password or sends it empty."""
    return _credentials(base, base.username, draw(st.sampled_from([None, ""])))  # type: ignore[arg-type]


@mutation(Defect.MISSING_USERNAME)
def remove_username(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Removes the username or sends it empty."""
    return _credentials(base, draw(st.sampled_from([None, ""])), base.password)  # type: ignore[arg-type]


@mutation(Defect.MISSING_CREDENTIALS)
def remove_credentials(draw: Draw, cfg: Config, base: ApiRequest) -> ApiRequest:
    """Removes both username and password."""
    return _credentials(base, None, None)


# The submit defects the suite draws, in the registry's order; credentials are tested apart.
SUBMIT_DEFECTS: tuple[Defect, ...] = tuple(d for d in MUTATIONS if d not in CREDENTIAL_DEFECTS)
JSON_ONLY_DEFECTS: tuple[Defect, ...] = tuple(d for d, m in MUTATIONS.items() if m.json_only)


# -- cases -----------------------------------------------------------------------------------


@cache  # one strategy per (cfg, defect), validated once (see contracts.strategies' note)
@st.composite
def invalid_submit(draw, cfg: Config, defect: Defect) -> Case:
    """A submit that is valid but for `defect`."""
    base = request_of(cfg, Command.SUBMIT, draw(valid_submit_params(cfg, cfg.invalid_numbers)))
    return Case(MUTATIONS[defect].apply(draw, cfg, base), defect=defect)


@st.composite
def bad_credentials(draw, cfg: Config, base: st.SearchStrategy[Case], defect: Defect) -> Case:
    """`base` with its credentials spoiled by `defect` (credentials are judged first)."""
    case = draw(base)
    request = _one_number(cfg, case.request)
    spoiled = MUTATIONS[defect].apply(draw, cfg, request)
    return Case(spoiled, defect=defect, id_kind=case.id_kind)


def _one_number(cfg: Config, request: ApiRequest) -> ApiRequest:
    """A live submit with wrong credentials carries one number: a platform that ignored the
    credentials would deliver one. It keeps its route: a rejection must be seen to reveal no
    message ID, and only a number with a route would get one."""
    dnis = request.get("dnis")
    if not cfg.live or request.command != Command.SUBMIT or not isinstance(dnis, str) or not dnis:
        return request
    return with_params(request, dnis=dnis.split(DNIS_SEPARATOR)[0])


def _unrouted(cfg: Config, request: ApiRequest) -> ApiRequest:
    """A live submit with wrong credentials *and* another defect: its well-formed numbers moved
    under the no-route prefix when there is one. The documented 401 tells a correct rejection from
    NO ROUTES, so a platform that ignored the credentials still fails the check, and would have
    delivered nothing. Malformed items stay as they are: they are the other defect."""
    dnis = request.get("dnis")
    if not cfg.live or request.command != Command.SUBMIT or not isinstance(dnis, str) or not dnis:
        return request
    items = dnis.split(DNIS_SEPARATOR)
    if cfg.no_route_prefix:
        items = [
            no_route_number(cfg, i, len(n)) if n.isdigit() and n.startswith(cfg.dnis_prefix) else n
            for i, n in enumerate(items)
        ]
    return with_params(request, dnis=DNIS_SEPARATOR.join(items))


def credentials_first_defects(cfg: Config) -> list[Defect]:
    """The second defects beside wrong credentials. Live without a no-route prefix, not the
    oversize lists: their hundred numbers with a route would be at risk for a rule (credentials
    are judged first) that one number shows as well."""
    oversize = (Defect.DNIS_TOO_MANY, Defect.DNIS_TOO_LONG)
    costly = oversize if cfg.live and not cfg.no_route_prefix else ()
    excluded = (Defect.MALFORMED_JSON, Defect.JSON_NOT_OBJECT, *costly)
    return [d for d in SUBMIT_DEFECTS if d not in excluded]


@cache
@st.composite
def bad_credentials_on_invalid_submit(draw, cfg: Config, defect: Defect) -> Case:
    """Wrong credentials and a second defect: judged first or not, it is never accepted and
    reveals nothing (§2 leaves the order open). The one case that carries two defects on
    purpose: it says so (`also`), and the offline diagnosis checks both are there."""
    other = draw(st.sampled_from(credentials_first_defects(cfg)))
    invalid = draw(invalid_submit(cfg, other))
    spoiled = MUTATIONS[defect].apply(draw, cfg, _unrouted(cfg, invalid.request))
    return Case(spoiled, defect=defect, note=f"and {other}", also=(other,))
