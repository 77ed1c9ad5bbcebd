"""Every rule of the contract page (`okroute-api.md`), named once, with its level.

A check in `contracts.checks` judges exactly one of these rules; a fault of the mock platform
breaks exactly one; reports and the detection matrix refer to them by name.  MAY points are not
rules: they are listed in `okroute_model.may` and only ever recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    MUST = "MUST"  # documented by the platform: a violation is a contract failure
    SHOULD = "SHOULD"  # any correct API of this kind does it: a failure unless lowered to a warning


@dataclass(frozen=True)
class Rule:
    name: str
    level: Level
    section: str
    summary: str
    quote: str  # the contract sentence it enforces, verbatim from okroute-api.md


_M, _S = Level.MUST, Level.SHOULD

RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        # §1 endpoint and request variants
        Rule(
            "request.valid-accepted",
            _M,
            "§1",
            "a valid request is accepted (200) through every documented variant and transport",
            "The documented ways (MUST be accepted by a platform, and MUST all be exercised by "
            "the suite, on both HTTP and HTTPS):",
        ),
        Rule(
            "variants.equivalent",
            _S,
            "§1",
            "GET, POST with credentials in the URL and POST with credentials in the body give "
            "the same outcome",
            "SHOULD: the same logical request gives the same outcome (status code, error text, "
            "response shape and number of entries) through every variant and on both transports.",
        ),
        Rule(
            "transports.equivalent",
            _S,
            "§1",
            "HTTP and HTTPS give the same outcome",
            "SHOULD: the same logical request gives the same outcome (status code, error text, "
            "response shape and number of entries) through every variant and on both transports.",
        ),
        # §2 authentication
        Rule(
            "auth.wrong-credentials",
            _M,
            "§2",
            "wrong username or password gives 401 'not authorized (check login and password)'",
            "MUST: wrong username or password → `401`, body `not authorized (check login and "
            "password)`.",
        ),
        Rule(
            "auth.missing-credentials",
            _S,
            "§2",
            "missing credentials give 401",
            "SHOULD: missing credentials → `401` as well;",
        ),
        Rule(
            "auth.reveals-nothing",
            _S,
            "§2",
            "a request rejected for its credentials reveals no message IDs or statuses",
            "a request that is rejected for its credentials never reveals anything else (no "
            "message IDs, no statuses).",
        ),
        Rule(
            "auth.cross-account",
            _S,
            "§2",
            "one account cannot read the status of another account's message",
            "SHOULD: one account cannot read another account's messages: a `query` with a "
            "`messageId` that another account submitted gives `UNKNOWN` or a 4xx, never the real "
            "status.",
        ),
        Rule(
            "auth.no-echo",
            _S,
            "§2",
            "credentials are never echoed back in a response body",
            "SHOULD: credentials are never echoed back in any response body.",
        ),
        Rule(
            "auth.mo-credentials",
            _S,
            "§5",
            "command=mo checks credentials like every command",
            "SHOULD never 5xx, and credentials are checked as for every command.",
        ),
        # §3 submit
        Rule(
            "submit.json-body",
            _M,
            "§3",
            "a successful submit answers JSON, whatever the Content-Type says",
            "MUST: the body is JSON whatever the `Content-Type` says",
        ),
        Rule(
            "submit.response-schema",
            _M,
            "§3",
            "submit answers match the schema: string values, non-empty message_id",
            "every `message_id` is a non-empty string;",
        ),
        Rule(
            "submit.response-shape",
            _M,
            "§3",
            "one number and one segment give an object; several give an array",
            "Success, several numbers, or a split message of more than one segment — `200`, a "
            "JSON array with one object per (number, segment);",
        ),
        Rule(
            "submit.dnis-from-request",
            _M,
            "§3",
            "every dnis in the answer was in the request",
            "every `dnis` in the array was in the request.",
        ),
        Rule(
            "submit.duplicate-numbers",
            _M,
            "§3",
            "duplicate numbers still get a message ID for every entry",
            "Duplicate numbers are sent once, but a message ID is still issued for every routed "
            "entry.",
        ),
        Rule(
            "submit.segment-count",
            _S,
            "§3",
            "one entry per routed number and segment, with the documented segment sizes",
            "Segmenting (documented; MUST for the project's own mock, SHOULD against a live "
            "platform):",
        ),
        Rule(
            "submit.single-id-split",
            _S,
            "§3",
            "single_id_split returns one message ID for all segments of a number",
            "`single_id_split` splits but returns a single message ID for all segments.",
        ),
        Rule(
            "submit.unique-ids",
            _S,
            "§3",
            "different messages get different message IDs",
            "SHOULD: different messages get different message IDs (except `single_id_split`, "
            "whose segments share one);",
        ),
        Rule(
            "submit.dnis-count-limit",
            _M,
            "§3",
            "over 100 numbers gives 400 'Destination number is too long'; exactly 100 is fine",
            "More than **100 numbers**, or a field longer than **2048 characters** → `400`, text "
            "`Destination number is too long`. Exactly 100 numbers is allowed.",
        ),
        Rule(
            "submit.dnis-length-limit",
            _M,
            "§3",
            "a dnis field over 2048 characters gives 400 'Destination number is too long'",
            "More than **100 numbers**, or a field longer than **2048 characters** → `400`, text "
            "`Destination number is too long`.",
        ),
        Rule(
            "submit.service-type-limit",
            _M,
            "§3",
            "serviceType over the byte limit gives 400 'Service type is invalid'; "
            "at the limit it is fine",
            "| `serviceType` over the limit | 400 | `Service type is invalid` |",
        ),
        Rule(
            "submit.split-or-payload-multi",
            _M,
            "§3",
            "several numbers with longMessageMode=split_or_payload give a 4xx",
            "Several numbers together with `longMessageMode=split_or_payload` are not supported →"
            " a 4xx.",
        ),
        Rule(
            "submit.no-routes",
            _M,
            "§3",
            "a number without a route gives 400 'NO ROUTES'",
            "| no route for the message | 400 | `NO ROUTES` |",
        ),
        Rule(
            "errors.invalid-rejected",
            _S,
            "§3",
            "an invalid request gets a 4xx with a non-empty body",
            "Undocumented errors — SHOULD be a 4xx with a non-empty body, text MAY:",
        ),
        Rule(
            "errors.no-5xx",
            _S,
            "§3",
            "no input gives a 5xx (508 aside) or a dropped connection",
            "SHOULD for every request whatever its content: never a 5xx (508 aside), never a "
            "dropped connection.",
        ),
        # §4 query
        Rule(
            "query.json-body",
            _M,
            "§4",
            "a status answer is JSON, whatever the Content-Type says",
            "MUST: `status` is one of the nine below; every value is a string.",
        ),
        Rule(
            "query.response-schema",
            _M,
            "§4",
            "status answers match the schema: one of the nine statuses, string values",
            "MUST: `status` is one of the nine below; every value is a string.",
        ),
        Rule(
            "query.field-formats",
            _S,
            "§4",
            "delivery_time, system_delivery_time, mccmnc and error_code have their formats",
            "SHOULD: `delivery_time` is empty or 14 digits `YYYYMMDDHHMMSS` (the vendor's done "
            "date); `system_delivery_time` is empty or 12 digits `YYMMDDHHMMSS`; `mccmnc` is "
            "empty or 5–6 digits; `error_code` is empty or 3 digits.",
        ),
        Rule(
            "query.known-at-once",
            _S,
            "§4",
            "an ID from a successful submit is known at once (not UNKNOWN)",
            "SHOULD: an ID from a successful submit is known at once (not `UNKNOWN`) for the "
            "retention period;",
        ),
        Rule(
            "query.final-stable",
            _S,
            "§4",
            "once a final status is returned, later queries return the same one",
            "once a final status is returned, later queries return the same final status.",
        ),
        Rule(
            "query.retention",
            _S,
            "§4",
            "an issued ID stays known during the retention period",
            "SHOULD: an ID from a successful submit is known at once (not `UNKNOWN`) for the "
            "retention period;",
        ),
        Rule(
            "query.unknown-id",
            _S,
            "§4",
            "an ID that was never issued gives UNKNOWN or a 4xx, never a status",
            "SHOULD: an ID that was never issued → `UNKNOWN` (or a 4xx), never a 5xx.",
        ),
    )
}


def rule(name: str) -> Rule:
    """The rule called `name`; a clear error for a name the contract does not have."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown contract rule {name!r}; known rules: {', '.join(RULES)}") from None
