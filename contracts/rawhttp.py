"""A raw HTTP/1.1 client over plain TCP and TLS: exactly the bytes it is given, nothing fixed up.

httpx cannot send a broken request line, a chunked body it did not frame itself, two requests in
one write, or half-close its side; the robustness probes need all of those. TLS is always
verified (the target's CA bundle, or the system's). What came back is parsed leniently: a status
line is an answer even when the rest is not valid HTTP.
"""

from __future__ import annotations

import json
import re
import select
import shlex
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import h11

from contracts.exchange import Response
from contracts.target import tls_verification
from okroute_model.params import PATH
from okroute_model.secrets import MASKER, mask_bytes

READ_TIMEOUT = 15.0  # as long as the contract client waits for an answer
CONNECT_TIMEOUT = 5.0
BENIGN_TIMEOUT = 5.0  # as long as the suite's reachability check waits
NO_ANSWER_WITHIN = "no answer within"
SEND_CHUNK = 64 * 1024
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})")


@dataclass(frozen=True)
class Raw:
    """Bytes to send, kept as (piece, repeat) runs so that a 1 MiB probe prints as one line."""

    runs: tuple[tuple[bytes, int], ...] = ()

    @classmethod
    def of(cls, *parts: bytes | Raw) -> Raw:
        runs: list[tuple[bytes, int]] = []
        for part in parts:
            for piece, count in part.runs if isinstance(part, Raw) else ((part, 1),):
                if not piece or not count:
                    continue
                if runs and count == 1 and runs[-1][1] == 1:
                    runs[-1] = (runs[-1][0] + piece, 1)
                else:
                    runs.append((piece, count))
        return cls(tuple(runs))

    @classmethod
    def repeat(cls, piece: bytes, count: int) -> Raw:
        return cls(((piece, count),))

    def __bytes__(self) -> bytes:
        return b"".join(piece * count for piece, count in self.runs)

    def __len__(self) -> int:
        return sum(len(piece) * count for piece, count in self.runs)

    def __repr__(self) -> str:  # what tracebacks print: short, and masked
        return f"Raw({self.python()})"

    def python(self) -> str:
        """A Python expression for these bytes, every secret masked, without a single quote (so
        that a shell line can quote it as it is)."""
        terms = [
            _literal(mask_bytes(piece)) + (f" * {count}" if count > 1 else "")
            for piece, count in self.runs
        ]
        return MASKER.mask(" + ".join(terms) or 'b""')


_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("'"): "\\x27", 13: "\\r", 10: "\\n", 9: "\\t"}


def _literal(data: bytes) -> str:
    """A bytes literal in double quotes."""
    return (
        'b"'
        + "".join(_ESCAPES.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}") for b in data)
        + '"'
    )


@dataclass(frozen=True)
class Endpoint:
    """One listener of the target: where to connect and how to verify its certificate."""

    url: str
    ca_bundle: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @property
    def authority(self) -> str:
        """The Host header: what the URL names, port included."""
        return urlsplit(self.url).netloc

    def connect(self, timeout: float = READ_TIMEOUT) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT)
        if self.tls:
            context = tls_verification(self.ca_bundle)  # the one TLS helper of every client
            sock = context.wrap_socket(sock, server_hostname=self.host)
        sock.settimeout(timeout)
        return sock

    def replay(self, raw: Raw, half_close: bool) -> str:
        """A shell line that sends the same bytes the same way and prints what comes back."""
        host = json.dumps(self.host)
        connect = f"s=socket.create_connection(({host},{self.port}))"
        readable = "select.select([s],[],[],5)[0]"
        if self.tls:
            cafile = f"cafile={json.dumps(self.ca_bundle)}" if self.ca_bundle else ""
            connect += (
                f";s=ssl.create_default_context({cafile}).wrap_socket(s,server_hostname={host})"
            )
            readable = f"s.pending() or {readable}"
        shut = ";socket.socket.shutdown(s,socket.SHUT_WR)" if half_close else ""
        code = (
            f"import socket,ssl,select;{connect};s.sendall({raw.python()}){shut};"
            f'print(b"".join(iter(lambda:s.recv(65536) if {readable} else b"",b""))'
            '.decode("latin-1"))'
        )
        return f"python3 -c '{code}'" if "'" not in code else "python3 -c " + shlex.quote(code)


@dataclass
class RawOutcome:
    """What came back on one connection: the answers in order, and how the connection ended."""

    responses: list[Response] = field(default_factory=list)
    closing: bool = False  # the last answer said the server closes after it (it may: RFC 9112)
    ended: str | None = None  # why reading stopped before every answer was in; None: all in
    send_error: str | None = None
    seconds: float = 0.0


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _send(sock: socket.socket, data: bytes, parser: _Parser) -> str | None:
    """Send `data`, stopping early when the server answers (a 413 before the whole body)."""
    try:
        for start in range(0, len(data), SEND_CHUNK):
            if start and _early_answer(sock, parser):
                return None
            sock.sendall(data[start : start + SEND_CHUNK])
    except (OSError, ssl.SSLError) as exc:
        return _describe(exc)
    return None


def _early_answer(sock: socket.socket, parser: _Parser) -> bool:
    """Whether the server answered (or closed) already; what it sent goes to `parser`. A TLS
    socket is readable for the session tickets a TLS 1.3 server sends too, so readable alone
    says nothing: only application data (or the end of the stream) counts."""
    pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
    if not pending and not select.select([sock], [], [], 0)[0]:
        return False
    timeout = sock.gettimeout()
    sock.settimeout(0)
    try:
        data = sock.recv(65536)
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    finally:
        sock.settimeout(timeout)
    parser.feed(data)
    return True


def _half_close(sock: socket.socket) -> str | None:
    """End our side at the TCP level, as `nc -N` does; over TLS the session stays usable for
    reading (SSLSocket.shutdown would drop it), so the socket's own shutdown is called."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_WR)
    except OSError as exc:
        return _describe(exc)
    return None


class _Parser:
    """Answers one after another from a byte stream; h11 where the answer is valid HTTP/1.1,
    the status line alone where it is not (a status line is an answer)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.responses: list[Response] = []
        self.closing = False
        self._new()

    def _new(self) -> None:
        self.conn = h11.Connection(h11.CLIENT)
        self.conn.send(h11.Request(method="GET", target=PATH, headers=[("Host", "probe")]))
        self.conn.send(h11.EndOfMessage())
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""

    def feed(self, data: bytes) -> None:
        """`data` from the socket; b"" when the server closed."""
        self.buffer += data
        if data:
            self.conn.receive_data(data)
        else:
            self.conn.receive_data(b"")
        self._events(closed=not data)

    def _events(self, closed: bool) -> None:
        while True:
            try:
                event = self.conn.next_event()
            except h11.RemoteProtocolError:
                self._lenient(closed)
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                self.status = event.status_code
                self.headers = {k.decode().lower(): v.decode("latin-1") for k, v in event.headers}
                connection = self.headers.get("connection", "").lower()
                self.closing = "close" in connection or (
                    event.http_version == b"1.0" and "keep-alive" not in connection
                )
            elif isinstance(event, h11.Data):
                self.body += bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.responses.append(Response(self.status or 0, self.headers, self.body))
                rest = self.conn.trailing_data[0]
                self.buffer = bytes(rest)  # the next answer's bytes, for _lenient
                self._new()
                if rest:
                    self.conn.receive_data(rest)
                if closed or self.conn.trailing_data[1]:
                    self.conn.receive_data(b"")
            elif isinstance(event, h11.ConnectionClosed):
                return

    def _lenient(self, closed: bool) -> None:
        match = _STATUS_LINE.search(self.buffer) if self.status is None else None
        if self.status is not None or match:
            status = self.status or int(match.group(1))  # type: ignore[union-attr]
            self.responses.append(Response(status, self.headers, self.body))
        self.conn = None  # type: ignore[assignment]

    @property
    def broken(self) -> bool:
        return self.conn is None


def exchange(
    endpoint: Endpoint,
    raw: Raw,
    answers: int = 1,
    half_close: bool = False,
    timeout: float = READ_TIMEOUT,
) -> RawOutcome:
    """Send `raw` on a fresh connection and read up to `answers` answers."""
    started = time.monotonic()
    outcome = RawOutcome()
    try:
        sock = endpoint.connect(timeout)
    except (OSError, ssl.SSLError) as exc:
        outcome.ended = f"could not connect: {_describe(exc)}"
        return outcome
    parser = _Parser()
    try:
        outcome.send_error = _send(sock, bytes(raw), parser)
        if half_close and outcome.send_error is None:
            outcome.send_error = _half_close(sock)
        outcome.ended = _read(sock, parser, answers)
    finally:
        sock.close()
    outcome.responses, outcome.closing = parser.responses, parser.closing
    outcome.seconds = time.monotonic() - started
    return outcome


def _read(sock: socket.socket, parser: _Parser, answers: int) -> str | None:
    while len(parser.responses) < answers:
        if parser.broken:
            return "an answer that is not HTTP/1.1"
        try:
            data = sock.recv(65536)
        except TimeoutError:
            return f"{NO_ANSWER_WITHIN} {sock.gettimeout():g} s"
        except (OSError, ssl.SSLError) as exc:
            parser.feed(b"")
            return f"the connection failed: {_describe(exc)}"
        parser.feed(data)
        if not data:
            return None if len(parser.responses) >= answers else "the server closed the connection"
    return None


def benign(endpoint: Endpoint) -> Raw:
    """A request every platform answers at once (the suite's reachability check sends it too)."""
    return Raw.of(
        f"GET {PATH}? HTTP/1.1\r\nHost: {endpoint.authority}\r\nConnection: close\r\n\r\n".encode()
    )


def still_answers(endpoint: Endpoint) -> bool:
    """Whether the platform answers a benign request on a fresh connection. A connection that
    failed right after one input is a finding only when it does; otherwise the platform went
    away."""
    return bool(exchange(endpoint, benign(endpoint), timeout=BENIGN_TIMEOUT).responses)
