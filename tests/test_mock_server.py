"""The real mock over real sockets and real TLS, on loopback."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from okroute_mock.breaks import BREAKS
from okroute_mock.faults import FaultConfig, Faults, Latency
from okroute_model.exitcodes import ExitCode
from okroute_model.wire import ApiRequest, Method, encode
from tests.helpers import PRIMARY, REPO, running_mock

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("mock")) as m:
        yield m


def verified(mock) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=mock.ca)


def send(base: str, request: ApiRequest, method: Method, verify=True) -> httpx.Response:
    wire = encode(request, method)
    return httpx.request(
        wire.method,
        base + wire.target,
        content=wire.body or None,
        headers=dict(wire.headers),
        verify=verify,
        timeout=10,
    )


def submit(dnis: str = "4477009123", message: str = "hello") -> ApiRequest:
    return ApiRequest("submit", *PRIMARY, (("dnis", dnis), ("message", message)))


def test_both_listeners_answer_every_variant(mock) -> None:
    for method in Method:
        for base, verify in ((mock.http, True), (mock.https, verified(mock))):
            response = send(base, submit(), method, verify)
            assert response.status_code == 200, (method, base, response.text)
            assert response.json()["message_id"]


def test_https_needs_the_printed_ca(mock) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        send(mock.https, submit(), Method.GET, verify=ssl.create_default_context())


def test_the_ca_is_not_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout
    assert not [f for f in tracked.splitlines() if f.endswith((".pem", ".key", ".crt"))]


def test_access_log_masks_the_password(mock) -> None:
    for method in Method:
        send(mock.http, submit(), method)
    log = (mock.directory / "access.log").read_text()
    assert "password=***" in log
    assert PRIMARY[1] not in log
    assert log.count("\n") >= 3


def test_stats_count_requests_and_messages(mock) -> None:
    before = mock.stats()
    send(mock.http, submit("4477009001,4477009002"), Method.GET)
    after = mock.stats()
    assert after["requests"] == before["requests"] + 1
    assert after["issued_ids"] == before["issued_ids"] + 2
    assert after["stored_messages"] >= 2
    assert after["by_status"]["200"] >= 1


def test_query_of_a_submitted_message(mock) -> None:
    message_id = send(mock.http, submit(), Method.GET).json()["message_id"]
    query = ApiRequest("query", *PRIMARY, (("messageId", message_id),))
    response = send(mock.http, query, Method.GET)
    assert response.headers["content-type"].startswith("text/html")
    assert response.json()["status"] in (
        "ENROUTE",
        "ACCEPTD",
        "DELIVRD",
        "UNDELIV",
        "EXPIRED",
        "REJECTD",
    )


@pytest.mark.parametrize(
    ("flags", "expect"),
    [
        (["--error-rate", "1", "--error-status", "500"], 500),
        (["--throttle-rate", "1", "--retry-after", "2"], 429),
        (["--throttle-rate", "1", "--throttle-status", "503"], 503),
    ],
)
def test_faults_answer_as_asked(tmp_path: Path, flags: list[str], expect: int) -> None:
    with running_mock(tmp_path, *flags, https=False) as m:
        response = send(m.http, submit(), Method.GET)
        assert response.status_code == expect
        if expect in (429, 503) and "--throttle-rate" in flags:
            assert float(response.headers["retry-after"]) > 0
        assert m.stats()["faults"]


def test_dropped_connections(tmp_path: Path) -> None:
    with running_mock(tmp_path, "--drop-rate", "1", https=False) as m:
        with pytest.raises(httpx.TransportError):
            send(m.http, submit(), Method.GET)
        assert m.process.poll() is None


@pytest.mark.parametrize("flag", ["--truncate-rate", "--non-json-rate"])
def test_spoiled_bodies(tmp_path: Path, flag: str) -> None:
    with running_mock(tmp_path, flag, "1", https=False) as m:
        response = send(m.http, submit(), Method.GET)
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)


def test_injected_latency_holds_answers(tmp_path: Path) -> None:
    with running_mock(tmp_path, "--latency", "300ms", https=False) as m:
        response = send(m.http, submit(), Method.GET)
        assert response.elapsed.total_seconds() >= 0.29


def test_faults_are_seeded(tmp_path: Path) -> None:
    def statuses(directory: Path) -> list[int]:
        with running_mock(directory, "--error-rate", "0.5", "--seed", "5", https=False) as m:
            return [send(m.http, submit(), Method.GET).status_code for _ in range(30)]

    first, second = statuses(tmp_path / "a"), statuses(tmp_path / "b")
    assert first == second
    assert set(first) == {200, 503}


def test_a_stall_holds_requests_until_it_ends() -> None:
    faults = Faults(FaultConfig(stall_every=10.0, stall_for=2.0), started=0.0)
    assert faults.delay(5.0) == 0.0
    assert faults.delay(8.5) == pytest.approx(1.5)
    assert faults.delay(18.0) == pytest.approx(2.0)


def test_long_tail_latency_has_its_median_and_tail() -> None:
    import random

    rng = random.Random(1)
    tail = Latency.parse("tail:5ms..500ms")
    draws = sorted(tail.draw(rng) for _ in range(20_000))
    assert 0.004 < draws[10_000] < 0.006
    assert 0.35 < draws[19_800] < 0.7


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "okroute_mock", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--latency", "fast"],
        ["--break", "no-such-fault"],
        ["--outcomes", "DELIVRD=x"],
        ["--account", "nopassword"],
        ["--error-rate", "2"],
        ["--http-port", "99999"],
        ["--may-flip", "nothing"],
        ["--stall-every", "1s", "--stall-for", "2s"],
        ["--profile", "/nonexistent.toml"],
    ],
)
def test_cli_mistakes_are_one_clear_line(args: list[str]) -> None:
    listeners = [] if "--http-port" in args else ["--http-port", "0", "--https-port", "off"]
    result = run_cli(*args, *listeners)
    assert result.returncode == ExitCode.USAGE
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_an_unwritable_access_log_is_named(tmp_path) -> None:
    log = tmp_path / "missing" / "access.log"
    result = run_cli("--access-log", str(log), "--http-port", "0", "--https-port", "off")
    assert result.returncode == ExitCode.USAGE and "Traceback" not in result.stderr
    assert f"cannot write the access log {log}" in result.stderr
    assert "cannot listen" not in result.stderr


def test_port_in_use_is_a_clear_error(mock) -> None:
    port = mock.http.rsplit(":", 1)[1]
    result = run_cli("--http-port", port, "--https-port", "off")
    assert result.returncode == ExitCode.USAGE
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr


def test_list_breaks_names_each_rule() -> None:
    result = run_cli("--list-breaks")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(BREAKS) >= 30
    for line, fault in zip(lines, BREAKS.values(), strict=True):
        assert line.startswith(fault.name) and fault.rule in line
