"""Hypothesis strategies of valid requests and of invalid ones labelled with their defect.

Everything is drawn from the contract model: limits, modes, data codings, alphabets. Every
destination number starts with the configured prefix. Invalid requests start from a valid one and
change exactly one thing, so the defect label is the whole story (the offline fake verifies it).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from hypothesis import strategies as st

from contracts.cases import Case, IdKind
from contracts.target import Credentials
from okroute_model.params import (
    DATA_CODINGS,
    DNIS_SEPARATOR,
    ESM_CLASS_RANGE,
    FLAG_PARAMS,
    INC_MSG_ID_MODES,
    MAX_ANI_CHARS,
    MAX_DNIS_CHARS,
    MAX_DNIS_COUNT,
    MAX_INC_MSG_ID_CHARS,
    MAX_NUMBER_DIGITS,
    NPI_RANGE,
    QUERY_ID_PARAM,
    TON_RANGE,
    Command,
    LongMessageMode,
)
from okroute_model.profile import PlatformKnobs
from okroute_model.segments import GSM7_ALPHABET, GSM7_BASIC, GSM7_EXTENSION, GSM7_SINGLE
from okroute_model.wire import ApiRequest

# Characters a well-behaved client sends in text: no surrogates, controls or unassigned points.
_TEXT_EXCLUDED = ("Cs", "Cc", "Cn", "Co")
_GSM7 = "".join(sorted(GSM7_ALPHABET - {"\x1b"}))
_GSM7_PLAIN = "".join(sorted(GSM7_BASIC - {"\n", "\r"}))
_EXTENSION = "".join(sorted(GSM7_EXTENSION - {"\f"}))
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Config:
    """What the strategies need to know about the target."""

    credentials: Credentials
    knobs: PlatformKnobs
    dnis_prefix: str
    ani: str | None = None  # a fixed sender ID (live runs); None: generated offline
    live: bool = False  # smaller requests: every live message is a real SMS
    # Numbers under it have no route: requests a correct platform rejects are built from them
    # where the rejection's text tells them apart from NO ROUTES, so they put nothing at risk.
    no_route_prefix: str | None = None

    @property
    def max_numbers(self) -> int:
        return 3 if self.live else 12

    @property
    def invalid_numbers(self) -> int:
        """Numbers in the valid part of a live invalid request: one (each may be a real SMS if
        a faulty platform accepts the request)."""
        return 1 if self.live else self.max_numbers

    @property
    def max_text(self) -> int:
        return 320 if self.live else 700


# -- building blocks -------------------------------------------------------------------------


def routable(cfg: Config, number: str) -> str:
    """`number`, moved out of the no-route range when that range lies inside the test range (a
    valid request must be deliverable)."""
    nr = cfg.no_route_prefix
    if nr and len(nr) > len(cfg.dnis_prefix) and number.startswith(nr):
        at = len(nr) - 1
        number = number[:at] + str((int(number[at]) + 1) % 10) + number[at + 1 :]
    return number


def no_route_number(cfg: Config, i: int, digits: int = 11) -> str:
    """A number without a route (the caller checks `cfg.no_route_prefix` is set)."""
    prefix = cfg.no_route_prefix or ""
    digits = max(digits, len(prefix) + 3)
    return prefix + str(i).rjust(digits - len(prefix), "0")


def numbers(cfg: Config, digits: tuple[int, int] | None = None) -> st.SearchStrategy[str]:
    """One destination number under the configured prefix, digits only."""
    low, high = digits or (max(len(cfg.dnis_prefix) + 1, 8), MAX_NUMBER_DIGITS)
    low = max(low, len(cfg.dnis_prefix) + 1)
    return (
        st.integers(low, high)
        .flatmap(
            lambda n: st.text(
                "0123456789", min_size=n - len(cfg.dnis_prefix), max_size=n - len(cfg.dnis_prefix)
            )
        )
        .map(lambda tail: routable(cfg, cfg.dnis_prefix + tail))
    )


@st.composite
def number_lists(draw, cfg: Config, min_size: int = 1, max_size: int | None = None) -> list[str]:
    """Numbers, some of them repeated (the platform must still give each one an entry)."""
    max_size = max_size or cfg.max_numbers
    unique = draw(st.lists(numbers(cfg), min_size=1, max_size=max_size, unique=True))
    extra = draw(st.integers(0, max_size - len(unique)))
    repeated = draw(st.lists(st.sampled_from(unique), min_size=extra, max_size=extra))
    result = unique + repeated
    while len(result) < min_size:
        result.append(unique[0])
    return draw(st.permutations(result))


def gsm7_text(min_size: int = 1, max_size: int = 200) -> st.SearchStrategy[str]:
    return st.text(_GSM7, min_size=min_size, max_size=max_size)


@st.composite
def ucs2_text(draw, min_size: int = 1, max_size: int = 200, non_bmp: bool = False) -> str:
    """Text that needs UCS-2: it always holds at least one character outside GSM-7."""
    top = 0x10FFFF if non_bmp else 0xFFFF
    chars = st.characters(max_codepoint=top, exclude_categories=_TEXT_EXCLUDED)
    body = draw(st.text(chars, min_size=max(min_size - 1, 0), max_size=max(max_size - 1, 0)))
    outside = st.characters(
        min_codepoint=0x10000 if non_bmp else 0x100,
        max_codepoint=top,
        exclude_categories=_TEXT_EXCLUDED,
    ).filter(lambda c: c not in GSM7_ALPHABET)
    at = draw(st.integers(0, len(body)))
    return body[:at] + draw(outside) + body[at:]


def message_text(cfg: Config) -> st.SearchStrategy[str]:
    n = cfg.max_text
    return st.one_of(
        gsm7_text(max_size=GSM7_SINGLE),
        gsm7_text(min_size=150, max_size=n),
        ucs2_text(max_size=n // 2),
        ucs2_text(max_size=n // 3, non_bmp=True),
    )


def service_type(cfg: Config) -> st.SearchStrategy[str]:
    """Blank, or ASCII up to the byte limit (every reading's, when the profile does not set it)."""
    return st.text(_ALNUM, max_size=cfg.knobs.service_type_accepted)


def _ints(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(str)


def validity_period() -> st.SearchStrategy[str]:
    relative = st.tuples(st.integers(0, 1), st.integers(0, 23), st.integers(0, 59)).map(
        lambda t: f"0000{t[0]:02d}{t[1]:02d}{t[2]:02d}00000R"
    )
    absolute = st.tuples(
        st.integers(30, 40), st.integers(1, 12), st.integers(1, 28), st.integers(0, 23)
    ).map(lambda t: f"{t[0]:02d}{t[1]:02d}{t[2]:02d}{t[3]:02d}0000000-")
    return st.one_of(relative, absolute)


def optional_params(cfg: Config, single_number: bool, mode: str | None) -> st.SearchStrategy:
    """A dict of the optional submit parameters, each present or not."""
    options: dict[str, st.SearchStrategy] = {
        "dataCoding": st.sampled_from(DATA_CODINGS).map(str),
        "esmClass": _ints(*ESM_CLASS_RANGE),
        "silent": st.sampled_from(["0", "1", "false"]),
        "srcTon": _ints(*TON_RANGE),
        "srcNpi": _ints(*NPI_RANGE),
        "dstTon": _ints(*TON_RANGE),
        "dstNpi": _ints(*NPI_RANGE),
        "validityPeriod": validity_period(),
        **{name: st.sampled_from(["0", "1"]) for name in FLAG_PARAMS},
    }
    if cfg.ani:
        options["ani"] = st.just(cfg.ani)
    elif not cfg.live:
        options["ani"] = st.text(_ALNUM, min_size=1, max_size=MAX_ANI_CHARS)
    if single_number and (mode is None or mode in INC_MSG_ID_MODES):
        options["incMsgId"] = st.text(_ALNUM + "-_", min_size=1, max_size=MAX_INC_MSG_ID_CHARS)
    return st.fixed_dictionaries({}, optional=options)


def _request(cfg: Config, command: str, params: dict[str, str]) -> ApiRequest:
    c = cfg.credentials
    return ApiRequest(command, c.username, c.password, tuple(params.items()))


# -- valid requests --------------------------------------------------------------------------


@st.composite
def valid_submit_params(draw, cfg: Config, max_numbers: int | None = None) -> dict[str, str]:
    dnis = draw(number_lists(cfg, max_size=max_numbers))
    mode = draw(st.one_of(st.none(), st.sampled_from(list(LongMessageMode))))
    if mode == LongMessageMode.SPLIT_OR_PAYLOAD and len(dnis) > 1:
        mode = LongMessageMode.SPLIT  # several numbers with split_or_payload is a defect
    params = {"dnis": DNIS_SEPARATOR.join(dnis), "message": draw(message_text(cfg))}
    params["serviceType"] = draw(service_type(cfg))
    if mode is not None:
        params["longMessageMode"] = str(mode)
    params.update(draw(optional_params(cfg, len(set(dnis)) == 1 and len(dnis) == 1, mode)))
    if cfg.ani and "ani" not in params:
        params["ani"] = cfg.ani
    return params


def valid_submits(cfg: Config) -> st.SearchStrategy[Case]:
    return valid_submit_params(cfg).map(lambda p: Case(_request(cfg, Command.SUBMIT, p)))


def valid_mos(cfg: Config) -> st.SearchStrategy[Case]:
    return st.builds(
        lambda dnis, text, ani: Case(
            _request(cfg, Command.MO, {"ani": ani, "dnis": dnis, "message": text})
        ),
        numbers(cfg),
        gsm7_text(max_size=GSM7_SINGLE),
        numbers(cfg),
    )


def message_ids() -> st.SearchStrategy[str]:
    """IDs that were never issued: UUID-shaped, or anything a client might send."""
    uuid_like = st.uuids().map(str)
    return st.one_of(uuid_like, st.text(_ALNUM + "-", min_size=1, max_size=64))


def query_case(
    cfg: Config,
    message_id: str,
    id_kind: IdKind,
    previous: str | None = None,
    credentials: Credentials | None = None,
) -> Case:
    c = credentials or cfg.credentials
    request = ApiRequest(Command.QUERY, c.username, c.password, ((QUERY_ID_PARAM, message_id),))
    return Case(request, id_kind=id_kind, previous_status=previous)


# -- invalid requests, one defect each -------------------------------------------------------


def _replace(request: ApiRequest, **changes: str | None) -> ApiRequest:
    params = dict(request.params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return ApiRequest(request.command, request.username, request.password, tuple(params.items()))


def wrong_secrets() -> st.SearchStrategy[str]:
    """Passwords and usernames no platform has: never the real one, never a substring of it."""
    return st.text(_ALNUM, min_size=4, max_size=20).map(lambda s: f"wrong-{s}")


@st.composite
def _too_many_numbers(draw, cfg: Config) -> str:
    n = draw(st.integers(MAX_DNIS_COUNT + 1, MAX_DNIS_COUNT + 20))
    return DNIS_SEPARATOR.join(_bulk_numbers(cfg, n, draw(_seeded())))


@st.composite
def _too_long_dnis(draw, cfg: Config) -> str:
    """At most 100 items but over 2048 characters: each item is far too long to be a number."""
    width = draw(st.integers(25, 40))
    count = min(MAX_DNIS_COUNT, MAX_DNIS_CHARS // (width + 1) + 1 + draw(st.integers(0, 5)))
    return DNIS_SEPARATOR.join(_bulk_numbers(cfg, count, draw(_seeded()), width))


def _seeded() -> st.SearchStrategy[random.Random]:
    """A plain generator seeded from the example. Hypothesis's own random (`use_true_random=False`)
    makes every call a draw of its own: thousands per bulk list, most of a live run's CPU spent
    drawing digits that do not matter. This one draws once and still replays with the example."""
    return st.integers(0, 2**32 - 1).map(random.Random)


def _bulk_numbers(
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


@st.composite
def _number_with_junk(draw, cfg: Config) -> str:
    number = draw(numbers(cfg))
    junk = draw(st.sampled_from(list("abcxyzABC#*-/()_.")))
    at = draw(st.integers(len(cfg.dnis_prefix) + 1, len(number)))
    return number[:at] + junk + number[at:]


def _with_number(dnis: str, replacement: str, index: int) -> str:
    items = dnis.split(DNIS_SEPARATOR)
    items[index % len(items)] = replacement
    return DNIS_SEPARATOR.join(items)


@st.composite
def _over_limit_service_type(draw, cfg: Config) -> str:
    limit = cfg.knobs.service_type_rejected_over
    ascii_over = st.text(_ALNUM, min_size=limit + 1, max_size=limit + 8)
    # Multi-byte text: few characters, too many bytes.
    wide = st.text("éüñ€中", min_size=limit // 2 + 1, max_size=limit)
    return draw(st.one_of(ascii_over, wide).filter(lambda s: len(s.encode()) > limit))


SUBMIT_DEFECTS = (
    "missing-dnis",
    "missing-message",
    "dnis-too-many",
    "dnis-too-long",
    "dnis-not-digits",
    "dnis-too-many-digits",
    "service-type-too-long",
    "split-or-payload-multi",
    "missing-command",
    "unknown-command",
    "wrong-type",
    "malformed-json",
    "json-not-object",
)
CREDENTIAL_DEFECTS = (
    "wrong-password",
    "wrong-username",
    "missing-password",
    "missing-username",
    "missing-credentials",
)


@st.composite
def invalid_submit(draw, cfg: Config, defect: str) -> Case:
    """A submit that is valid but for `defect`."""
    base = _request(cfg, Command.SUBMIT, draw(valid_submit_params(cfg, cfg.invalid_numbers)))
    request = _apply_defect(draw, cfg, base, defect)
    return Case(request, defect=defect, also=ALSO_CARRIED.get(defect, ()))


# A dnis field over 2048 characters with at most 100 items cannot be made of valid numbers
# (100 numbers of 15 digits are 1599 characters): its items are too long as well.
ALSO_CARRIED = {"dnis-too-long": ("dnis-too-many-digits",)}
_MANY_NUMBERS = ("dnis-too-many", "dnis-too-long")


def _apply_defect(draw, cfg: Config, base: ApiRequest, defect: str) -> ApiRequest:
    dnis = str(base.get("dnis"))
    index = draw(st.integers(0, 200))
    if defect in _MANY_NUMBERS:
        # Many numbers with split_or_payload or incMsgId would carry a second defect.
        mode = base.get("longMessageMode")
        base = _replace(
            base,
            incMsgId=None,
            longMessageMode=None if mode == LongMessageMode.SPLIT_OR_PAYLOAD else mode,
        )
    if defect in ("missing-dnis", "missing-message"):
        return _replace(base, **{defect.removeprefix("missing-"): None})
    if defect == "dnis-too-many":
        return _replace(base, dnis=draw(_too_many_numbers(cfg)))
    if defect == "dnis-too-long":
        return _replace(base, dnis=draw(_too_long_dnis(cfg)))
    if defect == "dnis-not-digits":
        return _replace(base, dnis=_with_number(dnis, draw(_number_with_junk(cfg)), index))
    if defect == "dnis-too-many-digits":
        long_number = draw(numbers(cfg, (MAX_NUMBER_DIGITS + 1, MAX_NUMBER_DIGITS + 5)))
        return _replace(base, dnis=_with_number(dnis, long_number, index))
    if defect == "service-type-too-long":
        return _replace(base, serviceType=draw(_over_limit_service_type(cfg)))
    if defect == "split-or-payload-multi":
        several = draw(number_lists(cfg, min_size=2, max_size=max(cfg.invalid_numbers, 2)))
        params = _replace(
            base,
            dnis=DNIS_SEPARATOR.join(several),
            longMessageMode=LongMessageMode.SPLIT_OR_PAYLOAD,
            incMsgId=None,
        )
        return params
    if defect == "missing-command":
        return ApiRequest(None, base.username, base.password, base.params)
    if defect == "unknown-command":
        word = draw(
            st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
                lambda w: w.lower() not in {c.value for c in Command}
            )
        )
        return ApiRequest(word, base.username, base.password, base.params)
    if defect == "wrong-type":
        field = draw(st.sampled_from(["message", "serviceType"]))
        value = [str(base.get(field)), "x"]
        return ApiRequest(
            base.command,
            base.username,
            base.password,
            tuple((k, value if k == field else v) for k, v in base.params),
        )
    if defect == "malformed-json":
        body = json.dumps(dict(base.params), ensure_ascii=False).encode()
        cut = draw(st.integers(1, max(1, len(body) - 1)))
        return ApiRequest(
            base.command, base.username, base.password, base.params, raw_body=body[:cut]
        )
    if defect == "json-not-object":
        value = draw(st.sampled_from([[dict(base.params)], "submit", 42, None]))
        return ApiRequest(base.command, base.username, base.password, base.params, body_value=value)
    if defect in CREDENTIAL_DEFECTS:
        return _spoil_credentials(draw, base, defect)
    raise ValueError(f"no strategy for defect {defect!r}")


def _spoil_credentials(draw, request: ApiRequest, defect: str) -> ApiRequest:
    username, password = request.username, request.password
    if defect == "wrong-password":
        password = draw(wrong_secrets())
    elif defect == "wrong-username":
        username = draw(wrong_secrets())
    elif defect == "missing-password":
        password = draw(st.sampled_from([None, ""]))
    elif defect == "missing-username":
        username = draw(st.sampled_from([None, ""]))
    else:
        username = password = None
    return ApiRequest(
        request.command, username, password, request.params, request.raw_body, request.body_value
    )


@st.composite
def bad_credentials(draw, cfg: Config, base: st.SearchStrategy[Case], defect: str) -> Case:
    """`base` with its credentials spoiled by `defect` (credentials are judged first)."""
    case = draw(base)
    request = _one_number(cfg, case.request)
    return Case(_spoil_credentials(draw, request, defect), defect=defect, id_kind=case.id_kind)


def _one_number(cfg: Config, request: ApiRequest) -> ApiRequest:
    """A live submit with wrong credentials carries one number: a platform that ignored the
    credentials would deliver one. It keeps its route: a rejection must be seen to reveal no
    message ID, and only a number with a route would get one."""
    dnis = request.get("dnis")
    if not cfg.live or request.command != Command.SUBMIT or not isinstance(dnis, str) or not dnis:
        return request
    return _replace(request, dnis=dnis.split(DNIS_SEPARATOR)[0])


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
    return _replace(request, dnis=DNIS_SEPARATOR.join(items))


def credentials_first_defects(cfg: Config) -> list[str]:
    """The second defects beside wrong credentials. Live without a no-route prefix, not the
    oversize lists: their hundred numbers with a route would be at risk for a rule (credentials
    are judged first) that one number shows as well."""
    costly = _MANY_NUMBERS if cfg.live and not cfg.no_route_prefix else ()
    excluded = ("malformed-json", "json-not-object", *costly)
    return [d for d in SUBMIT_DEFECTS if d not in excluded]


@st.composite
def bad_credentials_on_invalid_submit(draw, cfg: Config, defect: str) -> Case:
    """Wrong credentials and a second defect: judged first or not, it is never accepted and
    reveals nothing (§2 leaves the order open)."""
    other = draw(st.sampled_from(credentials_first_defects(cfg)))
    invalid = draw(invalid_submit(cfg, other))
    return Case(
        _spoil_credentials(draw, _unrouted(cfg, invalid.request), defect),
        defect=defect,
        note=f"and {other}",
        also=(other, *invalid.also),
    )


# Defects that can only travel in a JSON body (two of the three variants).
JSON_ONLY_DEFECTS = ("wrong-type", "malformed-json", "json-not-object")
