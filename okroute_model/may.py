"""MAY points (§1, §3, §6): undocumented behaviour where deployments differ.

Never judged. The contract suite records what it sees at these points, the behaviour fingerprint
probes each one on purpose, and the mock platform has a default answer and a flipped one for each
(`okroute-mock --may-flip`) so that the suite is proven not to fail on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from okroute_model.profile import Knob


class May(StrEnum):
    """Every MAY point, by name: code names members, never strings."""

    FORM_POST = "form-post"
    QUERY_BODY_PRECEDENCE = "query-body-precedence"
    QUERY_VIA_POST = "query-via-post"
    SINGLE_OBJECT_DNIS = "single-object-dnis"
    SEGMENT_NUM_MULTI = "segment-num-multi"
    SINGLE_ID_SPLIT_ENTRIES = "single-id-split-entries"
    SPLIT_OR_PAYLOAD_SINGLE = "split-or-payload-single"
    UNDOCUMENTED_ERROR_TEXTS = "undocumented-error-texts"
    OUT_OF_RANGE_INTS = "out-of-range-ints"
    UNKNOWN_LONG_MESSAGE_MODE = "unknown-long-message-mode"
    COMMAND_CASE = "command-case"
    UNKNOWN_PARAMS = "unknown-params"
    PLUS_PREFIX = "plus-prefix"
    DNIS_LIST_SPACES = "dnis-list-spaces"
    ANI_FORMAT = "ani-format"
    SERVICE_TYPE_7_9 = "service-type-7-9"
    JSON_TYPES = "json-types"
    DNIS_JSON_ARRAY = "dnis-json-array"
    MO_RESPONSE = "mo-response"
    QUERY_MISSING_ID = "query-missing-id"
    UNKNOWN_ID_ANSWER = "unknown-id-answer"
    CROSS_ACCOUNT_ANSWER = "cross-account-answer"
    CONTENT_TYPES = "content-types"
    OPTIONAL_PARAM_LIMITS = "optional-param-limits"
    THROTTLING = "throttling"
    CREDENTIALS_ORDER = "credentials-order"
    MISSING_CREDENTIALS_TEXT = "missing-credentials-text"
    UNDOCUMENTED_ERROR_STATUS = "undocumented-error-status"
    DUPLICATE_IDS = "duplicate-ids"
    DNIS_EMPTY_ITEMS = "dnis-empty-items"
    REPEATED_PARAMS = "repeated-params"
    PARAM_NAME_CASE = "param-name-case"
    MCCMNC_DIGITS = "mccmnc-digits"
    STATUS_PATH = "status-path"
    SPLIT_SAR_SIZES = "split-sar-sizes"
    JSON_INTEGER_STRINGS = "json-integer-strings"
    ID_SHAPE = "id-shape"


@dataclass(frozen=True)
class MayPoint:
    name: May
    section: str
    question: str
    knob: Knob | None = None  # the profile knob this point is, when the profile leaves it unset


MAY_POINTS: dict[May, MayPoint] = {
    p.name: p
    for p in (
        MayPoint(May.FORM_POST, "§1", "is a POST with a form-encoded body accepted?"),
        MayPoint(
            May.QUERY_BODY_PRECEDENCE,
            "§1",
            "when a field is in both the query and the body, which one wins?",
        ),
        MayPoint(May.QUERY_VIA_POST, "§1", "is command=query accepted through POST?"),
        MayPoint(May.SINGLE_OBJECT_DNIS, "§3", "does a single-number answer carry dnis?"),
        MayPoint(
            May.SEGMENT_NUM_MULTI,
            "§3",
            "does segment_num appear for several numbers without splitting?",
        ),
        MayPoint(
            May.SINGLE_ID_SPLIT_ENTRIES,
            "§3",
            "does single_id_split answer one entry per segment or one per number?",
        ),
        MayPoint(
            May.SPLIT_OR_PAYLOAD_SINGLE,
            "§3",
            "does split_or_payload split a long text for one number, or send a payload?",
        ),
        MayPoint(May.UNDOCUMENTED_ERROR_TEXTS, "§3", "what do undocumented errors say?"),
        MayPoint(
            May.OUT_OF_RANGE_INTS,
            "§3",
            "are out-of-range or non-integer optional integers rejected or ignored?",
        ),
        MayPoint(
            May.UNKNOWN_LONG_MESSAGE_MODE,
            "§3",
            "is an unknown longMessageMode rejected or ignored?",
        ),
        MayPoint(May.COMMAND_CASE, "§6", "is command=SUBMIT accepted?"),
        MayPoint(May.UNKNOWN_PARAMS, "§6", "are unknown parameters rejected or ignored?"),
        MayPoint(
            May.PLUS_PREFIX, "§6", "is a '+' in front of a number accepted?", Knob.PLUS_PREFIX
        ),
        MayPoint(May.DNIS_LIST_SPACES, "§6", "are spaces around dnis list items accepted?"),
        MayPoint(May.DNIS_EMPTY_ITEMS, "§6", "are empty items in the dnis list accepted?"),
        MayPoint(May.ANI_FORMAT, "§6", "is an ani over 32 symbols or with punctuation accepted?"),
        MayPoint(
            May.SERVICE_TYPE_7_9,
            "§3",
            "how many bytes of serviceType are accepted (7 to 9 is open)?",
            Knob.SERVICE_TYPE_MAX_BYTES,
        ),
        MayPoint(May.JSON_TYPES, "§6", "are JSON numbers accepted where strings are expected?"),
        MayPoint(
            May.JSON_INTEGER_STRINGS,
            "§6",
            'are JSON strings accepted where integers are expected ("dataCoding": "0")?',
        ),
        MayPoint(May.DNIS_JSON_ARRAY, "§6", "is dnis accepted as a JSON array?"),
        MayPoint(May.MO_RESPONSE, "§5", "what does command=mo answer?"),
        MayPoint(May.QUERY_MISSING_ID, "§4", "what does a query without messageId answer?"),
        MayPoint(May.UNKNOWN_ID_ANSWER, "§4", "is a never-issued ID UNKNOWN or a 4xx?"),
        MayPoint(May.CROSS_ACCOUNT_ANSWER, "§2", "is another account's message UNKNOWN or a 4xx?"),
        MayPoint(May.CONTENT_TYPES, "§3", "which Content-Type labels JSON answers and errors?"),
        MayPoint(
            May.OPTIONAL_PARAM_LIMITS,
            "§3",
            "are incMsgId over 128 symbols or a malformed validityPeriod rejected?",
        ),
        MayPoint(May.THROTTLING, "§6", "how does the platform answer when it throttles?"),
        MayPoint(
            May.CREDENTIALS_ORDER,
            "§2",
            "are wrong credentials judged before another defect of the same request?",
        ),
        MayPoint(
            May.MISSING_CREDENTIALS_TEXT, "§2", "what does the 401 for missing credentials say?"
        ),
        MayPoint(May.UNDOCUMENTED_ERROR_STATUS, "§3", "which 4xx do undocumented errors get?"),
        MayPoint(
            May.DUPLICATE_IDS, "§3", "do the entries of a duplicate number share its message IDs?"
        ),
        MayPoint(
            May.REPEATED_PARAMS, "§1", "when a parameter is repeated, which occurrence counts?"
        ),
        MayPoint(May.PARAM_NAME_CASE, "§6", "are parameter names case-insensitive (DNIS=...)?"),
        MayPoint(May.MCCMNC_DIGITS, "§4", "is mccmnc 5 or 6 digits?"),
        MayPoint(
            May.STATUS_PATH, "§4", "does a message show ACCEPTD on its way to a final status?"
        ),
        MayPoint(
            May.SPLIT_SAR_SIZES,
            "§3",
            "are split_sar segments of split's sizes (153/67) or whole messages (160/70)?",
        ),
        MayPoint(
            May.ID_SHAPE,
            "§3",
            "what shape do message IDs have (length, alphabet, separators)? IDs are opaque",
        ),
    )
}

assert set(MAY_POINTS) == set(May), set(May) ^ set(MAY_POINTS)

# The MAY point each knob is while a profile leaves it unset.
KNOB_POINTS: dict[Knob, May] = {p.knob: p.name for p in MAY_POINTS.values() if p.knob}

# MAY points only a JSON body can carry (§6, types): a platform may answer the JSON variants of
# a request that carries one differently from its GET, so such a request is not compared.
JSON_ONLY_POINTS = frozenset({May.JSON_TYPES, May.JSON_INTEGER_STRINGS, May.DNIS_JSON_ARRAY})
