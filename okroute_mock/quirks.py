"""The mock's answer at each MAY point, the flipped answer, and seeded random platforms.

`okroute-mock --may-flip` gives the other answer at chosen points; `--may-random SEED` draws every
point and every knob its profile leaves unknown independently, so that the suite is run against
correct platforms nobody wrote by hand. The contract suite must pass against every one of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from okroute_model.may import KNOB_POINTS, MAY_POINTS, May
from okroute_model.params import SERVICE_TYPE_READINGS
from okroute_model.profile import Knob, PlatformKnobs
from okroute_model.statuses import Status

# What the mock does by default at each MAY point it decides, and what flipping does.
CHOICES: dict[May, tuple[str, str]] = {
    May.FORM_POST: ("accepted", "rejected with 400"),
    May.QUERY_BODY_PRECEDENCE: ("the query wins", "the body wins"),
    May.QUERY_VIA_POST: ("accepted", "rejected with 400"),
    May.SINGLE_OBJECT_DNIS: ("no dnis", "carries dnis"),
    May.SEGMENT_NUM_MULTI: ("always present", "only when split"),
    May.SINGLE_ID_SPLIT_ENTRIES: ("one per segment", "one per number"),
    May.SPLIT_OR_PAYLOAD_SINGLE: ("split", "one payload message"),
    May.UNDOCUMENTED_ERROR_TEXTS: ("plain sentences", "'ERROR: ' codes"),
    May.OUT_OF_RANGE_INTS: ("ignored", "rejected with 400"),
    May.UNKNOWN_LONG_MESSAGE_MODE: ("rejected with 400", "ignored (cut)"),
    May.COMMAND_CASE: ("rejected with 400", "accepted"),
    May.UNKNOWN_PARAMS: ("ignored", "rejected with 400"),
    May.PLUS_PREFIX: ("rejected", "accepted"),
    May.DNIS_LIST_SPACES: ("accepted", "rejected with 400"),
    May.DNIS_EMPTY_ITEMS: ("skipped", "rejected with 400"),
    May.ANI_FORMAT: ("accepted", "rejected with 400"),
    May.SERVICE_TYPE_7_9: ("limit 9 bytes", "limit 6 bytes"),
    May.JSON_TYPES: ("accepted", "rejected with 400"),
    May.JSON_INTEGER_STRINGS: ("accepted", "rejected with 400"),
    May.DNIS_JSON_ARRAY: ("rejected with 400", "accepted"),
    May.MO_RESPONSE: ("JSON with a message_id", "plain 'OK'"),
    May.QUERY_MISSING_ID: ("400", Status.UNKNOWN),
    May.UNKNOWN_ID_ANSWER: (Status.UNKNOWN, "404"),
    May.CROSS_ACCOUNT_ANSWER: (Status.UNKNOWN, "404"),
    May.CONTENT_TYPES: (
        "submit application/json, query text/html",
        "submit text/html, query application/json",
    ),
    May.OPTIONAL_PARAM_LIMITS: ("ignored", "rejected with 400"),
    May.CREDENTIALS_ORDER: ("credentials first", "every other defect first"),
    May.MISSING_CREDENTIALS_TEXT: ("the documented 401 text", "401 'credentials are missing'"),
    May.UNDOCUMENTED_ERROR_STATUS: ("400", "422"),
    May.DUPLICATE_IDS: ("an ID per entry", "a duplicate shares its number's IDs"),
    May.REPEATED_PARAMS: ("the last one wins", "the first one wins"),
    May.PARAM_NAME_CASE: ("names are case-sensitive", "names are case-insensitive"),
    May.MCCMNC_DIGITS: ("6 digits", "5 digits"),
    May.STATUS_PATH: ("ENROUTE, ACCEPTD, final", "ENROUTE, then final"),
    May.SPLIT_SAR_SIZES: ("split's sizes", "whole-message sizes"),
    May.ID_SHAPE: ("32 hex digits in groups of 8", "'alss-' and 16 hex digits in groups of 8"),
}

assert set(CHOICES) <= set(MAY_POINTS), set(CHOICES) - set(MAY_POINTS)

ALL = frozenset(CHOICES)

# The mock's own value of a knob that its profile leaves unknown: by default and when flipped.
KNOB_VALUES: dict[Knob, tuple[Any, Any]] = {
    Knob.SERVICE_TYPE_MAX_BYTES: (SERVICE_TYPE_READINGS[-1], SERVICE_TYPE_READINGS[0]),
    Knob.PLUS_PREFIX: (False, True),
}
# Every value a knob may take on a correct platform, for random platforms.
KNOB_RANGES: dict[Knob, tuple[Any, ...]] = {
    Knob.SERVICE_TYPE_MAX_BYTES: SERVICE_TYPE_READINGS,
    Knob.PLUS_PREFIX: (False, True),
}
assert set(KNOB_VALUES) == set(KNOB_RANGES) == set(Knob)


def parse_flips(names: list[str] | tuple[str, ...]) -> frozenset[May]:
    """`["all"]` or MAY point names into the set of flipped points."""
    if "all" in names:
        return ALL
    unknown = [n for n in names if n not in CHOICES]
    if unknown:
        raise ValueError(f"unknown MAY point(s) {', '.join(unknown)}; known: {', '.join(CHOICES)}")
    return frozenset(May(n) for n in names)


def mock_knobs(
    knobs: PlatformKnobs, flips: frozenset[May], drawn: dict[Knob, Any] | None = None
) -> PlatformKnobs:
    """The concrete knobs of the mock: the profile's where it sets them, else drawn or chosen."""
    values = {
        knob: (drawn or {}).get(knob, KNOB_VALUES[knob][KNOB_POINTS[knob] in flips])
        for knob in Knob
    }
    return knobs.filled(values)


@dataclass(frozen=True)
class RandomPlatform:
    """A correct platform drawn from a seed: each MAY point and each unknown knob on its own."""

    seed: int
    flips: frozenset[May]
    knobs: dict[Knob, Any]

    @classmethod
    def draw(cls, seed: int, profile_knobs: PlatformKnobs) -> RandomPlatform:
        rng = random.Random(f"okroute-may-random-{seed}")
        knob_points = set(KNOB_POINTS.values())
        flips = frozenset(p for p in CHOICES if p not in knob_points and rng.random() < 0.5)
        knobs = {k: rng.choice(KNOB_RANGES[k]) for k in Knob}
        # A knob that the profile sets is not drawn: the platform has the profile's value.
        return cls(seed, flips, {k: v for k, v in knobs.items() if k in profile_knobs.unknown()})


def describe(
    flips: frozenset[May], knobs: PlatformKnobs, seed: int | None = None
) -> dict[str, Any]:
    """What a mock does at every MAY point, and its concrete knobs, as plain data."""
    values = {k: getattr(knobs, k) for k in Knob}
    may = {}
    for point, (default, flipped) in CHOICES.items():
        knob = MAY_POINTS[point].knob
        if knob is not None:
            may[point.value] = f"{knob.value} = {knob_text(values[knob])}"
        else:
            may[point.value] = flipped if point in flips else default
    return {"seed": seed, "may": may, "knobs": {k.value: values[k] for k in Knob}}


def knob_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
