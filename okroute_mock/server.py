"""Real HTTP and HTTPS listeners in front of the platform, on aiohttp's low-level server.

One process serves both listeners, like the platform's 8001/8002 pair. The platform decides every
answer; this module adds what only a socket has: bounded reads, transport faults, an access log
with the password masked, and `/_mock/stats`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field

import psutil
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError

from okroute_mock.breaks import DROP_ON
from okroute_mock.connection import HalfCloseTlsSite, MockServer
from okroute_mock.faults import Fault, Faults
from okroute_mock.platform import Platform, Reply
from okroute_mock.pusher import PushSender
from okroute_mock.tls import TlsFiles
from okroute_model.errors import PLAIN_CONTENT_TYPE
from okroute_model.params import PATH
from okroute_model.secrets import mask_query
from okroute_model.throttling import RETRY_AFTER_HEADER, THROTTLE_STATUSES
from okroute_model.wire import Transport, WireRequest

STATS_PATH = "/_mock/stats"
MAX_BODY = 1024 * 1024  # aiohttp's request body limit (client_max_size): a 413 beyond it
MAX_QUERY = 64 * 1024  # a 414 beyond it: 2048 characters of dnis and a long text fit many times
MAX_LINE = 1024 * 1024  # aiohttp answers 400 itself beyond this
log = logging.getLogger("okroute_mock")
CLIENT_FAULTS = (HttpProcessingError, ConnectionError, asyncio.IncompleteReadError)


class ClientFaultFilter(logging.Filter):
    """A client's broken request or hang-up is its fault, not ours: one line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], CLIENT_FAULTS):
            exc = record.exc_info[1]
            record.msg = f"client error: {type(exc).__name__}: {exc}".splitlines()[0]
            record.args, record.exc_info, record.exc_text = None, None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return record.levelno >= logging.getLogger(record.name).getEffectiveLevel()


_HEADERS: dict[str, dict[str, str]] = {}


def _response(reply: Reply, payload: bytes) -> web.Response:
    if reply.headers:
        headers = {"Content-Type": reply.content_type, **dict(reply.headers)}
    else:  # aiohttp copies them: one dict per content type will do
        headers = _HEADERS.get(reply.content_type) or _HEADERS.setdefault(
            reply.content_type, {"Content-Type": reply.content_type}
        )
    return web.Response(status=reply.status, body=payload, headers=headers)


def _target(request: web.BaseRequest) -> tuple[str, str]:
    """The request's path and raw query string.

    Split from the request line as it came when its path is the plain API path (no escapes, no
    absolute form, no fragment): what yarl would give, without building its URL parts.
    """
    path, _, query = request.raw_path.partition("?")
    if path == PATH and "#" not in query:
        return path, query
    return request.path, request.rel_url.raw_query_string


class MaskedAccessLogger(AbstractAccessLogger):
    """One line per request; the query string's password is masked by name, whatever its value."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        query = request.rel_url.raw_query_string
        target = request.path + ("?" + mask_query(query) if query else "")
        scheme = "https" if request.secure else "http"
        self.logger.info(
            '%s %s "%s %s" %s %s %.2fms',
            request.remote,
            scheme,
            request.method,
            target,
            response.status,
            response.body_length,
            time * 1000,
        )


@dataclass
class Listening:
    urls: dict[Transport, str]
    ca: str | None
    runner: web.ServerRunner
    app: MockApp
    extra: dict[str, object] = field(default_factory=dict)

    async def stop(self) -> None:
        if self.app.pusher is not None:
            await self.app.pusher.stop()
        await self.runner.cleanup()


class MockApp:
    def __init__(self, platform: Platform, faults: Faults | None = None) -> None:
        self.platform = platform
        self.faults = faults
        self.started = time.time()
        self.transport_errors = 0
        self.pusher: PushSender | None = None  # set by start() when an account has a push URL

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if self.faults is None and request.method == "GET":
            # A load's request: the plain API path, its headers of no use (a GET has no body
            # the platform reads), no fault to play.
            path, query = _target(request)
            if path == PATH and len(query) <= MAX_QUERY:
                transport = Transport.HTTPS if request.secure else Transport.HTTP
                reply = self.platform.handle_get(query, transport)
                return _response(reply, reply.body)
        return await self._handle(request)

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == STATS_PATH:
            return web.Response(
                body=json.dumps(self.stats()).encode(), headers={"Content-Type": "application/json"}
            )
        faults = self.faults
        if faults is not None:
            wait = faults.delay(time.time())
            if wait > 0:
                await asyncio.sleep(wait)
            fault = faults.before()
            if fault is not None:
                return self._fault_reply(request, fault)
        path, query = _target(request)
        if len(query) > MAX_QUERY:
            return web.Response(status=414, text=f"query string over {MAX_QUERY} bytes")
        body = b""
        if request.method == "POST":
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                return web.Response(
                    status=413, text=f"body over {MAX_BODY} bytes", headers={"Connection": "close"}
                )
            except ConnectionError as exc:  # the client left (or half-closed) inside its body
                self.transport_errors += 1
                return web.Response(status=400, text=str(exc) or "connection lost")
        content_type = request.headers.get("Content-Type")
        wire = WireRequest(
            request.method,
            path,
            query,
            (("Content-Type", content_type),) if content_type else (),
            body,
        )
        transport = Transport.HTTPS if request.secure else Transport.HTTP
        try:
            reply = self.platform.handle(wire, transport)
        except Exception:  # a bug of ours: visible in the log and as a 500 in every test
            log.exception("the platform failed on %s %s", request.method, request.path)
            return web.Response(status=500, text="internal error in okroute-mock")
        payload = reply.body
        if faults is not None and reply.status == 200:
            spoil = faults.after()
            if spoil is Fault.TRUNCATE:
                payload = payload[: max(1, len(payload) // 2)]
            elif spoil is Fault.NON_JSON:
                payload = b"<html><body>Service temporarily unavailable</body></html>"
        return _response(reply, payload)

    def _fault_reply(self, request: web.BaseRequest, fault: Fault) -> web.StreamResponse:
        config = self.faults.config  # type: ignore[union-attr]
        if fault is Fault.DROP:
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("dropped by fault injection")
        if fault is Fault.THROTTLE:
            headers = {"Content-Type": PLAIN_CONTENT_TYPE}
            if config.throttle_status in THROTTLE_STATUSES:  # a 403 says it in its text only
                headers[RETRY_AFTER_HEADER] = f"{config.retry_after:g}"
            return web.Response(
                status=config.throttle_status, text="throughput exceeded", headers=headers
            )
        return web.Response(
            status=config.error_status,
            text="service unavailable",
            headers={"Content-Type": PLAIN_CONTENT_TYPE},
        )

    def stats(self) -> dict[str, object]:
        p = self.platform
        store = p.store
        return {
            "uptime_s": round(time.time() - self.started, 3),
            "requests": p.stats.requests,
            "by_status": {str(k): v for k, v in sorted(p.stats.by_status.items())},
            "by_command": dict(sorted(p.stats.by_command.items())),
            "submitted_numbers": p.stats.submitted_numbers,
            "routed_numbers": p.stats.routed_numbers,
            "issued_ids": p.stats.issued_ids,
            "stored_messages": len(store),
            "store_cap": store.cap,
            "expired": store.stats.expired,
            "evicted": store.stats.evicted,
            "faults": dict(self.faults.counts) if self.faults else {},
            "client_hang_ups": self.transport_errors,
            "breaks": sorted(p.breaks),
            "may_flips": sorted(p.flips),
            "behaviour": p.describe(),
            "rss_bytes": psutil.Process().memory_info().rss,
            **({"push": self.pusher.stats()} if self.pusher is not None else {}),
        }


def _address(site: web.TCPSite) -> tuple[str, int]:
    server = site._server  # aiohttp keeps the bound sockets here
    sockname = server.sockets[0].getsockname()  # type: ignore[union-attr]
    return sockname[0], sockname[1]


def _url(scheme: str, host: str, port: int) -> str:
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


async def start(
    platform: Platform,
    host: str,
    http_port: int | None,
    https_port: int | None,
    tls: TlsFiles | None,
    faults: Faults | None = None,
    access_log: logging.Logger | None = None,
    push_concurrency: int = 50,
) -> Listening:
    """Bind the listeners (port 0 picks a free one) and serve until `stop()`."""
    app = MockApp(platform, faults)
    if platform.pushes is not None and platform.pushes.active:
        app.pusher = PushSender(platform.pushes, push_concurrency)
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientFaultFilter) for f in server_log.filters):
        server_log.addFilter(ClientFaultFilter())
    server = MockServer(
        app.handle,
        drop_on=frozenset(kind for kind, fault in DROP_ON.items() if fault in platform.breaks),
        access_log_class=MaskedAccessLogger,
        access_log=access_log,
        max_line_size=MAX_LINE,
        max_field_size=MAX_QUERY,
    )
    runner = web.ServerRunner(server, handle_signals=False)
    await runner.setup()
    urls: dict[Transport, str] = {}
    try:
        if http_port is not None:
            site = web.TCPSite(runner, host, http_port, backlog=1024)
            await site.start()
            urls[Transport.HTTP] = _url("http", host, _address(site)[1])
        if https_port is not None:
            if tls is None:
                raise ValueError("HTTPS needs certificates")
            site = HalfCloseTlsSite(
                runner, host, https_port, ssl_context=tls.server_context(), backlog=1024
            )
            await site.start()
            urls[Transport.HTTPS] = _url("https", host, _address(site)[1])
    except BaseException:
        await runner.cleanup()
        raise
    if app.pusher is not None:
        await app.pusher.start()
    return Listening(urls, str(tls.ca) if tls else None, runner, app)
