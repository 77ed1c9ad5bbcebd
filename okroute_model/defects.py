"""What can be wrong with a request, and what the contract says the answer is.

A defect (`Defect`, one member per label) names one thing wrong with a request. Strategies
(`contracts.mutations`, one per defect) build invalid requests that carry exactly it; `classify`
finds defects in what a platform received (a defect seen in a submit's parameters is found by
its spec's `finds`, asked in the table's order); the mock answers the first one; checks judge
the answer by the defect's rule. Labels found by `classify` that are MAY points (see
`okroute_model.may`) are not defects: their answer is never judged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from okroute_model.errors import (
    DNIS_TOO_LONG,
    NO_ROUTES,
    NOT_AUTHORIZED,
    SERVICE_TYPE_INVALID,
    DocumentedError,
)
from okroute_model.params import LongMessageMode
from okroute_model.profile import PlatformKnobs


class Defect(StrEnum):
    """Every defect label, by name: code names members, never strings."""

    WRONG_PASSWORD = "wrong-password"
    WRONG_USERNAME = "wrong-username"
    MISSING_PASSWORD = "missing-password"
    MISSING_USERNAME = "missing-username"
    MISSING_CREDENTIALS = "missing-credentials"
    MISSING_COMMAND = "missing-command"
    UNKNOWN_COMMAND = "unknown-command"
    WRONG_TYPE = "wrong-type"
    MALFORMED_JSON = "malformed-json"
    JSON_NOT_OBJECT = "json-not-object"
    INVALID_UTF8 = "invalid-utf8"
    MISSING_DNIS = "missing-dnis"
    MISSING_MESSAGE = "missing-message"
    DNIS_EMPTY = "dnis-empty"
    DNIS_NOT_DIGITS = "dnis-not-digits"
    DNIS_TOO_MANY_DIGITS = "dnis-too-many-digits"
    DNIS_TOO_MANY = "dnis-too-many"
    DNIS_TOO_LONG = "dnis-too-long"
    SERVICE_TYPE_TOO_LONG = "service-type-too-long"
    SPLIT_OR_PAYLOAD_MULTI = "split-or-payload-multi"
    NO_ROUTE = "no-route"


# Whether a submit shows a defect: its parameters as text, its numbers (digits, from the dnis
# list), the platform's knobs.
Finds = Callable[[Mapping[str, str], Sequence[str], PlatformKnobs], bool]


@dataclass(frozen=True)
class DefectSpec:
    label: Defect
    rule: str
    # The documented answer; a bare status when only the status is known; None for "a 4xx".
    answer: DocumentedError | int | None
    summary: str
    credentials: bool = False  # a credentials defect: judged before anything else
    # What a platform sees in a submit's parameters, once the dnis list is read: `classify` asks
    # every spec's `finds` in this table's order, which is their deciding order. None: the code
    # that reads the request finds it (the command and the dnis list in `classify`, the body in
    # `wire`, the credentials and routes in the platform).
    finds: Finds | None = None


def _service_type_too_long(p: Mapping[str, str], numbers: Sequence[str], k: PlatformKnobs) -> bool:
    """Over the bytes every reading of the limit rejects (the profile's limit when it sets one)."""
    return len(p.get("serviceType", "").encode()) > k.service_type_rejected_over


def _split_or_payload_multi(p: Mapping[str, str], numbers: Sequence[str], k: PlatformKnobs) -> bool:
    """split_or_payload, which the contract allows for one number only, with several."""
    return p.get("longMessageMode") == LongMessageMode.SPLIT_OR_PAYLOAD and len(numbers) > 1


def is_defect(label: str) -> bool:
    """Whether a finding is a defect (judged) rather than a MAY label (recorded)."""
    return label in _LABELS


DEFECTS: dict[Defect, DefectSpec] = {
    d.label: d
    for d in (
        DefectSpec(
            Defect.WRONG_PASSWORD,
            "auth.wrong-credentials",
            NOT_AUTHORIZED,
            "a wrong password",
            credentials=True,
        ),
        DefectSpec(
            Defect.WRONG_USERNAME,
            "auth.wrong-credentials",
            NOT_AUTHORIZED,
            "a username the platform does not know",
            credentials=True,
        ),
        DefectSpec(
            Defect.MISSING_PASSWORD,
            "auth.missing-credentials",
            NOT_AUTHORIZED.status,
            "no password",
            credentials=True,
        ),
        DefectSpec(
            Defect.MISSING_USERNAME,
            "auth.missing-credentials",
            NOT_AUTHORIZED.status,
            "no username",
            credentials=True,
        ),
        DefectSpec(
            Defect.MISSING_CREDENTIALS,
            "auth.missing-credentials",
            NOT_AUTHORIZED.status,
            "neither username nor password",
            credentials=True,
        ),
        DefectSpec(Defect.MISSING_COMMAND, "errors.invalid-rejected", None, "no command"),
        DefectSpec(
            Defect.UNKNOWN_COMMAND, "errors.invalid-rejected", None, "a command that does not exist"
        ),
        DefectSpec(
            Defect.WRONG_TYPE, "errors.invalid-rejected", None, "a list where a string belongs"
        ),
        DefectSpec(
            Defect.MALFORMED_JSON, "errors.invalid-rejected", None, "a body that is not JSON"
        ),
        DefectSpec(
            Defect.JSON_NOT_OBJECT, "errors.invalid-rejected", None, "a JSON body that is no object"
        ),
        DefectSpec(
            Defect.INVALID_UTF8, "errors.invalid-rejected", None, "bytes that are not UTF-8"
        ),
        DefectSpec(Defect.MISSING_DNIS, "errors.invalid-rejected", None, "no dnis"),
        DefectSpec(Defect.MISSING_MESSAGE, "errors.invalid-rejected", None, "no message"),
        DefectSpec(
            Defect.DNIS_EMPTY, "errors.invalid-rejected", None, "a dnis with no number in it"
        ),
        DefectSpec(
            Defect.DNIS_NOT_DIGITS, "errors.invalid-rejected", None, "a number with a non-digit"
        ),
        DefectSpec(
            Defect.DNIS_TOO_MANY_DIGITS,
            "errors.invalid-rejected",
            None,
            "a number of more than 15 digits",
        ),
        DefectSpec(
            Defect.DNIS_TOO_MANY, "submit.dnis-count-limit", DNIS_TOO_LONG, "over 100 numbers"
        ),
        DefectSpec(
            Defect.DNIS_TOO_LONG,
            "submit.dnis-length-limit",
            DNIS_TOO_LONG,
            "a dnis field over 2048 characters",
        ),
        DefectSpec(
            Defect.SERVICE_TYPE_TOO_LONG,
            "submit.service-type-limit",
            SERVICE_TYPE_INVALID,
            "a serviceType over the byte limit",
            finds=_service_type_too_long,
        ),
        DefectSpec(
            Defect.SPLIT_OR_PAYLOAD_MULTI,
            "submit.split-or-payload-multi",
            None,
            "several numbers with longMessageMode=split_or_payload",
            finds=_split_or_payload_multi,
        ),
        DefectSpec(Defect.NO_ROUTE, "submit.no-routes", NO_ROUTES, "a number without a route"),
    )
}


assert set(DEFECTS) == set(Defect), f"one DefectSpec for each Defect: {set(Defect) ^ set(DEFECTS)}"
_LABELS = frozenset(d.value for d in Defect)
CREDENTIAL_DEFECTS: tuple[Defect, ...] = tuple(d for d, s in DEFECTS.items() if s.credentials)
# The defects a submit's parameters show, with their finding, in deciding order (the table's).
SUBMIT_FINDINGS: tuple[tuple[Defect, Finds], ...] = tuple(
    (d, s.finds) for d, s in DEFECTS.items() if s.finds
)

# What a credentials defect is judged by, per command: the contract documents the answer for
# the API as a whole (MUST) and asks command=mo to check credentials like the rest (SHOULD).
MO_CREDENTIALS_RULE = "auth.mo-credentials"
