"""The robustness probes: raw requests a real client might send, that well-formed requests never
are, by kind of raw input (`okroute_model.rawinput.RawInput`).

Every probe is budget-safe: a request that a correct platform rejects — a wrong password, or a
destination under the configured number prefix that is not a number — so none can become an SMS.
A probe is bytes (`rawhttp.Raw`), kept in runs so that a 1 MiB probe prints as one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from contracts.rawhttp import Raw
from okroute_model.params import PATH, Command
from okroute_model.rawinput import OVERLONG, OVERLONG_MAX, RawInput
from okroute_model.wire import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, Method

# Not any account's password: the probes that need no account use it, and a correct platform
# answers them 401 before it reads anything else.
WRONG_PASSWORD = "okroute-robustness-wrong-password"
EMPTY = Raw()


@dataclass(frozen=True)
class Message:
    """One HTTP/1.1 request as a client writes it; `length` adds the Content-Length header."""

    method: str
    target: Raw
    headers: tuple[tuple[str, Raw], ...] = ()
    body: Raw = EMPTY
    length: bool = True

    def wire(self, authority: str) -> Raw:
        head = [self.method.encode(), b" ", self.target, b" HTTP/1.1\r\nHost: "]
        head.append(authority.encode() + b"\r\n")
        for name, value in self.headers:
            head += [name.encode() + b": ", value, b"\r\n"]
        if self.length and (len(self.body) or self.method == "POST"):
            head.append(f"Content-Length: {len(self.body)}\r\n".encode())
        return Raw.of(*head, b"\r\n", self.body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return bytes(value).decode("latin-1")
        return None


@dataclass(frozen=True)
class Probe:
    name: str
    kind: RawInput
    messages: tuple[Message, ...]
    half_close: bool = False

    @property
    def method(self) -> Method:
        """The documented variant closest to it, for the coverage table."""
        first = self.messages[0]
        if first.method != "POST":
            return Method.GET
        return Method.POST_URL if b"password=" in bytes(first.target) else Method.POST_BODY

    def wire(self, authority: str) -> Raw:
        return Raw.of(*(m.wire(authority) for m in self.messages))

    def label(self) -> str:
        return f"raw input: {self.kind} / {self.name}"

    def __repr__(self) -> str:  # tracebacks print probes: the label says it all, without bytes
        return f"Probe({self.label()!r})"


@dataclass(frozen=True)
class Context:
    """What the probes are made of: the account's name and password, and the number prefix."""

    username: str
    password: str = field(repr=False)
    prefix: str

    @property
    def not_a_number(self) -> str:
        """A destination under the prefix that no platform may take for a number."""
        return f"{self.prefix}X0"


# -- building blocks -------------------------------------------------------------------------


def _query(pairs: list[tuple[str, str]], raw: str = "") -> Raw:
    """`PATH?` and the pairs, percent-encoded; `raw` is appended as it is (the probe's point)."""
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    return Raw.of(f"{PATH}?{encoded}{raw}".encode())


def _wrong(ctx: Context) -> list[tuple[str, str]]:
    return [("command", Command.SUBMIT), ("username", ctx.username), ("password", WRONG_PASSWORD)]


def _real(ctx: Context) -> list[tuple[str, str]]:
    return [("command", Command.SUBMIT), ("username", ctx.username), ("password", ctx.password)]


def _get(target: Raw, *headers: tuple[str, Raw]) -> Message:
    return Message("GET", target, headers)


def _json_fields(ctx: Context, wrong: bool = True) -> bytes:
    """The start of a JSON object with command and credentials, ready for one more field."""
    fields = dict(_wrong(ctx) if wrong else _real(ctx))
    return json.dumps(fields)[:-1].encode() + b", "


def _post_json(
    ctx: Context, tail: Raw | bytes, content_type: str | None = JSON_CONTENT_TYPE
) -> Message:
    """A POST with everything in a JSON body: credentials first, then `tail` and the closing `}`."""
    body = Raw.of(_json_fields(ctx), tail, b"}")
    headers = (("Content-Type", Raw.of(content_type.encode())),) if content_type else ()
    return Message("POST", Raw.of(f"{PATH}?".encode()), headers, body)


def _post_url(ctx: Context, body: Raw | bytes) -> Message:
    """A POST with the real credentials in the URL and a JSON body that a platform must reject."""
    return Message(
        "POST",
        _query(_real(ctx)),
        (("Content-Type", Raw.of(JSON_CONTENT_TYPE.encode())),),
        Raw.of(body),
    )


def _dnis_message(dnis: str, message: Raw | bytes) -> Raw:
    return Raw.of(f'"dnis": "{dnis}", "message": "'.encode(), message, b'"')


def _chunked(ctx: Context, chunks: Raw | bytes, *headers: tuple[str, Raw]) -> Message:
    te = ("Transfer-Encoding", Raw.of(b"chunked"))
    ct = ("Content-Type", Raw.of(JSON_CONTENT_TYPE.encode()))
    return Message("POST", Raw.of(f"{PATH}?".encode()), (ct, te, *headers), Raw.of(chunks), False)


def _chunks(data: bytes, sizes: tuple[int, ...]) -> bytes:
    out, start = b"", 0
    for size in (*sizes, len(data)):
        piece, start = data[start : start + size], start + size
        if piece:
            out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


# -- the catalogue ---------------------------------------------------------------------------

Builder = Callable[[Context], Iterator[Probe]]
_BUILDERS: dict[RawInput, Builder] = {}


def _kind(kind: RawInput) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        _BUILDERS[kind] = builder
        return builder

    return register


@_kind(RawInput.BAD_PERCENT_ENCODING)
def _percent(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.BAD_PERCENT_ENCODING, ctx.not_a_number
    yield Probe("escape-not-hex", k, (_get(_query(_wrong(ctx), f"&dnis={n}&message=100%ZZ")),))
    yield Probe("escape-cut-short", k, (_get(_query(_wrong(ctx), f"&dnis={n}&message=50%4")),))
    yield Probe("escape-at-end", k, (_get(_query(_wrong(ctx), "&message=%")),))
    yield Probe(
        "escape-in-names",
        k,
        (
            _get(
                Raw.of(
                    f"{PATH}?comm%and={Command.SUBMIT}&user%G0name={quote(ctx.username)}".encode()
                )
            ),
        ),
    )
    yield Probe("past-credentials", k, (_get(_query(_real(ctx), f"&dnis={n}&message=%ZZ%G0%")),))


@_kind(RawInput.NON_UTF8_QUERY)
def _non_utf8_query(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.NON_UTF8_QUERY, ctx.not_a_number
    yield Probe("latin-1-text", k, (_get(_query(_wrong(ctx), f"&dnis={n}&message=caf%E9")),))
    yield Probe(
        "invalid-sequences",
        k,
        (_get(_query(_wrong(ctx), f"&dnis={n}&message=%FF%FE%C3%28%ED%A0%80%F8%88")),),
    )
    yield Probe(
        "in-username",
        k,
        (_get(Raw.of(f"{PATH}?command={Command.SUBMIT}&username=%FF%FE&password=x".encode())),),
    )
    yield Probe("past-credentials", k, (_get(_query(_real(ctx), f"&dnis={n}&message=%C3%28%FF")),))


@_kind(RawInput.NON_UTF8_BODY)
def _non_utf8_body(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.NON_UTF8_BODY, ctx.not_a_number
    yield Probe("invalid-bytes", k, (_post_json(ctx, _dnis_message(n, b"\xff\xfe\xc3\x28")),))
    yield Probe("latin-1-text", k, (_post_json(ctx, _dnis_message(n, b"caf\xe9")),))
    yield Probe("lone-surrogate", k, (_post_json(ctx, _dnis_message(n, rb"\ud800x")),))
    utf16 = ("\ufeff" + json.dumps(dict(_wrong(ctx)))).encode("utf-16-le")
    yield Probe(
        "utf-16-body",
        k,
        (
            Message(
                "POST",
                Raw.of(f"{PATH}?".encode()),
                (("Content-Type", Raw.of(JSON_CONTENT_TYPE.encode())),),
                Raw.of(utf16),
            ),
        ),
    )
    body = _dnis_message(n, b"\xc3\x28\xff")
    yield Probe("past-credentials", k, (_post_url(ctx, Raw.of(b"{", body, b"}")),))
    body = _dnis_message(n, rb"\udc80\ud800")
    yield Probe("past-credentials-surrogates", k, (_post_url(ctx, Raw.of(b"{", body, b"}")),))


@_kind(RawInput.CONTROL_CHARACTERS)
def _controls(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.CONTROL_CHARACTERS, ctx.not_a_number
    yield Probe("nul-in-query", k, (_get(_query(_wrong(ctx), f"&dnis={n}%00&message=a%00b")),))
    yield Probe(
        "crlf-in-query", k, (_get(_query(_wrong(ctx), "&message=a%0D%0AX-Injected:%20yes")),)
    )
    controls = rb"\u0000\u0001\u001b\u007f\r\n"
    yield Probe("escaped-in-json", k, (_post_json(ctx, _dnis_message(n, controls)),))
    yield Probe("raw-in-json", k, (_post_json(ctx, _dnis_message(n, b"a\x00b\x01\x1b")),))
    yield Probe(
        "past-credentials", k, (_get(_query(_real(ctx), f"&dnis={n}&message=%00%07%1B%7F")),)
    )
    body = Raw.of(b"{", _dnis_message(n, controls), b"}")
    yield Probe("past-credentials-json", k, (_post_url(ctx, body),))


@_kind(RawInput.RAW_TARGET_BYTES)
def _raw_target(ctx: Context) -> Iterator[Probe]:
    k = RawInput.RAW_TARGET_BYTES
    yield Probe(
        "non-utf8-bytes", k, (_get(Raw.of(bytes(_query(_wrong(ctx))), b"&message=\xff\xfe")),)
    )
    yield Probe(
        "utf-8-unencoded", k, (_get(Raw.of(bytes(_query(_wrong(ctx))), "&message=é€".encode())),)
    )
    yield Probe(
        "control-bytes", k, (_get(Raw.of(bytes(_query(_wrong(ctx))), b"&message=a\x01b\x7f")),)
    )
    yield Probe("unencoded-space", k, (_get(Raw.of(bytes(_query(_wrong(ctx))), b"&message=a b")),))


@_kind(RawInput.OVERLONG_HEAD)
def _overlong_head(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.OVERLONG_HEAD, ctx.not_a_number
    target = Raw.of(_query(_wrong(ctx), f"&dnis={n}&message="), Raw.repeat(b"a", OVERLONG))
    yield Probe("query-value", k, (_get(target),))
    line = Raw.of(_query(_wrong(ctx), "&message="), Raw.repeat(b"a", OVERLONG_MAX))
    yield Probe("request-line", k, (_get(line),))
    target = _query(_wrong(ctx))
    yield Probe("one-long-header", k, (_get(target, ("X-Padding", Raw.repeat(b"a", OVERLONG))),))
    many = tuple((f"X-Header-{i}", Raw.of(b"x")) for i in range(1000))
    yield Probe("a-thousand-headers", k, (_get(target, *many),))


@_kind(RawInput.OVERLONG_BODY)
def _overlong_body(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.OVERLONG_BODY, ctx.not_a_number
    numbers = Raw.of(b'"dnis": "', Raw.repeat(f"{ctx.prefix}1,".encode(), OVERLONG // 8), b'0"')
    yield Probe("dnis-list", k, (_post_json(ctx, numbers),))
    yield Probe("body", k, (_post_json(ctx, _dnis_message(n, Raw.repeat(b"a", OVERLONG_MAX))),))
    depth = OVERLONG // 2
    nesting = Raw.of(b'"message": ', Raw.repeat(b"[", depth), Raw.repeat(b"]", depth))
    yield Probe("nested-json", k, (_post_json(ctx, nesting),))
    body = Raw.of(b"{", _dnis_message(n, Raw.repeat(b"a", OVERLONG)), b"}")
    yield Probe("past-credentials", k, (_post_url(ctx, body),))


@_kind(RawInput.CONTENT_TYPE)
def _content_type(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.CONTENT_TYPE, ctx.not_a_number
    tail = _dnis_message(n, b"hello")
    yield Probe("missing", k, (_post_json(ctx, tail, None),))
    for name, value in (
        ("text-plain", "text/plain"),
        ("form-with-json-body", FORM_CONTENT_TYPE),
        ("multipart-without-parts", "multipart/form-data; boundary=okroute"),
        ("unknown-charset", f"{JSON_CONTENT_TYPE}; charset=klingon"),
        ("malformed", ";;=; =="),
    ):
        yield Probe(name, k, (_post_json(ctx, tail, value),))


@_kind(RawInput.CHUNKED)
def _chunked_bodies(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.CHUNKED, ctx.not_a_number
    body = bytes(Raw.of(_json_fields(ctx), _dnis_message(n, b"hello"), b"}"))
    yield Probe("json-in-chunks", k, (_chunked(ctx, _chunks(body, (7, 1, 30))),))
    extended = b"5;name=value\r\n" + body[:5] + b"\r\n" + _chunks(body[5:], ())[:-2]
    yield Probe("extensions-and-trailer", k, (_chunked(ctx, extended + b"X-Trailer: 1\r\n\r\n"),))
    yield Probe("size-not-hex", k, (_chunked(ctx, b"zz\r\n" + body + b"\r\n0\r\n\r\n"),))
    yield Probe("size-overflows", k, (_chunked(ctx, b"ffffffffffffffffffff\r\n" + body),))
    length = ("Content-Length", Raw.of(str(len(body)).encode()))
    yield Probe("with-content-length", k, (_chunked(ctx, _chunks(body, (10,)), length),))
    yield Probe("empty", k, (_chunked(ctx, b"0\r\n\r\n"),))


@_kind(RawInput.HALF_CLOSE)
def _half_close(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.HALF_CLOSE, ctx.not_a_number
    yield Probe("get", k, (_get(_query(_wrong(ctx), f"&dnis={n}&message=hi")),), half_close=True)
    post = _post_json(ctx, _dnis_message(n, b"hi"))
    yield Probe("post-json", k, (post,), half_close=True)
    body = bytes(Raw.of(_json_fields(ctx), _dnis_message(n, b"hi"), b"}"))
    yield Probe("chunked-post", k, (_chunked(ctx, _chunks(body, (9,))),), half_close=True)


@_kind(RawInput.PIPELINED)
def _pipelined(ctx: Context) -> Iterator[Probe]:
    k, n = RawInput.PIPELINED, ctx.not_a_number
    get = _get(_query(_wrong(ctx), f"&dnis={n}&message=hi"))
    post = _post_json(ctx, _dnis_message(n, b"hi"))
    yield Probe("three-gets", k, (get, get, get))
    yield Probe("get-post-get", k, (get, post, get))
    bad = _get(_query(_wrong(ctx), "&message=%ZZ"))
    yield Probe("bad-then-good", k, (bad, get))
    yield Probe("then-half-close", k, (get, post), half_close=True)


def catalogue(ctx: Context, kind: RawInput) -> list[Probe]:
    return list(_BUILDERS[kind](ctx))


assert set(_BUILDERS) == set(RawInput), set(RawInput) ^ set(_BUILDERS)
