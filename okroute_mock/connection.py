"""What the mock does with a connection below HTTP: answering a client that half-closes, and
dropping the connection on one kind of raw input when it is broken to (`--break drop-on-KIND`).

A client that half-closes sends its requests, then `shutdown(SHUT_WR)`.

`nc -N` and some embedded HTTP clients end their side of the connection as soon as the request is
out, and then read the answer. An HTTP/1.1 server answers every complete request it received
before it closes. aiohttp and the event loop do not: aiohttp's handler lets the transport close on
the client's EOF, and the loop's TLS layer (asyncio's and uvloop's alike) shuts the TLS session
down on it, both before the request handler has written a byte. Here the client's EOF ends only
reading: the connection closes once every request that arrived complete has its answer.
"""

from __future__ import annotations

import asyncio
import ssl
from asyncio import sslproto
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from okroute_mock import rawbreaks
from okroute_model.rawinput import RawInput

HALF_CLOSE_HOLD = 0.05  # seconds


class IncompleteRequest(ConnectionError):
    """The client ended its side before the body it announced was complete."""


class ConnectionHandler(RequestHandler):
    """aiohttp's request handler, answering what arrived before the client's EOF; broken on
    purpose, it drops the connection on the kinds of raw input in `drop_on`."""

    # RequestHandler has __slots__; these are what only this subclass knows.
    __slots__ = ("_drop_on", "_last_payload", "_peer_done", "_sniffed")

    def __init__(self, *args: Any, drop_on: frozenset[RawInput] = frozenset(), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._peer_done = False
        self._drop_on = drop_on
        self._last_payload: Any = None
        self._sniffed: bytes | None = b"" if drop_on & rawbreaks.CONTENT_KINDS.keys() else None

    def data_received(self, data: bytes) -> None:
        if self._sniffed is not None and self._sniff(data):
            return
        super().data_received(data)
        if self._messages:
            # The newest request's body is the only one that can still be arriving. Kept here
            # because between leaving the queue and its handler starting, a request is in
            # neither `_messages` nor `_current_request`.
            self._last_payload = self._messages[-1][1]
        pipelined = len(self._messages) + self._request_in_progress > 1
        if pipelined and RawInput.PIPELINED in self._drop_on:
            self._drop()

    def _sniff(self, data: bytes) -> bool:
        """Look at the start of the connection once; True when it was dropped for it."""
        self._sniffed = (self._sniffed or b"") + data
        if not rawbreaks.ready(self._sniffed):
            return False
        received, self._sniffed = self._sniffed, None
        if any(rawbreaks.carries(kind, received) for kind in self._drop_on):
            self._drop()
            return True
        return False

    def _drop(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def eof_received(self) -> bool:
        if RawInput.HALF_CLOSE in self._drop_on:
            self._drop()  # what is not answered yet never will be
            return True
        self._peer_done = True
        self._end_incomplete_bodies()
        self._close_when_answered()
        return True  # keep the transport: closing it is ours, once the answers are out

    def _end_incomplete_bodies(self) -> None:
        """A body that is still being read will get no more bytes: its reader fails, and the
        request is answered with a 4xx instead of waiting for the keep-alive timeout."""
        payloads = [payload for _, payload in self._messages]
        if self._current_request is not None:
            payloads.append(self._current_request.content)
        if self._last_payload is not None:
            payloads.append(self._last_payload)
        for payload in payloads:
            if not payload.is_eof() and payload.exception() is None:
                payload.set_exception(IncompleteRequest("the client closed before its body ended"))

    def _close_when_answered(self) -> None:
        if self._messages or self._request_in_progress:
            return  # finish_response closes after the last answer
        if self._waiter is not None and not self._waiter.done():
            self.force_close()  # idle: nothing arrived that needs an answer
        elif self.transport is not None:
            # Between two requests (one taken off the queue, its handler not started yet):
            # look again once the loop has moved on.
            self._loop.call_soon(self._close_when_answered)

    async def finish_response(self, request: Any, resp: Any, start_time: float | None) -> Any:
        if RawInput.HALF_CLOSE in self._drop_on and self._request_count == 1:
            # Broken to drop on a half-close: hold the connection's first answer until the
            # client's EOF, sent right after its request, has surely arrived.
            await asyncio.sleep(HALF_CLOSE_HOLD)
        result = await super().finish_response(request, resp, start_time)
        if self._peer_done and not self._messages:
            self.close()  # the last answer is written; the loop in start() closes the transport
        return result


class MockServer(web.Server):
    """aiohttp's low-level server, with a `ConnectionHandler` for every connection."""

    def __init__(self, *args: Any, drop_on: frozenset[RawInput] = frozenset(), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.drop_on = drop_on

    def __call__(self) -> RequestHandler:
        return ConnectionHandler(self, loop=self._loop, drop_on=self.drop_on, **self._kwargs)


class HalfCloseTls(sslproto.SSLProtocol):
    """The standard library's TLS layer, but a client's EOF (a TCP FIN, or a TLS close_notify)
    ends only the reading side: the session stays up until the application closes it.

    It leans on the internals of `asyncio.sslproto` (stable since Python 3.11, where it was
    rewritten); `tests/test_mock_halfclose.py` fails when they change.
    """

    def eof_received(self) -> bool | None:
        if self._state is not sslproto.SSLProtocolState.WRAPPED:
            return super().eof_received()
        # No close_notify came (a bare TCP FIN): on close, do not wait for one.
        self._eof_received = True
        self._do_read()  # hand the application what is still buffered
        self._call_eof_received()
        return True

    def _call_eof_received(self) -> None:
        # The original warns that the application's wish to stay open has no effect with TLS;
        # here it has.
        if self._app_state is sslproto.AppProtocolState.STATE_CON_MADE:
            self._app_state = sslproto.AppProtocolState.STATE_EOF
            try:
                self._app_protocol.eof_received()
            except Exception as exc:
                self._fatal_error(exc, "Error calling eof_received()")

    def _start_shutdown(self) -> None:
        app = self._app_transport
        if self._app_state is sslproto.AppProtocolState.STATE_EOF and not (app and app._closed):
            return  # the client's close_notify: answer first, shut down when the app closes
        super()._start_shutdown()


class HalfCloseTlsSite(web.TCPSite):
    """An HTTPS listener whose connections go through `HalfCloseTls`."""

    async def start(self) -> None:
        await web.BaseSite.start(self)
        loop = asyncio.get_running_loop()
        server, context = self._runner.server, self._ssl_context
        assert server is not None and isinstance(context, ssl.SSLContext)

        def protocol() -> HalfCloseTls:
            return HalfCloseTls(loop, server(), context, None, server_side=True)

        self._server = await loop.create_server(
            protocol,
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port
