"""The platform reached offline, through respx: the contract suite's default target.

Nothing leaves the process: the fake answers for the `.invalid` hosts below (a name that can never
resolve), and respx refuses any request it does not route, so a mistake cannot reach a network.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import respx

from okroute_mock.platform import Platform
from okroute_model.wire import Transport, WireRequest

OFFLINE_HOST = "okroute.invalid"
OFFLINE_URLS = {
    Transport.HTTP: f"http://{OFFLINE_HOST}:8001",
    Transport.HTTPS: f"https://{OFFLINE_HOST}:8002",
}


class ManualClock:
    """Time that moves only when a test moves it, so delivery stories are deterministic."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.now += seconds


def wire_from_httpx(request: httpx.Request) -> WireRequest:
    return WireRequest(
        method=request.method,
        path=request.url.path,
        query=request.url.query.decode("ascii", "replace"),
        headers=tuple(request.headers.items()),
        body=request.content,
    )


class RespxFake:
    """An httpx transport whose every request is answered by `platform`."""

    def __init__(
        self,
        platform: Platform,
        inspect: Callable[[httpx.Request, WireRequest], None] | None = None,
    ) -> None:
        self.platform = platform
        self.inspect = inspect
        self.router = respx.Router(assert_all_mocked=True, assert_all_called=False)
        self.router.route(host=OFFLINE_HOST).mock(side_effect=self._respond)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.router.handler)

    def _respond(self, request: httpx.Request) -> httpx.Response:
        wire = wire_from_httpx(request)
        if self.inspect is not None:
            self.inspect(request, wire)
        reply = self.platform.handle(wire, Transport(request.url.scheme))
        if len(self.router.calls) > 1000:  # respx keeps every call; the suite does not need them
            self.router.calls.clear()
        headers = {"Content-Type": reply.content_type, **dict(reply.headers)}
        return httpx.Response(reply.status, content=reply.body, headers=headers)
