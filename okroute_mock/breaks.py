"""The catalogue of deliberate contract faults: `okroute-mock --break NAME`.

Each fault makes the mock violate one MUST or SHOULD rule of the contract model. The meta-test
(`tests/test_fault_catalogue.py`) runs the live contract suite against the mock broken in each way
and requires a failure that names that rule. The platform core tests `name in breaks` where the
fault acts; this module only names and describes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from okroute_model.rules import RULES


@dataclass(frozen=True)
class Break:
    name: str
    rule: str  # the rule it violates
    summary: str


BREAKS: dict[str, Break] = {
    b.name: b
    for b in (
        # authentication
        Break("auth-ignored", "auth.wrong-credentials", "any password is accepted"),
        Break("auth-wrong-status", "auth.wrong-credentials", "wrong credentials answer 403"),
        Break("auth-wrong-text", "auth.wrong-credentials", "wrong credentials say 'Unauthorized'"),
        Break("auth-missing-400", "auth.missing-credentials", "missing credentials answer 400"),
        Break(
            "auth-query-unchecked",
            "auth.wrong-credentials",
            "command=query does not check the password",
        ),
        Break("auth-mo-unchecked", "auth.mo-credentials", "command=mo does not check credentials"),
        Break(
            "auth-post-body-unchecked",
            "auth.wrong-credentials",
            "credentials in a JSON body are not checked",
        ),
        Break(
            "auth-leaks-ids",
            "auth.reveals-nothing",
            "a submit with a wrong password is sent anyway; the 401 carries its IDs",
        ),
        Break("echo-credentials", "auth.no-echo", "undocumented errors echo the credentials"),
        Break(
            "cross-account-read", "auth.cross-account", "any account can read any message's status"
        ),
        # dnis limits
        Break("dnis-101-accepted", "submit.dnis-count-limit", "101 numbers are accepted"),
        Break("dnis-100-rejected", "submit.dnis-count-limit", "exactly 100 numbers are rejected"),
        Break(
            "dnis-limit-wrong-text",
            "submit.dnis-count-limit",
            "over 100 numbers say 'Too many destination numbers'",
        ),
        Break(
            "dnis-length-unchecked",
            "submit.dnis-length-limit",
            "the 2048-character limit is not applied",
        ),
        Break("dnis-16-digits", "errors.invalid-rejected", "numbers of 16 digits are accepted"),
        Break("dnis-non-digit", "errors.invalid-rejected", "numbers with letters are accepted"),
        Break("no-routes-accepted", "submit.no-routes", "a number without a route gets an ID"),
        # segmenting and ID issuing
        Break("gsm7-single-159", "submit.segment-count", "a GSM-7 text of 160 septets is split"),
        Break(
            "gsm7-extension-as-one",
            "submit.segment-count",
            "extension-table characters count as one septet",
        ),
        Break("ucs2-as-gsm7", "submit.segment-count", "UCS-2 text is split with GSM-7 sizes"),
        Break(
            "cut-splits", "submit.segment-count", "longMessageMode=cut issues one ID per segment"
        ),
        Break(
            "single-id-split-distinct",
            "submit.single-id-split",
            "single_id_split issues a distinct ID per segment",
        ),
        Break(
            "duplicates-collapsed",
            "submit.duplicate-numbers",
            "a duplicate number gets no entry of its own",
        ),
        Break(
            "split-or-payload-multi-accepted",
            "submit.split-or-payload-multi",
            "several numbers with split_or_payload are accepted",
        ),
        Break("ids-reused", "submit.unique-ids", "all entries of one submit share one ID"),
        Break(
            "dnis-rewritten",
            "submit.dnis-from-request",
            "answer entries carry the number with a '00' prefix",
        ),
        # serviceType
        Break(
            "service-type-unchecked",
            "submit.service-type-limit",
            "serviceType over the limit is accepted",
        ),
        Break(
            "service-type-at-limit-rejected",
            "submit.service-type-limit",
            "serviceType exactly at the limit is rejected",
        ),
        # answer shapes and types
        Break("segment-num-integer", "submit.response-schema", "segment_num is a JSON number"),
        Break("empty-message-id", "submit.response-schema", "message_id is an empty string"),
        Break(
            "single-as-array", "submit.response-shape", "one number and one segment answer an array"
        ),
        Break("non-json-success", "submit.json-body", "a successful submit answers 'OK <id>'"),
        Break("query-non-json", "query.json-body", "a status answer is the bare status word"),
        Break("status-lowercase", "query.response-schema", "statuses are lower case"),
        Break("error-code-integer", "query.response-schema", "error_code is a JSON number"),
        Break("delivery-time-iso", "query.field-formats", "delivery_time is ISO 8601"),
        # query semantics
        Break(
            "unknown-at-first",
            "query.known-at-once",
            "a new ID answers UNKNOWN for its first five seconds",
        ),
        Break(
            "final-status-changes",
            "query.final-stable",
            "a final status turns into another final status on the next query",
        ),
        Break(
            "status-flaps",
            "query.status-forward",
            "an ACCEPTD message answers ENROUTE on every other query (a lagging replica)",
        ),
        Break("retention-short", "query.retention", "statuses are forgotten after one second"),
        Break("unknown-id-500", "query.unknown-id", "a never-issued ID answers 500"),
        Break("unknown-id-delivered", "query.unknown-id", "a never-issued ID answers DELIVRD"),
        # error handling
        Break("malformed-json-500", "errors.no-5xx", "a body that is not JSON answers 500"),
        Break(
            "missing-message-accepted",
            "errors.invalid-rejected",
            "a submit without message is accepted",
        ),
        Break(
            "empty-error-body",
            "errors.invalid-rejected",
            "undocumented errors answer 400 with an empty body",
        ),
        # variants and transports
        Break(
            "post-url-credentials-ignored",
            "request.valid-accepted",
            "POST with credentials in the URL answers 401",
        ),
        Break(
            "post-body-status-differs",
            "variants.equivalent",
            "POST-body answers undocumented errors with 422",
        ),
        Break(
            "https-status-differs",
            "transports.equivalent",
            "HTTPS answers undocumented errors with 422",
        ),
    )
}

for _b in BREAKS.values():
    assert _b.rule in RULES, f"break {_b.name} names unknown rule {_b.rule}"


def parse_breaks(names: list[str] | tuple[str, ...]) -> frozenset[str]:
    unknown = [n for n in names if n not in BREAKS]
    if unknown:
        raise ValueError(
            f"unknown fault(s) {', '.join(unknown)}; `okroute-mock --list-breaks` lists them"
        )
    return frozenset(names)
