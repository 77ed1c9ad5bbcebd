"""The robustness probes without a mock: their bytes, their replay lines, the answer parser, the
"still answers?" rule, and the mock's raw-input detectors against the catalogue."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from contracts.probes import Context, catalogue
from contracts.rawhttp import Endpoint, Raw, _Parser, exchange, still_answers
from contracts.robustness import (
    SOCKET_ONLY,
    PlatformUnreachable,
    judged,
    offline_request,
    probe_live,
    run,
)
from okroute_mock import rawbreaks
from okroute_model.rawinput import OVERLONG_MAX, RawInput
from okroute_model.secrets import MASKER
from okroute_model.wire import ApiRequest, Method, Transport, encode

CANARY = "Robust-Canary-31f'\\x"
CTX = Context("qa-user", CANARY, "4477009")
ANSWER = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno"


@pytest.fixture(autouse=True, scope="module")
def _mask_the_canary() -> None:
    MASKER.add(CANARY)


def every_probe():
    return [p for kind in RawInput for p in catalogue(CTX, kind)]


def test_every_kind_has_probes_and_names_are_unique() -> None:
    for kind in RawInput:
        assert len(catalogue(CTX, kind)) >= 2, kind
    names = [p.label() for p in every_probe()]
    assert len(names) == len(set(names))


def test_probes_are_bounded_and_send_no_real_number() -> None:
    for probe in every_probe():
        raw = bytes(probe.wire("127.0.0.1:8001"))
        assert len(raw) <= OVERLONG_MAX + 4096, probe.label()
        if CANARY.encode() in raw or b"Robust-Canary" in raw:  # the real password travels
            assert CTX.not_a_number.encode() in raw, f"{probe.label()} could send an SMS"


def test_the_python_form_is_the_bytes_and_masks_the_password() -> None:
    for probe in every_probe():
        raw = probe.wire("h:1")
        text = raw.python()
        assert "Robust-Canary" not in text, probe.label()
        if "***" not in text:
            assert eval(text) == bytes(raw), probe.label()  # our own literal
    big = Raw.of(b"GET /", Raw.repeat(b"a", 1 << 20), b" HTTP/1.1\r\n\r\n")
    assert len(big.python()) < 100


def test_offline_forms_exist_for_every_kind_that_runs_offline() -> None:
    for kind in set(RawInput) - set(SOCKET_ONLY):
        for probe in catalogue(CTX, kind):
            method, target, _, _ = offline_request(probe)
            assert method in ("GET", "POST") and target.startswith("/"), probe.label()


def test_the_parser_reads_pipelined_chunked_and_broken_answers() -> None:
    chunked = b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nbad\r\n0\r\n\r\n"
    parser = _Parser()
    parser.feed(ANSWER + chunked[:20])
    parser.feed(chunked[20:] + b"HTTP/1.0 413 Too Large\r\n\r\nbye")
    parser.feed(b"")
    assert [r.status for r in parser.responses] == [401, 400, 413]
    assert parser.responses[1].body == b"bad" and parser.closing
    lenient = _Parser()
    lenient.feed(b"HTTP/1.1 400 Bad Request\r\nBroken header line\r\n\r\n")
    assert [r.status for r in lenient.responses] == [400]


@contextmanager
def tcp_server(reply: Callable[[bytes], bytes | None]) -> Iterator[Endpoint]:
    """A loopback server: `reply(request)` is sent back, or the connection closed on None."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                data = conn.recv(65536)
                answer = reply(data)
                if answer is not None:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield Endpoint(f"http://127.0.0.1:{listener.getsockname()[1]}")
    finally:
        stop.set()
        thread.join(5)
        listener.close()


PROBE = catalogue(CTX, RawInput.BAD_PERCENT_ENCODING)[0]


def test_a_drop_is_a_finding_when_a_benign_request_is_answered_after_it() -> None:
    with tcp_server(lambda data: None if b"%ZZ" in data else ANSWER) as endpoint:
        outcome = exchange(endpoint, PROBE.wire(endpoint.authority))
        assert not outcome.responses
        assert still_answers(endpoint)
        exchanges = judged(PROBE, endpoint, Transport.HTTP, outcome)
    (finding,) = exchanges
    assert finding.response is None
    assert "benign request straight after was answered" in (finding.error or "")
    assert finding.curl().startswith("python3 -c ") and "Robust-Canary" not in finding.curl()


def test_a_drop_with_the_platform_gone_is_no_finding() -> None:
    with tcp_server(lambda data: None) as endpoint:
        outcome = exchange(endpoint, PROBE.wire(endpoint.authority))
        with pytest.raises(PlatformUnreachable, match="benign request got no answer"):
            judged(PROBE, endpoint, Transport.HTTP, outcome)


def test_an_answer_that_announces_close_excuses_the_rest_of_a_pipeline() -> None:
    closing = b"HTTP/1.1 400 Bad\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    pipelined = catalogue(CTX, RawInput.PIPELINED)[0]
    with tcp_server(lambda data: closing) as endpoint:
        outcome = exchange(endpoint, pipelined.wire(endpoint.authority), answers=3)
        assert [r.status for r in outcome.responses] == [400] and outcome.closing
        assert [ex.status for ex in judged(pipelined, endpoint, Transport.HTTP, outcome)] == [400]


@pytest.mark.parametrize("kind", sorted(rawbreaks.CONTENT_KINDS))
def test_the_mock_detector_of_each_kind_sees_its_probes(kind: RawInput) -> None:
    seen = [rawbreaks.carries(kind, bytes(p.wire("h:1"))) for p in catalogue(CTX, kind)]
    assert sum(seen) >= len(seen) // 2 + 1, seen


def test_the_mock_detectors_leave_well_formed_requests_alone() -> None:
    request = ApiRequest("submit", "qa-user", CANARY, (("dnis", "447700912"), ("message", "hi")))
    for method in Method:
        wire = encode(request, method)
        head = f"{wire.method} {wire.target} HTTP/1.1\r\nHost: h\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in wire.headers)
        head += f"Content-Length: {len(wire.body)}\r\n" if wire.body else ""
        raw = head.encode() + b"\r\n" + wire.body
        flagged = [k for k in rawbreaks.CONTENT_KINDS if rawbreaks.carries(k, raw)]
        assert not flagged, (method, flagged)


THROTTLED = b"HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 4\r\n\r\nbusy"


def test_throttling_is_waited_out_and_never_judged() -> None:
    answers = iter([THROTTLED, ANSWER])
    with tcp_server(lambda data: next(answers, ANSWER)) as endpoint:
        assert [ex.status for ex in run(PROBE, endpoint, Transport.HTTP)] == [401]
    with tcp_server(lambda data: THROTTLED) as endpoint:
        assert run(PROBE, endpoint, Transport.HTTP) == []  # throttled throughout: no verdict


def test_the_live_probes_keep_to_the_target_rate() -> None:
    with tcp_server(lambda data: ANSWER) as endpoint:
        target = SimpleNamespace(
            transports=[Transport.HTTP], urls={Transport.HTTP: endpoint.url}, ca_bundle=None, rate=5
        )
        started = time.monotonic()
        for _ in range(3):
            assert [ex.status for ex in probe_live(target, PROBE)] == [401]
    assert time.monotonic() - started >= 3 / 5
