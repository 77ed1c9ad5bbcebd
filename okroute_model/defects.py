"""What can be wrong with a request, and what the contract says the answer is.

A defect label names one thing wrong with a request. Strategies build invalid requests labelled
with the defect they carry; `classify` finds defects in what a platform received; the mock answers
the first one; checks judge the answer by the defect's rule. Labels found by `classify` that are
MAY points (see `okroute_model.may`) are not defects: their answer is never judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from okroute_model.errors import (
    DNIS_TOO_LONG,
    NO_ROUTES,
    NOT_AUTHORIZED,
    SERVICE_TYPE_INVALID,
    DocumentedError,
)


@dataclass(frozen=True)
class Defect:
    label: str
    rule: str
    # The documented answer; a bare status when only the status is known; None for "a 4xx".
    answer: DocumentedError | int | None
    summary: str
    credentials: bool = False  # a credentials defect: judged before anything else


DEFECTS: dict[str, Defect] = {
    d.label: d
    for d in (
        Defect(
            "wrong-password",
            "auth.wrong-credentials",
            NOT_AUTHORIZED,
            "a wrong password",
            credentials=True,
        ),
        Defect(
            "wrong-username",
            "auth.wrong-credentials",
            NOT_AUTHORIZED,
            "a username the platform does not know",
            credentials=True,
        ),
        Defect(
            "missing-password",
            "auth.missing-credentials",
            NOT_AUTHORIZED.status,
            "no password",
            credentials=True,
        ),
        Defect(
            "missing-username",
            "auth.missing-credentials",
            NOT_AUTHORIZED.status,
            "no username",
            credentials=True,
        ),
        Defect(
            "missing-credentials",
            "auth.missing-credentials",
            NOT_AUTHORIZED.status,
            "neither username nor password",
            credentials=True,
        ),
        Defect("missing-command", "errors.invalid-rejected", None, "no command"),
        Defect("unknown-command", "errors.invalid-rejected", None, "a command that does not exist"),
        Defect("wrong-type", "errors.invalid-rejected", None, "a list where a string belongs"),
        Defect("malformed-json", "errors.invalid-rejected", None, "a body that is not JSON"),
        Defect("json-not-object", "errors.invalid-rejected", None, "a JSON body that is no object"),
        Defect("invalid-utf8", "errors.invalid-rejected", None, "bytes that are not UTF-8"),
        Defect("missing-dnis", "errors.invalid-rejected", None, "no dnis"),
        Defect("missing-message", "errors.invalid-rejected", None, "no message"),
        Defect("dnis-empty", "errors.invalid-rejected", None, "a dnis with no number in it"),
        Defect("dnis-not-digits", "errors.invalid-rejected", None, "a number with a non-digit"),
        Defect(
            "dnis-too-many-digits",
            "errors.invalid-rejected",
            None,
            "a number of more than 15 digits",
        ),
        Defect("dnis-too-many", "submit.dnis-count-limit", DNIS_TOO_LONG, "over 100 numbers"),
        Defect(
            "dnis-too-long",
            "submit.dnis-length-limit",
            DNIS_TOO_LONG,
            "a dnis field over 2048 characters",
        ),
        Defect(
            "service-type-too-long",
            "submit.service-type-limit",
            SERVICE_TYPE_INVALID,
            "a serviceType over the byte limit",
        ),
        Defect(
            "split-or-payload-multi",
            "submit.split-or-payload-multi",
            None,
            "several numbers with longMessageMode=split_or_payload",
        ),
        Defect("no-route", "submit.no-routes", NO_ROUTES, "a number without a route"),
    )
}

# What a credentials defect is judged by, per command: the contract documents the answer for
# the API as a whole (MUST) and asks command=mo to check credentials like the rest (SHOULD).
MO_CREDENTIALS_RULE = "auth.mo-credentials"
