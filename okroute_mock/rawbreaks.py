"""The raw-input breaks: which kind of raw input the first request of a connection carries.

A mock broken with `--break drop-on-KIND` drops the connection (a reset) when the bytes it
received carry that kind; the robustness phase of the contract suite must then fail
`errors.no-5xx`. Each detector reads the bytes as a plain server would, before any parsing, so
that the drop happens whatever aiohttp would have made of them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from okroute_model.rawinput import OVERLONG, RawInput
from okroute_model.wire import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE

HEAD_END = b"\r\n\r\n"
MAX_HEADER_LINE = 8 * 1024
MAX_HEADER_LINES = 100
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ESCAPED_CONTROL = re.compile(rb"\\u00[01][0-9a-fA-F]|\\u007[fF]")
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class Head:
    """The request line and headers of one request, as bytes."""

    def __init__(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        self.line = lines[0]
        self.header_lines = [h for h in lines[1:] if h]
        parts = self.line.split(b" ")
        self.method = parts[0]
        self.target = b" ".join(parts[1:-1]) if len(parts) > 2 else b""
        self.query = self.target.partition(b"?")[2]

    def header(self, name: bytes) -> bytes | None:
        for line in self.header_lines:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name:
                return value.strip()
        return None


def _not_utf8(data: bytes) -> bool:
    """Invalid UTF-8 anywhere; a sequence cut at the end of what was read is not counted."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _raw_target(head: Head, body: bytes) -> bool:
    line = head.line
    return line.count(b" ") != 2 or any(b > 0x7E or b < 0x20 for b in line)


def _content_type(head: Head, body: bytes) -> bool:
    if head.method != b"POST" or not body:
        return False
    value = head.header(b"content-type")
    media = (value or b"").split(b";")[0].strip().lower().decode("latin-1")
    return value is None or media not in (JSON_CONTENT_TYPE, FORM_CONTENT_TYPE)


def _overlong_body(head: Head, body: bytes) -> bool:
    length = head.header(b"content-length")
    return length is not None and length.isdigit() and int(length) >= OVERLONG


CONTENT_KINDS: dict[RawInput, Callable[[Head, bytes], bool]] = {
    RawInput.BAD_PERCENT_ENCODING: lambda head, body: bool(_BAD_ESCAPE.search(head.target)),
    RawInput.NON_UTF8_QUERY: lambda head, body: _not_utf8(unquote_to_bytes(head.query)),
    RawInput.NON_UTF8_BODY: lambda head, body: (
        _not_utf8(body) or bool(_ESCAPED_SURROGATE.search(body))
    ),
    RawInput.CONTROL_CHARACTERS: lambda head, body: bool(
        _CONTROL.search(unquote_to_bytes(head.query))
        or _CONTROL.search(body)
        or _ESCAPED_CONTROL.search(body)
    ),
    RawInput.RAW_TARGET_BYTES: _raw_target,
    RawInput.OVERLONG_HEAD: lambda head, body: (
        len(head.line) >= OVERLONG
        or len(head.header_lines) > MAX_HEADER_LINES
        or any(len(h) > MAX_HEADER_LINE for h in head.header_lines)
    ),
    RawInput.OVERLONG_BODY: _overlong_body,
    RawInput.CONTENT_TYPE: _content_type,
    RawInput.CHUNKED: lambda head, body: b"chunked" in (head.header(b"transfer-encoding") or b""),
}


SNIFF_BODY = 64 * 1024  # of a body, this much is enough to tell its kind


def ready(received: bytes) -> bool:
    """Whether enough of the connection's first request is in to tell its kinds: the head and
    the body's start. A head still incomplete after OVERLONG bytes is overlong either way."""
    head, found, body = received.partition(HEAD_END)
    if not found:
        return len(head) >= OVERLONG
    length = Head(head).header(b"content-length")
    wanted = int(length) if length is not None and length.isdigit() else 0
    return len(body) >= min(wanted, SNIFF_BODY)


def carries(kind: RawInput, received: bytes) -> bool:
    """Whether the first request in `received` carries `kind` (one of CONTENT_KINDS)."""
    head, _, body = received.partition(HEAD_END)
    detector = CONTENT_KINDS.get(kind)
    return detector is not None and detector(Head(head), body)
