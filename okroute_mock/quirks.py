"""The mock's answer at each MAY point, and the flipped answer (`okroute-mock --may-flip`).

The contract suite must pass against both: that proves it never fails on undocumented behaviour.
"""

from __future__ import annotations

from okroute_model.may import MAY_POINTS, May
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
    May.PLUS_PREFIX: ("as the profile says", "accepted"),
    May.DNIS_LIST_SPACES: ("accepted", "rejected with 400"),
    May.ANI_FORMAT: ("accepted", "rejected with 400"),
    May.JSON_TYPES: ("accepted", "rejected with 400"),
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
}

assert set(CHOICES) <= set(MAY_POINTS), set(CHOICES) - set(MAY_POINTS)

ALL = frozenset(CHOICES)


def parse_flips(names: list[str] | tuple[str, ...]) -> frozenset[May]:
    """`["all"]` or MAY point names into the set of flipped points."""
    if "all" in names:
        return ALL
    unknown = [n for n in names if n not in CHOICES]
    if unknown:
        raise ValueError(f"unknown MAY point(s) {', '.join(unknown)}; known: {', '.join(CHOICES)}")
    return frozenset(May(n) for n in names)
