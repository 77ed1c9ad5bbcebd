"""The catalogue of deliberate contract faults: `okroute-mock --break NAME`.

Each fault makes the mock violate one MUST or SHOULD rule of the contract model. The meta-test
(`tests/test_fault_catalogue.py`) runs the live contract suite against the mock broken in each way
and requires a failure that names that rule. The platform core tests `Fault.X in breaks` where the
fault acts, so a misspelt fault fails at import; this module names and describes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from okroute_model.defects import Defect
from okroute_model.rawinput import RawInput
from okroute_model.rules import RULES


class Fault(StrEnum):
    """Every deliberate contract fault, by name: the platform code names members, never strings."""

    AUTH_IGNORED = "auth-ignored"
    AUTH_WRONG_STATUS = "auth-wrong-status"
    AUTH_WRONG_TEXT = "auth-wrong-text"
    AUTH_MISSING_400 = "auth-missing-400"
    AUTH_QUERY_UNCHECKED = "auth-query-unchecked"
    AUTH_MO_UNCHECKED = "auth-mo-unchecked"
    AUTH_POST_BODY_UNCHECKED = "auth-post-body-unchecked"
    AUTH_LEAKS_IDS = "auth-leaks-ids"
    ECHO_CREDENTIALS = "echo-credentials"
    CROSS_ACCOUNT_READ = "cross-account-read"
    DNIS_101_ACCEPTED = "dnis-101-accepted"
    DNIS_100_REJECTED = "dnis-100-rejected"
    DNIS_LIMIT_WRONG_TEXT = "dnis-limit-wrong-text"
    DNIS_LENGTH_UNCHECKED = "dnis-length-unchecked"
    DNIS_16_DIGITS = "dnis-16-digits"
    DNIS_NON_DIGIT = "dnis-non-digit"
    NO_ROUTES_ACCEPTED = "no-routes-accepted"
    GSM7_SINGLE_159 = "gsm7-single-159"
    GSM7_EXTENSION_AS_ONE = "gsm7-extension-as-one"
    UCS2_AS_GSM7 = "ucs2-as-gsm7"
    CUT_SPLITS = "cut-splits"
    SINGLE_ID_SPLIT_DISTINCT = "single-id-split-distinct"
    DUPLICATES_COLLAPSED = "duplicates-collapsed"
    SPLIT_OR_PAYLOAD_MULTI_ACCEPTED = "split-or-payload-multi-accepted"
    IDS_REUSED = "ids-reused"
    DNIS_REWRITTEN = "dnis-rewritten"
    SERVICE_TYPE_UNCHECKED = "service-type-unchecked"
    SERVICE_TYPE_AT_LIMIT_REJECTED = "service-type-at-limit-rejected"
    SEGMENT_NUM_INTEGER = "segment-num-integer"
    EMPTY_MESSAGE_ID = "empty-message-id"
    SINGLE_AS_ARRAY = "single-as-array"
    NON_JSON_SUCCESS = "non-json-success"
    QUERY_NON_JSON = "query-non-json"
    STATUS_LOWERCASE = "status-lowercase"
    ERROR_CODE_INTEGER = "error-code-integer"
    DELIVERY_TIME_ISO = "delivery-time-iso"
    UNKNOWN_AT_FIRST = "unknown-at-first"
    FINAL_STATUS_CHANGES = "final-status-changes"
    RETENTION_SHORT = "retention-short"
    UNKNOWN_ID_500 = "unknown-id-500"
    UNKNOWN_ID_DELIVERED = "unknown-id-delivered"
    MALFORMED_JSON_500 = "malformed-json-500"
    MISSING_MESSAGE_ACCEPTED = "missing-message-accepted"
    EMPTY_ERROR_BODY = "empty-error-body"
    POST_URL_CREDENTIALS_IGNORED = "post-url-credentials-ignored"
    POST_BODY_STATUS_DIFFERS = "post-body-status-differs"
    HTTPS_STATUS_DIFFERS = "https-status-differs"
    PUSH_DELIVERY_TIME_14 = "push-delivery-time-14"
    PUSH_OTHER_ACCOUNT = "push-other-account"
    PUSH_STATUS_LOWERCASE = "push-status-lowercase"
    PUSH_CONTRADICTS_QUERY = "push-contradicts-query"
    PUSH_FINAL_CHANGES = "push-final-changes"
    PUSH_FINAL_MISSING = "push-final-missing"
    PUSH_CARRIES_PASSWORD = "push-carries-password"
    # sparse requests: a parameter left out
    MO_MISSING_FIELD_500 = "mo-missing-field-500"
    QUERY_MISSING_ID_500 = "query-missing-id-500"
    # what only time and a whole run's pushes reveal (issue 19: TIME_AND_PUSH_BREAKS)
    STORE_FORGETS_SOON = "store-forgets-soon"
    FINAL_CHANGES_LATER = "final-changes-later"
    PUSH_NEVER_ISSUED = "push-never-issued"
    PUSH_MOVES_BACK = "push-moves-back"
    PUSH_CONTRADICTS_SOME = "push-contradicts-some"
    PUSH_COPIED_FROM_OTHER = "push-copied-from-other"
    # the connection dropped on one kind of raw input (okroute_mock.rawbreaks tells the kinds)
    DROP_ON_BAD_PERCENT_ENCODING = "drop-on-bad-percent-encoding"
    DROP_ON_NON_UTF8_QUERY = "drop-on-non-utf8-query"
    DROP_ON_NON_UTF8_BODY = "drop-on-non-utf8-body"
    DROP_ON_CONTROL_CHARACTERS = "drop-on-control-characters"
    DROP_ON_RAW_TARGET_BYTES = "drop-on-raw-target-bytes"
    DROP_ON_OVERLONG_HEAD = "drop-on-overlong-head"
    DROP_ON_OVERLONG_BODY = "drop-on-overlong-body"
    DROP_ON_CONTENT_TYPE = "drop-on-content-type"
    DROP_ON_CHUNKED = "drop-on-chunked-body"
    DROP_ON_HALF_CLOSE = "drop-on-half-close"
    DROP_ON_PIPELINED = "drop-on-pipelined"


# Each kind of raw input, and the break that drops the connection on it.
DROP_ON: dict[RawInput, Fault] = {kind: Fault(f"drop-on-{kind}") for kind in RawInput}


@dataclass(frozen=True)
class Break:
    name: Fault
    rule: str  # the rule it violates
    summary: str
    # The defect the broken platform lets through (it skips that one validation); the platform
    # acts on it from here, so such a fault needs no branch of its own in `platform.py`.
    ignores: Defect | None = None


# Seconds after which the time faults act: past any one test's window, well within the time
# phase's default wait (contracts.aging), so only a re-query long after the final status sees them.
FORGETS_AFTER = 4.0
CHANGES_AFTER = 4.0
CONTRADICTED_SHARE = 0.2  # push-contradicts-some: about one message in five, seeded
NEVER_ISSUED_EVERY = 5  # push-never-issued: the first message's pushes and every fifth after

TIME_AND_PUSH_BREAKS = (
    Break(
        Fault.STORE_FORGETS_SOON,
        "query.retention",
        f"statuses are forgotten {FORGETS_AFTER:g} seconds after submit",
    ),
    Break(
        Fault.FINAL_CHANGES_LATER,
        "query.final-stable",
        f"a final status turns into another one {CHANGES_AFTER:g} seconds after it was reached",
    ),
    Break(
        Fault.PUSH_NEVER_ISSUED,
        "push.own-ids",
        "some messages' reports are also pushed for an ID that was never issued",
    ),
    Break(
        Fault.PUSH_MOVES_BACK,
        "push.final-stable",
        "after the final status, ACCEPTD is pushed with a later delivery_time",
    ),
    Break(
        Fault.PUSH_CONTRADICTS_SOME,
        "push.agrees-with-query",
        f"for about {CONTRADICTED_SHARE:.0%} of messages the pushed final is not what query says",
    ),
    Break(
        Fault.PUSH_COPIED_FROM_OTHER,
        "push.own-ids",
        "every account's reports are also pushed to the other accounts' URLs",
    ),
)


BREAKS: dict[Fault, Break] = {
    b.name: b
    for b in (
        # authentication
        Break(Fault.AUTH_IGNORED, "auth.wrong-credentials", "any password is accepted"),
        Break(Fault.AUTH_WRONG_STATUS, "auth.wrong-credentials", "wrong credentials answer 403"),
        Break(
            Fault.AUTH_WRONG_TEXT, "auth.wrong-credentials", "wrong credentials say 'Unauthorized'"
        ),
        Break(Fault.AUTH_MISSING_400, "auth.missing-credentials", "missing credentials answer 400"),
        Break(
            Fault.AUTH_QUERY_UNCHECKED,
            "auth.wrong-credentials",
            "command=query does not check the password",
        ),
        Break(
            Fault.AUTH_MO_UNCHECKED, "auth.mo-credentials", "command=mo does not check credentials"
        ),
        Break(
            Fault.AUTH_POST_BODY_UNCHECKED,
            "auth.wrong-credentials",
            "credentials in a JSON body are not checked",
        ),
        Break(
            Fault.AUTH_LEAKS_IDS,
            "auth.reveals-nothing",
            "a submit with a wrong password is sent anyway; the 401 carries its IDs",
        ),
        Break(Fault.ECHO_CREDENTIALS, "auth.no-echo", "undocumented errors echo the credentials"),
        Break(
            Fault.CROSS_ACCOUNT_READ,
            "auth.cross-account",
            "any account can read any message's status",
        ),
        # dnis limits
        Break(Fault.DNIS_101_ACCEPTED, "submit.dnis-count-limit", "101 numbers are accepted"),
        Break(
            Fault.DNIS_100_REJECTED, "submit.dnis-count-limit", "exactly 100 numbers are rejected"
        ),
        Break(
            Fault.DNIS_LIMIT_WRONG_TEXT,
            "submit.dnis-count-limit",
            "over 100 numbers say 'Too many destination numbers'",
        ),
        Break(
            Fault.DNIS_LENGTH_UNCHECKED,
            "submit.dnis-length-limit",
            "the 2048-character limit is not applied",
            ignores=Defect.DNIS_TOO_LONG,
        ),
        Break(
            Fault.DNIS_16_DIGITS,
            "errors.invalid-rejected",
            "numbers of 16 digits are accepted",
            ignores=Defect.DNIS_TOO_MANY_DIGITS,
        ),
        Break(
            Fault.DNIS_NON_DIGIT,
            "errors.invalid-rejected",
            "numbers with letters are accepted",
            ignores=Defect.DNIS_NOT_DIGITS,
        ),
        Break(Fault.NO_ROUTES_ACCEPTED, "submit.no-routes", "a number without a route gets an ID"),
        # segmenting and ID issuing
        Break(
            Fault.GSM7_SINGLE_159, "submit.segment-count", "a GSM-7 text of 160 septets is split"
        ),
        Break(
            Fault.GSM7_EXTENSION_AS_ONE,
            "submit.segment-count",
            "extension-table characters count as one septet",
        ),
        Break(Fault.UCS2_AS_GSM7, "submit.segment-count", "UCS-2 text is split with GSM-7 sizes"),
        Break(
            Fault.CUT_SPLITS,
            "submit.segment-count",
            "longMessageMode=cut issues one ID per segment",
        ),
        Break(
            Fault.SINGLE_ID_SPLIT_DISTINCT,
            "submit.single-id-split",
            "single_id_split issues a distinct ID per segment",
        ),
        Break(
            Fault.DUPLICATES_COLLAPSED,
            "submit.duplicate-numbers",
            "a duplicate number gets no entry of its own",
        ),
        Break(
            Fault.SPLIT_OR_PAYLOAD_MULTI_ACCEPTED,
            "submit.split-or-payload-multi",
            "several numbers with split_or_payload are accepted",
            ignores=Defect.SPLIT_OR_PAYLOAD_MULTI,
        ),
        Break(Fault.IDS_REUSED, "submit.unique-ids", "all entries of one submit share one ID"),
        Break(
            Fault.DNIS_REWRITTEN,
            "submit.dnis-from-request",
            "answer entries carry the number with a '00' prefix",
        ),
        # serviceType
        Break(
            Fault.SERVICE_TYPE_UNCHECKED,
            "submit.service-type-limit",
            "serviceType over the limit is accepted",
            ignores=Defect.SERVICE_TYPE_TOO_LONG,
        ),
        Break(
            Fault.SERVICE_TYPE_AT_LIMIT_REJECTED,
            "submit.service-type-limit",
            "a serviceType of 6 bytes, within every reading of the limit, is rejected",
        ),
        # answer shapes and types
        Break(Fault.SEGMENT_NUM_INTEGER, "submit.response-schema", "segment_num is a JSON number"),
        Break(Fault.EMPTY_MESSAGE_ID, "submit.response-schema", "message_id is an empty string"),
        Break(
            Fault.SINGLE_AS_ARRAY,
            "submit.response-shape",
            "one number and one segment answer an array",
        ),
        Break(Fault.NON_JSON_SUCCESS, "submit.json-body", "a successful submit answers 'OK <id>'"),
        Break(Fault.QUERY_NON_JSON, "query.json-body", "a status answer is the bare status word"),
        Break(Fault.STATUS_LOWERCASE, "query.response-schema", "statuses are lower case"),
        Break(Fault.ERROR_CODE_INTEGER, "query.response-schema", "error_code is a JSON number"),
        Break(Fault.DELIVERY_TIME_ISO, "query.field-formats", "delivery_time is ISO 8601"),
        # query semantics
        Break(
            Fault.UNKNOWN_AT_FIRST,
            "query.known-at-once",
            "a new ID answers UNKNOWN for its first five seconds",
        ),
        Break(
            Fault.FINAL_STATUS_CHANGES,
            "query.final-stable",
            "a final status turns into another final status on the next query",
        ),
        Break(Fault.RETENTION_SHORT, "query.retention", "statuses are forgotten after one second"),
        Break(Fault.UNKNOWN_ID_500, "query.unknown-id", "a never-issued ID answers 500"),
        Break(Fault.UNKNOWN_ID_DELIVERED, "query.unknown-id", "a never-issued ID answers DELIVRD"),
        # error handling
        Break(Fault.MALFORMED_JSON_500, "errors.no-5xx", "a body that is not JSON answers 500"),
        Break(
            Fault.MISSING_MESSAGE_ACCEPTED,
            "errors.invalid-rejected",
            "a submit without message is accepted",
            ignores=Defect.MISSING_MESSAGE,
        ),
        Break(
            Fault.EMPTY_ERROR_BODY,
            "errors.invalid-rejected",
            "undocumented errors answer 400 with an empty body",
        ),
        # variants and transports
        Break(
            Fault.POST_URL_CREDENTIALS_IGNORED,
            "request.valid-accepted",
            "POST with credentials in the URL answers 401",
        ),
        Break(
            Fault.POST_BODY_STATUS_DIFFERS,
            "variants.equivalent",
            "POST-body answers undocumented errors with 422",
        ),
        Break(
            Fault.HTTPS_STATUS_DIFFERS,
            "transports.equivalent",
            "HTTPS answers undocumented errors with 422",
        ),
        # sparse requests: a parameter left out
        Break(
            Fault.MO_MISSING_FIELD_500,
            "errors.no-5xx",
            "command=mo without ani, dnis or message (or with one empty) answers 500",
        ),
        Break(
            Fault.QUERY_MISSING_ID_500,
            "errors.no-5xx",
            "command=query without messageId (or with it empty) answers 500",
        ),
        # pushed delivery reports (they act only where the account has a DLR URL)
        Break(
            Fault.PUSH_DELIVERY_TIME_14,
            "push.formats",
            "pushed delivery_time has 14 digits (YYYYMMDDHHMMSS)",
        ),
        Break(
            Fault.PUSH_OTHER_ACCOUNT,
            "push.own-ids",
            "pushes carry the app_msg_id of another account's message",
        ),
        Break(Fault.PUSH_STATUS_LOWERCASE, "push.status-valid", "pushed statuses are lower case"),
        Break(
            Fault.PUSH_CONTRADICTS_QUERY,
            "push.agrees-with-query",
            "the pushed final status is not the one query answers",
        ),
        Break(
            Fault.PUSH_FINAL_CHANGES,
            "push.final-stable",
            "a second push moves a final status to another final status",
        ),
        Break(
            Fault.PUSH_FINAL_MISSING,
            "push.final-delivered",
            "final statuses are never pushed",
        ),
        Break(
            Fault.PUSH_CARRIES_PASSWORD,
            "push.no-password",
            "pushes carry the account's password",
        ),
    )
} | {
    fault: Break(fault, "errors.no-5xx", f"the connection is dropped on {kind} input")
    for kind, fault in DROP_ON.items()
}
BREAKS.update({b.name: b for b in TIME_AND_PUSH_BREAKS})

assert set(BREAKS) == set(Fault), set(Fault) ^ set(BREAKS)
for _b in BREAKS.values():
    assert _b.rule in RULES, f"break {_b.name} names unknown rule {_b.rule}"


def parse_breaks(names: list[str] | tuple[str, ...]) -> frozenset[Fault]:
    unknown = [n for n in names if n not in BREAKS]
    if unknown:
        raise ValueError(
            f"unknown fault(s) {', '.join(unknown)}; `okroute-mock --list-breaks` lists them"
        )
    return frozenset(Fault(n) for n in names)
