"""The documented ways a request travels (§1), encoded to and decoded from the wire.

One logical request (`ApiRequest`) becomes the same parameters through every variant:
GET with everything in the query; POST with credentials in the URL and the rest as a JSON object;
POST with everything in a JSON object and `/api?` as the URL. The contract suite (httpx), the
Locust scenarios (geventhttpclient), the fingerprint probes and the curl lines of failure reports
all send what `encode` builds; the mock platform and the offline fake read what `decode` parses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_plus

from okroute_model.defects import Defect
from okroute_model.params import INTEGER_PARAMS, PATH, URL_FIELDS

JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class Method(StrEnum):
    GET = "GET"
    POST_URL = "POST-url"  # credentials in the URL, the rest as a JSON body
    POST_BODY = "POST-body"  # everything in the JSON body

    @property
    def http_method(self) -> str:
        return "GET" if self is Method.GET else "POST"


class Transport(StrEnum):
    HTTP = "http"
    HTTPS = "https"


@dataclass(frozen=True, order=True)
class Variant:
    method: Method
    transport: Transport

    @property
    def name(self) -> str:
        return f"{self.method} {self.transport}"

    def __str__(self) -> str:
        return self.name


ALL_VARIANTS: tuple[Variant, ...] = tuple(Variant(m, t) for m in Method for t in Transport)


def parse_variant(name: str) -> Variant:
    """`"POST-body https"` back into a Variant."""
    for variant in ALL_VARIANTS:
        if variant.name == name:
            return variant
    raise ValueError(f"unknown variant {name!r}; known: {', '.join(v.name for v in ALL_VARIANTS)}")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class ApiRequest:
    """One logical request: the same parameters whichever variant carries them."""

    command: str | None
    username: str | None
    password: str | None = field(repr=False)
    params: tuple[tuple[str, Any], ...] = ()
    # POST only: bytes that replace the JSON body, or a JSON value that is not an object.
    raw_body: bytes | None = None
    body_value: Any = MISSING

    def __repr__(self) -> str:
        password = None if self.password is None else "***"
        extra = ""
        if self.raw_body is not None:
            extra += f", raw_body={self.raw_body[:80]!r}"
        if self.body_value is not MISSING:
            extra += f", body_value={self.body_value!r:.80}"
        return (
            f"ApiRequest(command={self.command!r}, username={self.username!r}, "
            f"password={password!r}, params={dict(self.params)!r}{extra})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints examples with this, not with the dataclass fields."""
        printer.text(repr(self))

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        return default

    @property
    def url_fields(self) -> list[tuple[str, Any]]:
        values = (self.command, self.username, self.password)
        return [(k, v) for k, v in zip(URL_FIELDS, values, strict=True) if v is not None]

    @property
    def body_only(self) -> bool:
        """Whether it can only travel as a JSON body (malformed JSON, lists, non-objects)."""
        return (
            self.raw_body is not None
            or self.body_value is not MISSING
            or any(not isinstance(v, str | int) for _, v in self.params)
        )


class WireRequest(NamedTuple):
    """A request as bytes on the wire (a tuple: the mock makes one per request)."""

    method: str
    path: str
    query: str  # percent-encoded, without '?'
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def target(self) -> str:
        """Path and query as sent; the documented form always writes `/api?`."""
        return f"{self.path}?{self.query}"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")  # what percent-encoding leaves as it is


def _quoted(value: str) -> str:
    return value if _PLAIN.fullmatch(value) else quote(value, safe="")


def encode_query(pairs: list[tuple[str, Any]]) -> str:
    """`urlencode` with %20 for spaces, skipping the quoting of values that need none."""
    parts = []
    for key, value in pairs:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError(f"{key}={value!r} cannot travel in a query string")
        parts.append(f"{_quoted(key)}={_quoted(str(value))}")
    return "&".join(parts)


def encode_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _json_typed(name: str, value: Any) -> Any:
    """An integer parameter travels in JSON as a number, its documented type (§3); a string
    there is a MAY point (§6). Anything that is not a plain integer stays as it is."""
    if name in INTEGER_PARAMS and isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return value


_INTEGER = re.compile(r"-?[0-9]+")


def encode(request: ApiRequest, method: Method, path: str = PATH) -> WireRequest:
    """The wire form of `request` sent through `method`."""
    if method is Method.GET:
        if request.body_only:
            raise ValueError(f"{request!r} can only travel in a JSON body")
        query = encode_query(request.url_fields + list(request.params))
        return WireRequest("GET", path, query, (), b"")
    if method is Method.POST_URL:
        query = encode_query(request.url_fields)
        body_fields = list(request.params)
    else:
        query = ""
        body_fields = request.url_fields + list(request.params)
    if request.raw_body is not None:
        body = request.raw_body
    elif request.body_value is not MISSING:
        body = encode_json(request.body_value)
    else:
        body = encode_json({k: _json_typed(k, v) for k, v in body_fields})
    return WireRequest("POST", path, query, (("Content-Type", JSON_CONTENT_TYPE),), body)


class Decoded:
    """What a platform read from a request: query, body, and the two merged as `params`."""

    __slots__ = ("body", "body_kind", "body_wins", "error", "params", "query")

    def __init__(
        self,
        query: dict[str, str],
        body: dict[str, Any] | None = None,
        error: str | None = None,  # a defect or MAY label that stops the request being read
        body_kind: str = "none",  # "none", "json" or "form"
        body_wins: bool = False,  # the MAY point query-body-precedence
    ) -> None:
        self.query = query
        self.body = body or {}
        self.error = error
        self.body_kind = body_kind
        self.body_wins = body_wins
        # A field in both the query and the body comes from the winning side.
        if not body:
            self.params: dict[str, Any] = query
        elif body_wins:
            self.params = {**query, **body}
        else:
            self.params = {**body, **query}

    def source(self, name: str) -> str | None:
        """Where `name` was read from: "query", "body" or None."""
        if name in self.query and not (self.body_wins and name in self.body):
            return "query"
        return "body" if name in self.body else None


def _unquote(text: str) -> str:
    if "%" in text or "+" in text:
        return unquote_plus(text, errors="strict")
    return text


def _query_pairs(text: str) -> list[tuple[str, str]]:
    """`parse_qsl(text, keep_blank_values=True, errors="strict")`, without its cost on plain text.

    The mock parses one query per request; most values need no unquoting at all.
    """
    pairs = []
    for part in text.split("&"):
        name, _, value = part.partition("=")
        if "%" in part or "+" in part:
            name, value = _unquote(name), _unquote(value)
        if part:
            pairs.append((name, value))
    return pairs


def _params(pairs: list[tuple[str, str]], first_wins: bool) -> dict[str, str]:
    return dict(reversed(pairs)) if first_wins else dict(pairs)


def decode(
    wire: WireRequest,
    *,
    form_accepted: bool = True,
    body_wins: bool = False,
    first_wins: bool = False,
) -> Decoded:
    """The parameters a platform reads from `wire`; `error` names what made it unreadable.

    `form_accepted`, `body_wins` and `first_wins` are MAY points (form-post,
    query-body-precedence, repeated-params: which occurrence of a repeated parameter counts).
    """
    try:
        query = _params(_query_pairs(wire.query), first_wins) if wire.query else {}
    except UnicodeDecodeError:
        return Decoded({}, error=Defect.INVALID_UTF8)
    if wire.method != "POST" or not wire.body:
        return Decoded(query)
    content_type = (wire.header("content-type") or "").split(";")[0].strip().lower()
    if content_type == FORM_CONTENT_TYPE:
        if not form_accepted:
            return Decoded(query, error="form-post", body_kind="form")
        try:
            form = _params(_query_pairs(wire.body.decode("utf-8")), first_wins)
        except UnicodeDecodeError:
            return Decoded(query, error=Defect.INVALID_UTF8, body_kind="form")
        return Decoded(query, form, body_kind="form", body_wins=body_wins)
    try:
        value = json.loads(wire.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting recurses
        return Decoded(query, error=Defect.MALFORMED_JSON, body_kind="json")
    if not isinstance(value, dict):
        return Decoded(query, error=Defect.JSON_NOT_OBJECT, body_kind="json")
    return Decoded(query, value, body_kind="json", body_wins=body_wins)


def method_of(wire: WireRequest, decoded: Decoded) -> Method | None:
    """Which documented variant `wire` is, or None when it is none of them."""
    if wire.method == "GET":
        return Method.GET if decoded.body_kind == "none" else None
    if wire.method != "POST" or decoded.body_kind != "json":
        return None
    if (wire.header("content-type") or "").split(";")[0].strip().lower() != JSON_CONTENT_TYPE:
        return None
    if not decoded.query:
        return Method.POST_BODY
    return Method.POST_URL if decoded.query.keys() <= set(URL_FIELDS) else None
