"""Kinds of raw input that well-formed requests never carry (§3: "SHOULD for every request
whatever its content: never a 5xx (508 aside), never a dropped connection").

The contract suite's robustness phase sends probes of each kind (`contracts.robustness`); the mock
can be broken to drop the connection on each kind (`okroute-mock --break drop-on-KIND`), which is
how the phase is proven to catch them. Both name the kinds from here.
"""

from __future__ import annotations

from enum import StrEnum


class RawInput(StrEnum):
    BAD_PERCENT_ENCODING = "bad-percent-encoding"  # '%' without two hex digits after it
    NON_UTF8_QUERY = "non-utf8-query"  # percent-encoded bytes that are not UTF-8
    NON_UTF8_BODY = "non-utf8-body"  # a JSON body with bytes (or escapes) that are not UTF-8
    CONTROL_CHARACTERS = "control-characters"  # NUL, CR LF and other C0 controls in values
    RAW_TARGET_BYTES = "raw-target-bytes"  # bytes a request target may not carry unencoded
    OVERLONG_HEAD = "overlong-head"  # a request line or header of 64 KiB to 1 MiB; 1000 headers
    OVERLONG_BODY = "overlong-body"  # a body of 64 KiB to 1 MiB, or nested 32 Ki levels deep
    CONTENT_TYPE = "content-type"  # a JSON body with a missing or wrong Content-Type
    CHUNKED = "chunked-body"  # Transfer-Encoding: chunked, well-formed or not
    HALF_CLOSE = "half-close"  # the client ends its side (shutdown(SHUT_WR)) after sending
    PIPELINED = "pipelined"  # several requests in one write, before any answer


# How long "overlong" is: beyond what any request of this API needs (2048 characters of dnis and
# a long text fit many times), within what a server should read before it answers.
OVERLONG = 64 * 1024
OVERLONG_MAX = 1024 * 1024
