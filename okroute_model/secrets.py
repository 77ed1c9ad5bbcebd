"""Keeping the platform password out of every byte the suite writes.

Two layers: values are masked by name wherever the suite renders a request (`mask_wire`), and
every text the suite or its plugins write passes `MASKER.mask`, which replaces each registered
secret in the forms it can take on the wire (raw, percent-encoded, form-encoded, JSON-escaped).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

from okroute_model.wire import WireRequest, encode_query

MASK = "***"
SECRET_FIELDS = frozenset({"password"})
# Short strings would mask half the output; a password this short is no secret anyway.
MIN_SECRET_LENGTH = 4


@dataclass(frozen=True)
class Credentials:
    """An account's username and password; the password never prints (repr, pretty, logs)."""

    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password={MASK!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis and IPython print with this


def _forms(secret: str) -> set[str]:
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret, safe="").lower(),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


class Masker:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            self._forms |= _forms(secret)
            longest_first = sorted(self._forms, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(f) for f in longest_first))

    def mask(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def __contains__(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None


MASKER = Masker()


def mask_query(query: str) -> str:
    """A query string with every secret field's value replaced, whatever the value is."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True)
    except ValueError:
        return MASKER.mask(query)
    if not any(k in SECRET_FIELDS for k, _ in pairs):
        return MASKER.mask(query)
    masked = [(k, MASK if k in SECRET_FIELDS else v) for k, v in pairs]
    return MASKER.mask(encode_query(masked).replace(quote(MASK, safe=""), MASK))


def mask_body(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except ValueError:
        return MASKER.mask(text)
    if isinstance(value, dict) and SECRET_FIELDS & value.keys():
        value = {k: MASK if k in SECRET_FIELDS else v for k, v in value.items()}
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return MASKER.mask(text)


def mask_bytes(data: bytes) -> bytes:
    """Raw bytes with every registered secret masked; bytes that are not UTF-8 pass unchanged."""
    text = data.decode("utf-8", "surrogateescape")
    masked = MASKER.mask(text)
    return data if masked == text else masked.encode("utf-8", "surrogateescape")


def mask_wire(wire: WireRequest) -> tuple[str, str]:
    """The target (path and query) and the body of `wire`, masked."""
    return f"{wire.path}?{mask_query(wire.query)}", mask_body(wire.body)


# A secret field's value in a logged URL, whatever its length: the masker's own forms leave
# out passwords under MIN_SECRET_LENGTH, and httpx logs every request's URL at INFO.
_LOGGED_FIELD = re.compile(
    "(?<=[?&](?:" + "|".join(map(re.escape, sorted(SECRET_FIELDS))) + ")=)[^&#\\s\"']+"
)


def mask_log(message: str) -> str:
    """A log line with every registered secret and every secret field's URL value masked."""
    return _LOGGED_FIELD.sub(MASK, MASKER.mask(message))


class MaskingFilter(logging.Filter):
    """Masks secrets in log records (httpx logs full URLs at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = mask_log(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking(names: Iterable[str] = ("", "httpx", "httpcore")) -> None:
    """Attach the masking filter to these loggers and to every handler they have."""
    mask = MaskingFilter()
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(mask)
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(mask)
