"""Hypothesis strategies of valid requests and of invalid ones labelled with their defect.

Everything is drawn from the contract model: limits, modes, data codings, alphabets. Every
destination number starts with the configured prefix. Invalid requests start from a valid one and
change exactly one thing, so the defect label is the whole story (the offline fake verifies it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

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

# Why the builders below are cached (by their arguments; a `Config` is frozen, so hashable): a
# strategy is checked and analysed by Hypothesis the first time it is drawn from, and built anew
# inside every example it would be again, which was most of the cost of drawing a submit. The
# cache changes no choice an example makes, so saved examples replay as before.
_cached = lru_cache(maxsize=None)


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


@_cached
def numbers(cfg: Config, digits: tuple[int, int] | None = None) -> st.SearchStrategy[str]:
    """One destination number under the configured prefix, digits only."""
    low, high = digits or (max(len(cfg.dnis_prefix) + 1, 8), MAX_NUMBER_DIGITS)
    low = max(low, len(cfg.dnis_prefix) + 1)
    # The tail in one draw of a digit string (its length spread over the range, the longest
    # often), not a length and then a string of that length: a list of numbers draws a dozen.
    tail = st.text(
        "0123456789", min_size=low - len(cfg.dnis_prefix), max_size=high - len(cfg.dnis_prefix)
    )
    return tail.map(lambda tail: routable(cfg, cfg.dnis_prefix + tail))


@_cached
@st.composite
def number_lists(draw, cfg: Config, min_size: int = 1, max_size: int | None = None) -> list[str]:
    """Numbers, some of them repeated (the platform must still give each one an entry)."""
    max_size = max_size or cfg.max_numbers
    unique = draw(_unique_numbers(cfg, max_size))
    extra = draw(st.integers(0, max_size - len(unique)))
    # Each repeat picked by index and put anywhere in the list (the unique ones come in drawn
    # order already): two draws a repeat, no new strategy per list and no shuffle of the whole
    # (st.integers is cached by Hypothesis itself).
    result = list(unique)
    for _ in range(extra):
        repeat = unique[draw(st.integers(0, len(unique) - 1))]
        result.insert(draw(st.integers(0, len(result))), repeat)
    while len(result) < min_size:
        result.append(unique[0])
    return result


@_cached
def _unique_numbers(cfg: Config, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(numbers(cfg), min_size=1, max_size=max_size, unique=True)


@_cached
def gsm7_text(min_size: int = 1, max_size: int = 200) -> st.SearchStrategy[str]:
    return st.text(_GSM7, min_size=min_size, max_size=max_size)


@st.composite
def ucs2_text(draw, min_size: int = 1, max_size: int = 200, non_bmp: bool = False) -> str:
    """Text that needs UCS-2: it always holds at least one character outside GSM-7."""
    body = draw(_ucs2_body(max(min_size - 1, 0), max(max_size - 1, 0), non_bmp))
    at = draw(st.integers(0, len(body)))
    return body[:at] + draw(_outside_gsm7(non_bmp)) + body[at:]


@_cached
def _ucs2_body(min_size: int, max_size: int, non_bmp: bool) -> st.SearchStrategy[str]:
    top = 0x10FFFF if non_bmp else 0xFFFF
    chars = st.characters(max_codepoint=top, exclude_categories=_TEXT_EXCLUDED)
    return st.text(chars, min_size=min_size, max_size=max_size)


@_cached
def _outside_gsm7(non_bmp: bool) -> st.SearchStrategy[str]:
    return st.characters(
        min_codepoint=0x10000 if non_bmp else 0x100,
        max_codepoint=0x10FFFF if non_bmp else 0xFFFF,
        exclude_categories=_TEXT_EXCLUDED,
    ).filter(lambda c: c not in GSM7_ALPHABET)


@_cached
def message_text(cfg: Config) -> st.SearchStrategy[str]:
    n = cfg.max_text
    return st.one_of(
        gsm7_text(max_size=GSM7_SINGLE),
        gsm7_text(min_size=150, max_size=n),
        ucs2_text(max_size=n // 2),
        ucs2_text(max_size=n // 3, non_bmp=True),
    )


@_cached
def service_type(cfg: Config) -> st.SearchStrategy[str]:
    """Blank, or ASCII up to the byte limit (every reading's, when the profile does not set it)."""
    return st.text(_ALNUM, max_size=cfg.knobs.service_type_accepted)


@_cached
def _ints(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(str)


@_cached
def validity_period() -> st.SearchStrategy[str]:
    relative = st.tuples(st.integers(0, 1), st.integers(0, 23), st.integers(0, 59)).map(
        lambda t: f"0000{t[0]:02d}{t[1]:02d}{t[2]:02d}00000R"
    )
    absolute = st.tuples(
        st.integers(30, 40), st.integers(1, 12), st.integers(1, 28), st.integers(0, 23)
    ).map(lambda t: f"{t[0]:02d}{t[1]:02d}{t[2]:02d}{t[3]:02d}0000000-")
    return st.one_of(relative, absolute)


@_cached
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


_MODES = st.one_of(st.none(), st.sampled_from(list(LongMessageMode)))


@_cached
@st.composite
def valid_submit_params(draw, cfg: Config, max_numbers: int | None = None) -> dict[str, str]:
    dnis = draw(number_lists(cfg, max_size=max_numbers))
    mode = draw(_MODES)
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


@_cached
def valid_submits(cfg: Config) -> st.SearchStrategy[Case]:
    return valid_submit_params(cfg).map(lambda p: Case(_request(cfg, Command.SUBMIT, p)))


@_cached
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


# -- changing a request ---------------------------------------------------------------------


def with_params(request: ApiRequest, **changes: str | None) -> ApiRequest:
    """`request` with parameters replaced (None: removed)."""
    params = dict(request.params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return ApiRequest(request.command, request.username, request.password, tuple(params.items()))


def request_of(cfg: Config, command: str, params: dict[str, str]) -> ApiRequest:
    """A request of `command` with the configured credentials."""
    return _request(cfg, command, params)


def wrong_secrets() -> st.SearchStrategy[str]:
    """Passwords and usernames no platform has: never the real one, never a substring of it."""
    return st.text(_ALNUM, min_size=4, max_size=20).map(lambda s: f"wrong-{s}")


def seeded() -> st.SearchStrategy[random.Random]:
    """A plain generator seeded from the example. Hypothesis's own random (`use_true_random=False`)
    makes every call a draw of its own: thousands per bulk list, most of a live run's CPU spent
    drawing digits that do not matter. This one draws once and still replays with the example."""
    return st.integers(0, 2**32 - 1).map(random.Random)
