"""One request sent and what came back, with a reproducing curl line that hides the password."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

try:
    import orjson
except ImportError:  # a venv installed before orjson was a dependency: json reads it all
    orjson = None

from contracts.cases import Case
from okroute_model.secrets import MASKER, mask_wire
from okroute_model.statuses import Status
from okroute_model.wire import Variant, WireRequest

BODY_EXCERPT = 300

_ID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4,12}){1,4}|[0-9a-fA-F]{24,}")
_NUMBER = re.compile(r"\d{6,}")
TEXT_KEPT = 80
_LONG_DIGITS = re.compile(rb"\d{19}")  # an integer orjson may not read exactly


def normalize(text: str) -> str:
    """An answer without what changes from one request to the next: IDs and numbers."""
    return _NUMBER.sub("<n>", _ID.sub("<id>", text))


def answer(ex: Exchange) -> str:
    """`status` and the body reduced to its shape (JSON) or its normalized text."""
    if ex.response is None:
        return f"no answer ({ex.error})"
    r = ex.response
    if r.is_json:
        value = r.json
        if isinstance(value, dict):
            shape = "{" + ", ".join(sorted(value)) + "}"
            if value.get("status") == Status.UNKNOWN:  # other statuses only tell the time
                shape += " status=UNKNOWN"
        elif isinstance(value, list):
            keys = sorted({k for e in value if isinstance(e, dict) for k in e})
            shape = f"[{len(value)} x {{{', '.join(keys)}}}]"
        else:
            shape = f"JSON {type(value).__name__}"
        return f"{r.status} {shape}"
    return f"{r.status} {normalize(r.text.strip()[:TEXT_KEPT])!r}"


def parse_json(body: bytes) -> tuple[bool, Any]:
    """(True, value) when `body` is JSON as `json.loads` reads it, else (False, None).

    orjson reads the strict JSON a platform answers about ten times faster (a load run parses
    every answer); what it refuses (NaN, lone surrogates, UTF-16, a BOM) goes to `json.loads`,
    and so does a body with 19 digits in a row: orjson reads an integer past 64 bits as a float,
    where `json.loads` keeps it exact. So the verdict and the value are `json.loads`'s."""
    if orjson is not None and not _LONG_DIGITS.search(body):
        try:
            return True, orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        return True, json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False, None


class _once:
    """A value computed on first use and then kept as an attribute of the instance.

    `functools.cached_property` takes a lock on every first use (Python 3.11), which costs more
    than decoding a short answer; a response is read by one thread."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @_once
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @_once
    def parsed(self) -> tuple[bool, Any]:
        """(True, value) when the body is JSON, whatever the Content-Type says."""
        return parse_json(self.body)

    @_once
    def is_json(self) -> bool:
        return self.parsed[0]

    @_once
    def json(self) -> Any:
        return self.parsed[1]


@dataclass
class Exchange:
    case: Case
    variant: Variant
    base_url: str
    wire: WireRequest
    response: Response | None
    error: str | None = None  # the transport error when no answer came back
    elapsed: float = 0.0
    attempts: int = 1
    ca_bundle: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int | None:
        return self.response.status if self.response else None

    def curl(self) -> str:
        """A curl command that sends the same request, with the password masked."""
        target, body = mask_wire(self.wire)
        parts = ["curl", "-sS", "-X", self.wire.method]
        if self.ca_bundle and self.base_url.startswith("https"):
            parts += ["--cacert", shlex.quote(self.ca_bundle)]
        for name, value in self.wire.headers:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.wire.body:
            parts += ["--data-binary", shlex.quote(body)]
        parts.append(shlex.quote(self.base_url + target))
        return " ".join(parts)

    def received(self) -> str:
        if self.response is None:
            return f"no answer: {self.error}"
        body = self.response.text
        if len(body) > BODY_EXCERPT:
            body = body[:BODY_EXCERPT] + f"... ({len(self.response.body)} bytes)"
        content_type = self.response.headers.get("content-type", "-")
        return MASKER.mask(f"{self.response.status} [{content_type}] {body!r}")

    def describe(self) -> str:
        return f"{self.case.label()} via {self.variant}"
