"""Delivery reports and MO pushed to the client (§7): markers, URL templates and formats.

The platform fills a URL template's `$marker$` placeholders and calls it. This module is the one
description of that: which markers exist, their documented formats, how a template is filled
(the mock) and how a received push is read back into marker values (the receivers). Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from okroute_model.statuses import Status


class PushKind(StrEnum):
    DLR = "dlr"
    MO = "mo"


DLR_MARKERS: tuple[str, ...] = (
    "app_msg_id", "message_id", "delivery_status", "delivery_time", "done_date", "done_date_t",
    "ani", "dnis", "mcc", "mnc", "mnc_no_zero", "mccmnc", "part_amount", "rate", "currency",
    "country_name", "net_name", "dlvrResultCodeDescr", "message", "im_channel", "clientChannelId",
)  # fmt: skip
MO_MARKERS: tuple[str, ...] = (
    "ani", "dnis", "message", "message_id", "mt_message_id", "delivery_status", "result_code",
    "serviceType", "delivery_time", "udh", "keyword", "messageWithoutKeyword", "localAddress",
    "network", "clientChannelId",
)  # fmt: skip
MARKERS: dict[PushKind, tuple[str, ...]] = {PushKind.DLR: DLR_MARKERS, PushKind.MO: MO_MARKERS}

# MO's fixed values (§7, MUST).
MO_STATUS, MO_RESULT_CODE, MO_SERVICE_TYPE = "MO", "000", "MO"
UNDEFINED = "Undefined"  # country_name / net_name when unknown

# Documented formats (MUST): a marker that is present must match. Only what §7 documents.
FORMATS: dict[str, re.Pattern[str]] = {
    "delivery_time": re.compile(r"\d{12}"),
    "part_amount": re.compile(r"0*[1-9]\d*"),
    "rate": re.compile(r"\d+(\.\d{1,5})?"),
    "udh": re.compile(r"[0-9A-F]*"),
}
FORMAT_TEXT = {
    "delivery_time": "12 digits YYMMDDHHMMSS",
    "part_amount": "an integer of at least 1",
    "rate": "a number with at most 5 decimals",
    "udh": "uppercase hex or empty",
}
MO_FIXED = {
    "delivery_status": MO_STATUS,
    "result_code": MO_RESULT_CODE,
    "serviceType": MO_SERVICE_TYPE,
}

_MARKER = re.compile(r"\$([A-Za-z_]+)\$")


def format_problems(kind: PushKind, values: dict[str, str]) -> list[str]:
    """What breaks a documented format in one push's marker values (empty: all fine)."""
    problems = []
    for marker, pattern in FORMATS.items():
        if marker == "udh" and kind is not PushKind.MO:
            continue
        value = values.get(marker)
        if value is not None and not pattern.fullmatch(value):
            problems.append(f"{marker}={value!r} is not {FORMAT_TEXT[marker]}")
    if kind is PushKind.MO:
        for marker, fixed in MO_FIXED.items():
            value = values.get(marker)
            if value is not None and value != fixed:
                problems.append(f"MO {marker}={value!r}, documented as always {fixed!r}")
    return problems


def status_problem(values: dict[str, str]) -> str | None:
    """A DLR's delivery_status that is not one of the nine statuses of §4."""
    status = values.get("delivery_status")
    if status is None or status in Status.__members__:
        return None
    return f"delivery_status={status!r} is not one of the nine statuses"


class PushMay(StrEnum):
    """The MAY points of §7: recorded in the behaviour fingerprint, never judged."""

    METHOD = "push-method"
    STATUSES = "push-statuses"
    PER = "push-per"
    RETRIES = "push-retries"
    DUPLICATES = "push-duplicates"
    ORDER = "push-order"
    DONE_DATE = "push-done-date"


PUSH_MAY_POINTS: dict[PushMay, str] = {
    PushMay.METHOD: "GET or POST, and how the values travel",
    PushMay.STATUSES: "are ENROUTE and ACCEPTD pushed, or final statuses only?",
    PushMay.PER: "one push per segment or one per message (part_amount)?",
    PushMay.RETRIES: "how many retries when a push is refused, how far apart?",
    PushMay.DUPLICATES: "is a status pushed more than once?",
    PushMay.ORDER: "do pushes of one message arrive in status order?",
    PushMay.DONE_DATE: "the format of done_date",
}


class PushMethod(StrEnum):
    """How the values travel (a MAY point): the filled URL, or its fields in a POST body."""

    GET = "get"
    POST_FORM = "post-form"
    POST_JSON = "post-json"


@dataclass(frozen=True)
class Template:
    """A push URL template, e.g. `https://client.example/dlr?id=$app_msg_id$&st=$delivery_status$`.

    `fields` maps each query parameter whose value is exactly one marker to that marker: what a
    receiver needs to read a push back into marker values.
    """

    text: str

    @property
    def markers(self) -> list[str]:
        return list(dict.fromkeys(_MARKER.findall(self.text)))

    @property
    def fields(self) -> dict[str, str]:
        query = urlsplit(self.text).query
        out = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            match = _MARKER.fullmatch(value)
            if match:
                out[name] = match[1]
        return out

    def base(self) -> str:
        """The URL without its query: where a POST goes."""
        parts = urlsplit(self.text)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))

    def fill(self, values: dict[str, str]) -> str:
        """The URL with every marker replaced by its URL-encoded value (unknown markers: '')."""
        return _MARKER.sub(lambda m: quote(values.get(m[1], ""), safe=""), self.text)

    def body_fields(self, values: dict[str, str]) -> list[tuple[str, str]]:
        """The template's query fields, filled: what a POST carries in its body."""
        query = urlsplit(self.text).query
        return [
            (name, _MARKER.sub(lambda m: values.get(m[1], ""), value))
            for name, value in parse_qsl(query, keep_blank_values=True)
        ]

    def read(self, fields: dict[str, str]) -> dict[str, str]:
        """Marker values from a received push's fields (query and body merged)."""
        return {marker: fields[name] for name, marker in self.fields.items() if name in fields}


def default_template(base_url: str, kind: PushKind, account: str = "") -> Template:
    """Every marker of `kind`, each in a field of its own name, at `<base>/<kind>[/<account>]`."""
    path = f"/{kind}" + (f"/{quote(account, safe='{}')}" if account else "")
    query = "&".join(f"{m}=${m}$" for m in MARKERS[kind])
    return Template(f"{base_url.rstrip('/')}{path}?{query}")


def received_fields(query: str, content_type: str, body: bytes) -> dict[str, str]:
    """A received push's fields: its query string, then a form or JSON object body over it."""
    fields = dict(parse_qsl(query, keep_blank_values=True))
    if not body:
        return fields
    if "json" in content_type:
        try:
            value = json.loads(body)
        except ValueError:
            return fields
        if isinstance(value, dict):
            fields |= {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
        return fields
    fields |= dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return fields


def route_of(path: str) -> tuple[PushKind | None, str]:
    """(kind, account) from a receiver path `/dlr/<account>` or `/mo/<account>`."""
    parts = [p for p in path.split("/") if p]
    kinds = {k.value for k in PushKind}
    for i, part in enumerate(parts):
        if part in kinds:
            account = parts[i + 1] if i + 1 < len(parts) else ""
            return PushKind(part), account
    return None, ""


@dataclass(frozen=True)
class Push:
    """One push as a receiver got it: where it came, how, and its marker values."""

    kind: PushKind | None
    account: str  # from the path; "" when the path does not name one
    method: str
    values: dict[str, str]  # marker -> value
    raw: str  # path, query and body as text: what a leak search looks at
    received: float  # wall-clock seconds
    content_type: str = ""

    @property
    def app_msg_id(self) -> str:
        return self.values.get("app_msg_id", "")

    @property
    def status(self) -> str:
        return self.values.get("delivery_status", "")

    @property
    def how(self) -> str:
        """How the values travelled, for the fingerprint: GET, POST form or POST JSON."""
        if self.method != "POST":
            return self.method
        return "POST json" if "json" in self.content_type else "POST form"


def read_push(
    method: str,
    path: str,
    query: str,
    content_type: str,
    body: bytes,
    received: float,
    templates: dict[PushKind, Template] | None = None,
) -> Push:
    """A received request as a `Push`: fields mapped to markers by the template of its kind
    (by default a field carries the marker of its own name)."""
    kind, account = route_of(path)
    fields = received_fields(query, content_type, body)
    template = (templates or {}).get(kind) if kind else None
    if template is not None:
        values = template.read(fields)
    else:
        known = set(MARKERS[kind]) if kind else set(DLR_MARKERS) | set(MO_MARKERS)
        values = {k: v for k, v in fields.items() if k in known}
    raw = f"{path}?{query}\n{body.decode('utf-8', 'replace')}"
    return Push(kind, account, method, values, raw, received, content_type)
