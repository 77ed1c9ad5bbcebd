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
        ),
        Rule(
            "variants.equivalent",
            _S,
            "§1",
            "GET, POST with credentials in the URL and POST with credentials in the body give "
            "the same outcome",
        ),
        Rule("transports.equivalent", _S, "§1", "HTTP and HTTPS give the same outcome"),
        # §2 authentication
        Rule(
            "auth.wrong-credentials",
            _M,
            "§2",
            "wrong username or password gives 401 'not authorized (check login and password)'",
        ),
        Rule("auth.missing-credentials", _S, "§2", "missing credentials give 401"),
        Rule(
            "auth.reveals-nothing",
            _S,
            "§2",
            "a request rejected for its credentials reveals no message IDs or statuses",
        ),
        Rule(
            "auth.cross-account",
            _S,
            "§2",
            "one account cannot read the status of another account's message",
        ),
        Rule("auth.no-echo", _S, "§2", "credentials are never echoed back in a response body"),
        Rule("auth.mo-credentials", _S, "§5", "command=mo checks credentials like every command"),
        # §3 submit
        Rule(
            "submit.json-body",
            _M,
            "§3",
            "a successful submit answers JSON, whatever the Content-Type says",
        ),
        Rule(
            "submit.response-schema",
            _M,
            "§3",
            "submit answers match the schema: string values, non-empty message_id",
        ),
        Rule(
            "submit.response-shape",
            _M,
            "§3",
            "one number and one segment give an object; several give an array",
        ),
        Rule("submit.dnis-from-request", _M, "§3", "every dnis in the answer was in the request"),
        Rule(
            "submit.duplicate-numbers",
            _M,
            "§3",
            "duplicate numbers still get a message ID for every entry",
        ),
        Rule(
            "submit.segment-count",
            _S,
            "§3",
            "one entry per routed number and segment, with the documented segment sizes",
        ),
        Rule(
            "submit.single-id-split",
            _S,
            "§3",
            "single_id_split returns one message ID for all segments of a number",
        ),
        Rule("submit.unique-ids", _S, "§3", "different messages get different message IDs"),
        Rule(
            "submit.dnis-count-limit",
            _M,
            "§3",
            "over 100 numbers gives 400 'Destination number is too long'; exactly 100 is fine",
        ),
        Rule(
            "submit.dnis-length-limit",
            _M,
            "§3",
            "a dnis field over 2048 characters gives 400 'Destination number is too long'",
        ),
        Rule(
            "submit.service-type-limit",
            _M,
            "§3",
            "serviceType over the byte limit gives 400 'Service type is invalid'; "
            "at the limit it is fine",
        ),
        Rule(
            "submit.split-or-payload-multi",
            _M,
            "§3",
            "several numbers with longMessageMode=split_or_payload give a 4xx",
        ),
        Rule("submit.no-routes", _M, "§3", "a number without a route gives 400 'NO ROUTES'"),
        Rule(
            "errors.invalid-rejected",
            _S,
            "§3",
            "an invalid request gets a 4xx with a non-empty body",
        ),
        Rule("errors.no-5xx", _S, "§3", "no input gives a 5xx (508 aside) or a dropped connection"),
        # §4 query
        Rule(
            "query.json-body", _M, "§4", "a status answer is JSON, whatever the Content-Type says"
        ),
        Rule(
            "query.response-schema",
            _M,
            "§4",
            "status answers match the schema: one of the nine statuses, string values",
        ),
        Rule(
            "query.field-formats",
            _S,
            "§4",
            "delivery_time, system_delivery_time, mccmnc and error_code have their formats",
        ),
        Rule(
            "query.known-at-once",
            _S,
            "§4",
            "an ID from a successful submit is known at once (not UNKNOWN)",
        ),
        Rule(
            "query.final-stable",
            _S,
            "§4",
            "once a final status is returned, later queries return the same one",
        ),
        Rule(
            "query.status-forward",
            _S,
            "§4",
            "statuses only move forward: ENROUTE, ACCEPTD, then a final status",
        ),
        Rule("query.retention", _S, "§4", "an issued ID stays known during the retention period"),
        Rule(
            "query.unknown-id",
            _S,
            "§4",
            "an ID that was never issued gives UNKNOWN or a 4xx, never a status",
        ),
        # §7 pushed delivery reports and MO
        Rule(
            "push.formats",
            _M,
            "§7",
            "pushed markers have their documented formats (delivery_time, part_amount, rate, "
            "udh; MO's fixed fields)",
        ),
        Rule(
            "push.own-ids",
            _S,
            "§7",
            "every pushed app_msg_id was given to this account on submit, never another's",
        ),
        Rule("push.status-valid", _S, "§7", "a pushed delivery_status is one of the nine statuses"),
        Rule(
            "push.agrees-with-query",
            _S,
            "§7",
            "a final status that was pushed is what query answers for that ID afterwards",
        ),
        Rule("push.final-stable", _S, "§7", "no push moves an ID from a final status to another"),
        Rule(
            "push.final-delivered",
            _S,
            "§7",
            "a message that reaches a final status gets at least one push of it",
        ),
        Rule("push.no-password", _S, "§7", "a push never carries the account's password"),
    )
}


def rule(name: str) -> Rule:
    """The rule called `name`; a clear error for a name the contract does not have."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown contract rule {name!r}; known rules: {', '.join(RULES)}") from None
