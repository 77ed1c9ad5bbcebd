"""The mock answers like an HTTP/1.1 server whatever the client does with its connection: it
half-closes after its request (plain and TLS, a TCP FIN or a TLS close_notify), pipelines, or
sends any probe of the robustness catalogue, which always gets a 4xx, never a 5xx or a drop."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from contracts.probes import Context, catalogue
from contracts.rawhttp import Endpoint, Raw, exchange
from okroute_mock.delivery import DeliverySim
from okroute_mock.platform import Account, Platform, PlatformConfig
from okroute_mock.server import start
from okroute_mock.tls import ensure_certificates
from okroute_model.params import PATH, Command
from okroute_model.profile import load_profile
from okroute_model.rawinput import RawInput
from okroute_model.wire import JSON_CONTENT_TYPE
from tests.helpers import DNIS_PREFIX, PRIMARY, running_mock

pytestmark = pytest.mark.slow
GET = f"GET {PATH}?command={Command.SUBMIT}&username=x&password=y HTTP/1.1\r\nHost: h\r\n\r\n"
REPEATS = 20  # the close used to race the answer: one pass proves nothing


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("halfclose")) as m:
        yield m


def endpoints(urls: dict[str, str], ca: str | None) -> list[Endpoint]:
    return [Endpoint(urls["http"], ca), Endpoint(urls["https"], ca)]


def assert_half_close_answered(endpoint: Endpoint) -> None:
    for _ in range(REPEATS):
        outcome = exchange(endpoint, Raw.of(GET.encode()), half_close=True)
        assert [r.status for r in outcome.responses] == [401], (endpoint.url, outcome)
    outcome = exchange(endpoint, Raw.of(GET.encode() * 3), answers=3, half_close=True)
    assert [r.status for r in outcome.responses] == [401] * 3, (endpoint.url, outcome)


def test_a_half_closing_client_gets_its_answers(mock) -> None:
    for endpoint in endpoints(mock.urls, mock.ca):
        assert_half_close_answered(endpoint)


def test_a_body_cut_short_by_a_half_close_gets_a_400(mock) -> None:
    # Repeated: the client's EOF used to race the request between the queue and its handler,
    # and over TLS about half of the cut bodies went unanswered.
    head = f"POST {PATH}? HTTP/1.1\r\nHost: h\r\nContent-Type: {JSON_CONTENT_TYPE}\r\n"
    raw = Raw.of(head.encode() + b'Content-Length: 100\r\n\r\n{"dnis": ')
    for endpoint in endpoints(mock.urls, mock.ca):
        for _ in range(REPEATS):
            outcome = exchange(endpoint, raw, half_close=True)
            assert [r.status for r in outcome.responses] == [400], (endpoint.url, outcome)
            assert b"before its body ended" in outcome.responses[0].body


def test_an_idle_half_close_is_closed_at_once(mock) -> None:
    for endpoint in endpoints(mock.urls, mock.ca):
        outcome = exchange(endpoint, Raw(), half_close=True)
        assert not outcome.responses and outcome.ended == "the server closed the connection"
        assert outcome.seconds < 5  # not the keep-alive timeout


def close_notify_then_read(endpoint: Endpoint, version: ssl.TLSVersion) -> bytes:
    """TLS half-close: the request, then our close_notify; then read the answer."""
    context = ssl.create_default_context(cafile=endpoint.ca_bundle)
    context.maximum_version = version
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=endpoint.host)
    with socket.create_connection((endpoint.host, endpoint.port), timeout=5) as sock:

        def flush() -> None:
            if data := outgoing.read():
                sock.sendall(data)

        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                flush()
                incoming.write(sock.recv(65536))
        tls.write(GET.encode())
        try:
            tls.unwrap()
        except ssl.SSLWantReadError:
            pass
        flush()
        answer = b""
        while b"not authorized" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            incoming.write(data)
            try:
                while chunk := tls.read(65536):
                    answer += chunk
            except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
                pass
        return answer


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_a_tls_close_notify_half_close_is_answered(mock, version) -> None:
    endpoint = Endpoint(mock.https, mock.ca)
    for _ in range(5):
        assert close_notify_then_read(endpoint, version).startswith(b"HTTP/1.1 401")


def test_every_probe_of_the_catalogue_gets_a_4xx(mock) -> None:
    ctx = Context(PRIMARY[0], PRIMARY[1], DNIS_PREFIX)
    for kind in RawInput:
        for probe in catalogue(ctx, kind):
            for endpoint in endpoints(mock.urls, mock.ca):
                raw = probe.wire(endpoint.authority)
                outcome = exchange(endpoint, raw, len(probe.messages), probe.half_close)
                statuses = [r.status for r in outcome.responses]
                where = f"{probe.label()} via {endpoint.url}: {statuses} {outcome.ended}"
                assert statuses and all(400 <= s < 500 for s in statuses), where
                assert len(statuses) == len(probe.messages) or outcome.closing, where
    assert mock.stats()["submitted_numbers"] == 0


def test_the_replay_line_sends_the_same_bytes(mock) -> None:
    probe = catalogue(Context(PRIMARY[0], PRIMARY[1], DNIS_PREFIX), RawInput.HALF_CLOSE)[0]
    for endpoint in endpoints(mock.urls, mock.ca):
        line = endpoint.replay(probe.wire(endpoint.authority), probe.half_close)
        result = subprocess.run(line, shell=True, capture_output=True, text=True, timeout=30)
        assert result.stdout.startswith("HTTP/1.1 401"), (line, result.stdout, result.stderr)


@contextmanager
def in_process_mock(directory: Path) -> Iterator[dict[str, str]]:
    """The server on the standard asyncio loop (the CLI runs uvloop when it can)."""
    tls = ensure_certificates(directory)
    platform = Platform(
        PlatformConfig(
            accounts=(Account(*PRIMARY),),
            knobs=load_profile(None).platform,
            sim=DeliverySim(1, accept_delay=(1, 2), final_delay=(3, 5)),
        )
    )
    ready: dict[str, object] = {}
    started, stopping = threading.Event(), None

    async def serve() -> None:
        nonlocal stopping
        stopping = asyncio.Event()
        listening = await start(platform, "127.0.0.1", 0, 0, tls)
        ready.update({"urls": {str(t): u for t, u in listening.urls.items()}, "loop": None})
        ready["loop"] = asyncio.get_running_loop()
        started.set()
        await stopping.wait()
        await listening.stop()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(20), "the in-process mock did not start"
    try:
        yield ready["urls"] | {"ca": str(tls.ca)}  # type: ignore[operator]
    finally:
        ready["loop"].call_soon_threadsafe(stopping.set)  # type: ignore[union-attr]
        thread.join(10)


def test_the_standard_asyncio_loop_answers_a_half_close_too(tmp_path: Path) -> None:
    with in_process_mock(tmp_path) as urls:
        for endpoint in endpoints(urls, urls["ca"]):
            assert_half_close_answered(endpoint)
        assert close_notify_then_read(Endpoint(urls["https"], urls["ca"]), ssl.TLSVersion.TLSv1_3)
