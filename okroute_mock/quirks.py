"""The mock's answer at each MAY point, and the flipped answer (`okroute-mock --may-flip`).

The contract suite must pass against both: that proves it never fails on undocumented behaviour.
"""

from __future__ import annotations

from okroute_model.may import MAY_POINTS

# What the mock does by default at each MAY point it decides, and what flipping does.
CHOICES: dict[str, tuple[str, str]] = {
    "form-post": ("accepted", "rejected with 400"),
    "query-body-precedence": ("the query wins", "the body wins"),
    "query-via-post": ("accepted", "rejected with 400"),
    "single-object-dnis": ("no dnis", "carries dnis"),
    "segment-num-multi": ("always present", "only when split"),
    "single-id-split-entries": ("one per segment", "one per number"),
    "split-or-payload-single": ("split", "one payload message"),
    "undocumented-error-texts": ("plain sentences", "'ERROR: ' codes"),
    "out-of-range-ints": ("ignored", "rejected with 400"),
    "unknown-long-message-mode": ("rejected with 400", "ignored (cut)"),
    "command-case": ("rejected with 400", "accepted"),
    "unknown-params": ("ignored", "rejected with 400"),
    "plus-prefix": ("as the profile says", "accepted"),
    "dnis-list-spaces": ("accepted", "rejected with 400"),
    "ani-format": ("accepted", "rejected with 400"),
    "json-types": ("accepted", "rejected with 400"),
    "dnis-json-array": ("rejected with 400", "accepted"),
    "mo-response": ("JSON with a message_id", "plain 'OK'"),
    "query-missing-id": ("400", "UNKNOWN"),
    "unknown-id-answer": ("UNKNOWN", "404"),
    "cross-account-answer": ("UNKNOWN", "404"),
    "content-types": (
        "submit application/json, query text/html",
        "submit text/html, query application/json",
    ),
    "optional-param-limits": ("ignored", "rejected with 400"),
}

assert set(CHOICES) <= set(MAY_POINTS), set(CHOICES) - set(MAY_POINTS)

ALL = frozenset(CHOICES)


def parse_flips(names: list[str] | tuple[str, ...]) -> frozenset[str]:
    """`["all"]` or MAY point names into the set of flipped points."""
    if "all" in names:
        return ALL
    unknown = [n for n in names if n not in CHOICES]
    if unknown:
        raise ValueError(f"unknown MAY point(s) {', '.join(unknown)}; known: {', '.join(CHOICES)}")
    return frozenset(names)
