"""Thousands of bad requests: every one gets a clear 4xx, none a 5xx, and the mock keeps serving.

Raw sockets, so that the requests can be as broken as a real client's: malformed and binary
bodies, invalid UTF-8, huge bodies and request lines, wrong methods and paths, and clients that
hang up in the middle of a request.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from tests.helpers import PRIMARY, running_mock

pytestmark = pytest.mark.slow

REQUESTS = 3000
CONNECTIONS = 20
DEADLINE = 120.0  # seconds for the whole barrage


def _request(
    method: str, target: str, body: bytes = b"", content_type: str | None = None, extra: str = ""
) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: localhost\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return (head + extra + "\r\n").encode("latin-1") + body


JSON, FORM = "application/json", "application/x-www-form-urlencoded"
_CREDS = "username={}&password={}".format(*PRIMARY)
_SUBMIT = f"/api?command=submit&{_CREDS}"
# Each kind of broken request and how it is drawn: (rng, random junk bytes) -> the raw request.
Build = Callable[[random.Random, bytes], bytes]
_BAD_REQUESTS: dict[str, Build] = {
    "malformed-json": lambda rng, junk: _request(
        "POST", _SUBMIT, b'{"dnis": "1234567", "message": ' + junk[:20], JSON
    ),
    "binary-body": lambda rng, junk: _request("POST", "/api?", junk, JSON),
    "invalid-utf8-body": lambda rng, junk: _request(
        "POST", _SUBMIT, b'{"dnis": "1234567", "message": "\xff\xfe\xfd"}', JSON
    ),
    "json-not-object": lambda rng, junk: _request(
        "POST", "/api?", rng.choice([b"[]", b"null", b"42", b'"submit"', b"[{}]", b"true"]), JSON
    ),
    "deep-json": lambda rng, junk: _deep_json(rng.randint(100, 100_000)),
    "wrong-types": lambda rng, junk: _request(
        "POST",
        "/api?",
        rng.choice(
            [
                b'{"command": ["submit"]}',
                b'{"command": "submit", "dnis": {"a": 1}}',
                b'{"username": 5, "password": null}',
                b'{"command": 1.5e308}',
            ]
        ),
        JSON,
    ),
    "huge-query": lambda rng, junk: _request(
        "GET", f"{_SUBMIT}&dnis=" + "1" * rng.choice([10_000, 70_000, 300_000])
    ),
    "invalid-utf8-query": lambda rng, junk: _request(
        "GET", f"{_SUBMIT}&dnis=1234567&message=%FF%C3%28"
    ),
    "wrong-method": lambda rng, junk: _request(
        rng.choice(["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"]), _SUBMIT, junk[:50]
    ),
    "wrong-path": lambda rng, junk: _request(
        "GET", rng.choice(["/", "/api/", "/API", "/api/../etc/passwd", "/%00", "/x" * 50])
    ),
    "form-garbage": lambda rng, junk: _request("POST", "/api?", b"%%%&&&===" + junk[:30], FORM),
    "no-content-type": lambda rng, junk: _request("POST", _SUBMIT, junk[:80]),
    "huge-header": lambda rng, junk: _request(
        "GET", "/api?", extra="X-Junk: " + "a" * 100_000 + "\r\n"
    ),
    "bad-request-line": lambda rng, junk: (
        b"GET /api?\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"
        if rng.random() < 0.5
        else b"\x16\x03\x01\x02\x00garbage\r\n\r\n"
    ),
}


def _deep_json(depth: int) -> bytes:
    return _request("POST", "/api?", b"[" * depth + b"]" * depth, JSON)


def _bad_request(rng: random.Random) -> tuple[str, bytes]:
    """One broken request and its kind."""
    kind = rng.choice(list(_BAD_REQUESTS))
    junk = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
    return kind, _BAD_REQUESTS[kind](rng, junk)


async def _status_of(host: str, port: int, raw: bytes) -> int | None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 15)
        if not line:
            return None
        return int(line.split()[1])
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def _hang_up(host: str, port: int, rng: random.Random) -> None:
    """Start a request and leave in the middle of it."""
    _, writer = await asyncio.open_connection(host, port)
    head = _request("POST", "/api?command=submit", b"", "application/json")
    head = head.replace(b"Content-Length: 0", b"Content-Length: 5000")
    writer.write(head[: rng.randint(5, len(head))] if rng.random() < 0.5 else head + b'{"dn')
    await writer.drain()
    writer.transport.abort()


async def _barrage(host: str, port: int) -> dict[str, list[int | None]]:
    rng = random.Random(20261125)
    results: dict[str, list[int | None]] = {}
    semaphore = asyncio.Semaphore(CONNECTIONS)

    async def one(i: int) -> None:
        async with semaphore:
            if i % 10 == 0:
                await _hang_up(host, port, rng)
                results.setdefault("hang-up", []).append(None)
                return
            kind, raw = _bad_request(rng)
            results.setdefault(kind, []).append(await _status_of(host, port, raw))

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(REQUESTS))), DEADLINE)
    return results


def test_thousands_of_bad_requests(tmp_path) -> None:
    with running_mock(tmp_path, https=False) as mock:
        parts = urlsplit(mock.http)
        results = asyncio.run(_barrage(parts.hostname, parts.port))
        assert sum(len(v) for v in results.values()) == REQUESTS
        for kind, statuses in results.items():
            if kind == "hang-up":
                continue
            answered = [s for s in statuses if s is not None]
            assert answered, f"{kind}: no answer at all"
            assert all(400 <= s < 500 for s in answered), (kind, sorted(set(answered)))
        stats = mock.stats()
        assert not [s for s in stats["by_status"] if s.startswith("5")]
        assert mock.process.poll() is None, "the mock died"
    log = mock.log.read_text()
    assert "Traceback" not in log, log[-3000:]
