"""Commands, parameters and their documented limits (§3, §4, §5).

Limits that differ per deployment (the serviceType byte limit, a leading `+`) are not here:
they are knobs of `okroute_model.profile`.
"""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    SUBMIT = "submit"
    QUERY = "query"
    MO = "mo"


COMMANDS = frozenset(c.value for c in Command)

PATH = "/api"
CREDENTIALS = ("username", "password")
# What travels in the URL for "POST, credentials in the URL" (§1).
URL_FIELDS = ("command", *CREDENTIALS)
QUERY_ID_PARAM = "messageId"  # camelCase here; the submit answer says message_id

MAX_DNIS_COUNT = 100
MAX_DNIS_CHARS = 2048
MAX_NUMBER_DIGITS = 15
DNIS_SEPARATOR = ","
MAX_ANI_CHARS = 32
MAX_INC_MSG_ID_CHARS = 128
VALIDITY_PERIOD_CHARS = 16
# The serviceType byte limit as the error section (6) and the parameter tables (9) read it.
SERVICE_TYPE_READINGS = (6, 7, 8, 9)


class LongMessageMode(StrEnum):
    CUT = "cut"
    SPLIT = "split"
    SPLIT_SAR = "split_sar"
    SINGLE_ID_SPLIT = "single_id_split"
    PAYLOAD = "payload"
    SPLIT_OR_PAYLOAD = "split_or_payload"


LONG_MESSAGE_MODES = frozenset(m.value for m in LongMessageMode)
DEFAULT_LONG_MESSAGE_MODE = LongMessageMode.CUT
# Modes under which incMsgId is honoured (no mode at all counts too).
INC_MSG_ID_MODES = frozenset(
    {LongMessageMode.CUT, LongMessageMode.SPLIT, LongMessageMode.SPLIT_SAR}
)

DATA_CODINGS = (0, 1, 3, 6, 7, 8, 10, 14)
ESM_CLASS_RANGE = (0, 255)
FLAG_PARAMS = ("flash", "priorityFlag", "registeredDelivery", "replaceIfPresentFlag")
TON_NPI_PARAMS = ("srcTon", "srcNpi", "dstTon", "dstNpi")
# SMPP TON and NPI values a well-behaved client sends.
TON_RANGE = (0, 6)
NPI_RANGE = (0, 18)

SUBMIT_REQUIRED = ("dnis", "message")
SUBMIT_OPTIONAL = (
    "ani",
    "serviceType",  # listed as required, but "can be blank"
    "longMessageMode",
    "dataCoding",
    "esmClass",
    *FLAG_PARAMS,
    "silent",
    *TON_NPI_PARAMS,
    "validityPeriod",
    "incMsgId",
)
INTEGER_PARAMS = ("dataCoding", "esmClass", *FLAG_PARAMS, *TON_NPI_PARAMS)
QUERY_PARAMS = (QUERY_ID_PARAM,)
MO_PARAMS = ("ani", "dnis", "message")

KNOWN_PARAMS: dict[Command, frozenset[str]] = {
    Command.SUBMIT: frozenset((*URL_FIELDS, *SUBMIT_REQUIRED, *SUBMIT_OPTIONAL)),
    Command.QUERY: frozenset((*URL_FIELDS, *QUERY_PARAMS)),
    Command.MO: frozenset((*URL_FIELDS, *MO_PARAMS)),
}
