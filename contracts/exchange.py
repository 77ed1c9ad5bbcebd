"""One request sent and what came back, with a reproducing curl line that hides the password."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from contracts.cases import Case
from okroute_model.secrets import MASKER, mask_wire
from okroute_model.statuses import Status
from okroute_model.wire import Variant, WireRequest

BODY_EXCERPT = 300

_ID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4,12}){1,4}|[0-9a-fA-F]{24,}")
_NUMBER = re.compile(r"\d{6,}")
TEXT_KEPT = 80


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


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @cached_property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @cached_property
    def parsed(self) -> tuple[bool, Any]:
        """(True, value) when the body is JSON, whatever the Content-Type says."""
        try:
            return True, json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return False, None

    @property
    def is_json(self) -> bool:
        return self.parsed[0]

    @property
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
