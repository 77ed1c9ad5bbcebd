"""A push receiver: a real HTTP server that takes the platform's DLR and MO pushes.

Each push is read into a `Push` (`okroute_model.push.read_push`) and handed to a sink; the reply
follows a script (e.g. 500 three times, then 200) and then the default `200 OK`, which satisfies
both acknowledgement policies a platform may have (any 200, or the body `OK`). The contract
suite runs it in a thread of its own; the load campaigns' receiver process builds on `handle`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from okroute_model.push import Push, PushKind, Template, read_push

ACK_BODY = "OK"
Sink = Callable[[Push], None]
Answer = Callable[[Push], tuple[int, str]]  # a push in, the (status, body) to reply with

if TYPE_CHECKING:
    from aiohttp import web
# aiohttp itself is imported where a receiver is built: an offline run (pushes in process) never
# builds one, and its import (with the TLS contexts it makes) is a tenth of the suite's start.


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT` (or `:PORT`, or `[v6]:PORT`) into a bind address; port 0 picks a free one."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


class Replies:
    """What the receiver answers: a script of (status, body) first, then `200 OK`."""

    def __init__(self, script: Iterable[tuple[int, str]] = ()) -> None:
        self._script = deque(script)
        self._lock = threading.Lock()

    def next(self) -> tuple[int, str]:
        with self._lock:
            return self._script.popleft() if self._script else (200, ACK_BODY)


def scripted(sink: Sink, replies: Replies | None = None) -> Answer:
    """Hand every push to `sink` and reply as `replies` says."""
    replies = replies or Replies()

    def answer(push: Push) -> tuple[int, str]:
        sink(push)
        return replies.next()

    return answer


def make_handler(
    answer: Answer, templates: dict[PushKind, Template] | None = None
) -> Callable[[web.BaseRequest], object]:
    from aiohttp import web

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        received = time.time()
        body = await request.read() if request.method == "POST" else b""
        push = read_push(
            request.method,
            request.path,
            request.rel_url.raw_query_string,
            request.headers.get("Content-Type", ""),
            body,
            received,
            templates,
        )
        status, text = answer(push)
        return web.Response(status=status, text=text)

    return handle


async def serve(
    handler: Callable[[web.BaseRequest], object], host: str, port: int
) -> tuple[web.ServerRunner, int]:
    """Listen on host:port; returns the runner and the bound port."""
    from aiohttp import web

    runner = web.ServerRunner(web.Server(handler), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024, reuse_address=True)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, bound


class ThreadedReceiver:
    """The receiver in a background thread with its own event loop (for synchronous callers)."""

    def __init__(self, host: str, port: int, answer: Answer) -> None:
        self.host, self.port = host, port
        self._handler = make_handler(answer)
        self._loop = asyncio.new_event_loop()
        self._runner: web.ServerRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> ThreadedReceiver:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            serve(self._handler, self.host, self.port), self._loop
        )
        self._runner, self.port = future.result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
