"""Pushed delivery reports (§7): the model's templates, the mock's queue and sender, the receiver.

The socket tests start `okroute-mock` on loopback and a receiver in a thread; every wait is
bounded.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from contracts.receiver import Replies, ThreadedReceiver, scripted
from loadtests.pushbook import Matcher, PushBook
from loadtests.thresholds import ThresholdError, parse
from okroute_mock.breaks import Fault
from okroute_mock.delivery import DeliverySim
from okroute_mock.fake import ManualClock
from okroute_mock.launch import launched
from okroute_mock.platform import Account, Platform, PlatformConfig
from okroute_mock.push import PushFaults, PushPer, PushPolicy, PushQueue, PushStatuses
from okroute_model.params import PATH
from okroute_model.profile import load_profile
from okroute_model.push import (
    DLR_MARKERS,
    MO_MARKERS,
    Push,
    PushKind,
    PushMethod,
    Template,
    default_template,
    format_problems,
    read_push,
)
from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.wire import ApiRequest, Transport, encode

ALICE, BOB = Account("alice", "alice-Secret-77"), Account("bob", "bob-Secret-88")
FAST = ["--accept-delay", "10ms..20ms", "--final-delay", "50ms..100ms"]
WAIT = 15.0  # seconds any socket test waits for pushes at most


# -- the model -------------------------------------------------------------------------------


def test_a_template_is_filled_and_read_back() -> None:
    template = Template("https://client.example/dlr?id=$app_msg_id$&st=$delivery_status$&x=1")
    url = template.fill({"app_msg_id": "a b&c", "delivery_status": "DELIVRD"})
    assert url == "https://client.example/dlr?id=a%20b%26c&st=DELIVRD&x=1"
    assert template.fields == {"id": "app_msg_id", "st": "delivery_status"}
    push = read_push("GET", "/dlr", url.split("?")[1], "", b"", 0.0, {PushKind.DLR: template})
    assert push.values == {"app_msg_id": "a b&c", "delivery_status": "DELIVRD"}


def test_documented_formats_are_judged() -> None:
    good = {"delivery_time": "261201103000", "part_amount": "1", "rate": "0.00420"}
    assert format_problems(PushKind.DLR, good) == []
    bad = {"delivery_time": "20261201103000", "part_amount": "0", "rate": "0.123456"}
    assert len(format_problems(PushKind.DLR, bad)) == 3
    assert format_problems(PushKind.MO, {"udh": "0a0b", "delivery_status": "DELIVRD"})


# -- the queue, offline ----------------------------------------------------------------------


def _platform(policy: PushPolicy, clock: ManualClock, **faults) -> Platform:
    config = PlatformConfig(
        accounts=(ALICE, BOB),
        knobs=load_profile().platform,
        sim=DeliverySim(3, accept_delay=(1, 2), final_delay=(3, 5)),
        breaks=faults.pop("breaks", frozenset()),
    )
    platform = Platform(config, clock)
    policies = {a.username: policy for a in (ALICE, BOB)}
    passwords = {a.username: a.password for a in (ALICE, BOB)}
    platform.pushes = PushQueue(
        policies, passwords, platform.store.get, PushFaults(**faults), config.breaks
    )
    return platform


def _submit(platform: Platform, account: Account = ALICE, **params: str) -> list[str]:
    params = {"dnis": "4477009000001", "message": "hi", **params}
    request = ApiRequest("submit", account.username, account.password, tuple(params.items()))
    reply = platform.handle(encode(request, "GET"), Transport.HTTP)
    value = json.loads(reply.body)
    return [e["message_id"] for e in (value if isinstance(value, list) else [value])]


def _drain(platform: Platform, clock: ManualClock, seconds: float) -> list[Push]:
    got: list[Push] = []

    def answer(job):
        query = job.url.split("?", 1)[1] if "?" in job.url else ""
        path = job.url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
        content_type = dict(job.headers).get("Content-Type", "")
        got.append(read_push(job.method, "/" + path, query, content_type, job.body, clock()))
        return 200, b"OK"

    for _ in range(int(seconds * 10)):
        clock.advance(0.1)
        platform.pushes.drain(clock(), answer)
    return got


POLICY = PushPolicy(dlr_url=default_template("http://r.invalid", PushKind.DLR, "alice").text)


def test_every_status_step_is_pushed_in_order_and_agrees_with_query() -> None:
    clock = ManualClock()
    platform = _platform(
        POLICY.__class__(**{**POLICY.__dict__, "statuses": PushStatuses.ALL}), clock
    )
    [message_id] = _submit(platform)
    pushes = _drain(platform, clock, 10)
    assert [p.status for p in pushes][:2] == [Status.ENROUTE, Status.ACCEPTD]
    assert pushes[-1].status in FINAL_STATUSES and len(pushes) == 3
    record = platform.store.get(message_id, clock())
    assert pushes[-1].status == record.final
    assert set(pushes[-1].values) == set(DLR_MARKERS)
    assert all(not format_problems(PushKind.DLR, p.values) for p in pushes)


def test_one_push_per_message_or_per_segment() -> None:
    long = "x" * 400
    for per, expected in ((PushPer.SEGMENT, 3), (PushPer.MESSAGE, 1)):
        clock = ManualClock()
        platform = _platform(PushPolicy(dlr_url=POLICY.dlr_url, per=per), clock)
        ids = _submit(platform, message=long, longMessageMode="split")
        pushes = _drain(platform, clock, 10)
        assert len(ids) == 3 and len(pushes) == expected
        assert {p.values["part_amount"] for p in pushes} == {"3"}
        assert {p.app_msg_id for p in pushes} <= set(ids)


def test_faults_duplicate_reorder_and_drop_pushes() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock, duplicate=1.0, reorder=1.0)
    _submit(platform)
    statuses = [p.status for p in _drain(platform, clock, 10)]
    assert statuses[0] == statuses[1] and statuses[0] in FINAL_STATUSES  # the duplicate
    assert statuses[-1] == Status.ACCEPTD  # overtaken: arrives after the final status
    clock = ManualClock()
    platform = _platform(POLICY, clock, drop=1.0)
    _submit(platform)
    assert _drain(platform, clock, 10) == []


def test_breaks_make_pushes_that_violate_their_rules() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock, breaks=frozenset({Fault.PUSH_CARRIES_PASSWORD}))
    _submit(platform)
    [push] = _drain(platform, clock, 10)
    assert ALICE.password in push.raw


def test_the_queue_is_bounded() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock)
    platform.pushes.cap = 5
    for _ in range(20):
        _submit(platform)
    assert len(platform.pushes) == 5 and platform.pushes.stats.dropped_full == 15


def test_the_retry_policy_is_followed_offline() -> None:
    clock = ManualClock()
    policy = PushPolicy(dlr_url=POLICY.dlr_url, retries=2, retry_every=(1.0,))
    platform = _platform(policy, clock)
    _submit(platform)
    attempts = []

    def refuse(job):
        attempts.append(clock())
        return 500, b"no"

    for _ in range(200):
        clock.advance(0.1)
        platform.pushes.drain(clock(), refuse)
    stats = platform.pushes.stats
    assert len(attempts) == 3 and stats.retried == 2 and stats.given_up == 1
    assert attempts[1] - attempts[0] == pytest.approx(1.0, abs=0.11)


# -- the mock over sockets -------------------------------------------------------------------


def _wait_for(predicate, seconds: float = WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


_CLIENT = httpx.Client(timeout=10)  # one pool: a client per request costs a TLS context each


def _api(mock, account: Account, command: str, **params: str) -> httpx.Response:
    query = {"command": command, "username": account.username, "password": account.password}
    return _CLIENT.get(f"{mock.http}{PATH}", params=query | params)


@pytest.fixture
def receiver():
    got: list[Push] = []
    replies = Replies()
    server = ThreadedReceiver("127.0.0.1", 0, scripted(got.append, replies)).start()
    server.got, server.replies = got, replies  # type: ignore[attr-defined]
    yield server
    server.stop()


def _mock_args(receiver, *extra: str) -> list[str]:
    return [
        "--account", f"{ALICE.username}:{ALICE.password}",
        f"--dlr-url={default_template(receiver.url, PushKind.DLR, '{username}').text}",
        f"--mo-url={default_template(receiver.url, PushKind.MO, '{username}').text}",
        *FAST, *extra,
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("method", list(PushMethod))
def test_the_mock_pushes_every_marker(receiver, tmp_path: Path, method: PushMethod) -> None:
    args = _mock_args(receiver, f"--push-method={method}")
    with launched(tmp_path, args, https=False, access_log=False) as mock:
        submit = _api(mock, ALICE, "submit", dnis="4477009000001", message="hello", ani="Shop")
        message_id = submit.json()["message_id"]
        _api(mock, ALICE, "mo", dnis="4477009000002", ani="4477009000003", message="STOP all")
        assert _wait_for(lambda: len(receiver.got) >= 2)
        status = _api(mock, ALICE, "query", messageId=message_id).json()["status"]
        stats = mock.stats()["push"]
    dlr = next(p for p in receiver.got if p.kind is PushKind.DLR)
    mo = next(p for p in receiver.got if p.kind is PushKind.MO)
    assert dlr.account == ALICE.username and dlr.app_msg_id == message_id
    assert set(dlr.values) == set(DLR_MARKERS) and set(mo.values) == set(MO_MARKERS)
    assert dlr.values["delivery_status"] == status and dlr.values["ani"] == "Shop"
    assert mo.values["keyword"] == "STOP" and mo.values["delivery_status"] == "MO"
    assert not format_problems(PushKind.DLR, dlr.values)
    assert not format_problems(PushKind.MO, mo.values)
    expected = {PushMethod.GET: "GET", PushMethod.POST_FORM: "POST form"}
    assert dlr.how == expected.get(method, "POST json")
    assert stats["sent"] == stats["acknowledged"] == 2
    assert ALICE.password not in dlr.raw


@pytest.mark.slow
@pytest.mark.parametrize(("retries", "attempts", "given_up"), [(3, 4, 0), (2, 3, 1)])
def test_a_refusing_receiver_gets_exactly_the_configured_retries(
    receiver, tmp_path: Path, retries: int, attempts: int, given_up: int
) -> None:
    for _ in range(3):
        receiver.replies._script.append((500, "busy"))
    args = _mock_args(receiver, f"--push-retries={retries}", "--push-retry-every=100ms")
    with launched(tmp_path, args, https=False, access_log=False) as mock:
        _api(mock, ALICE, "submit", dnis="4477009000001", message="hello")
        assert _wait_for(lambda: mock.stats()["push"]["sent"] >= attempts)
        time.sleep(0.5)  # long enough for a retry too many to show
        stats = mock.stats()["push"]
    assert len(receiver.got) == attempts
    assert stats["retried"] == attempts - 1 and stats["given_up"] == given_up
    assert stats["acknowledged"] == 1 - given_up
    gaps = [b.received - a.received for a, b in zip(receiver.got, receiver.got[1:], strict=False)]
    assert all(g >= 0.09 for g in gaps), gaps


@pytest.mark.slow
def test_an_ack_body_policy_retries_a_200_without_it(receiver, tmp_path: Path) -> None:
    receiver.replies._script.append((200, "received"))
    args = _mock_args(receiver, "--push-ack=OK", "--push-retry-every=100ms")
    with launched(tmp_path, args, https=False, access_log=False) as mock:
        _api(mock, ALICE, "submit", dnis="4477009000001", message="hello")
        assert _wait_for(lambda: mock.stats()["push"]["acknowledged"] >= 1)
        stats = mock.stats()["push"]
    assert stats["retried"] == 1 and len(receiver.got) == 2


@pytest.mark.slow
def test_a_dead_receiver_costs_bounded_memory_and_never_blocks_the_api(tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9/dlr?app_msg_id=$app_msg_id$"
    args = ["--account", f"{ALICE.username}:{ALICE.password}", *FAST, f"--dlr-url={dead}"]
    args += ["--max-stored", "20", "--push-retry-every=10s"]
    with launched(tmp_path, args, https=False, access_log=False) as mock:
        started = time.monotonic()
        for i in range(600):
            assert (
                _api(mock, ALICE, "submit", dnis=f"44770090{i:05d}", message="x").status_code == 200
            )
        elapsed = time.monotonic() - started
        stats = mock.stats()["push"]
    assert stats["pending"] <= stats["cap"] == 120 and stats["dropped_full"] > 0
    assert elapsed < 60


# -- matching pushes to submits --------------------------------------------------------------


def _push(message_id: str, status: str, at: float, account: str = "load") -> Push:
    values = {"app_msg_id": message_id, "delivery_status": status, "delivery_time": "261201000000"}
    return Push(PushKind.DLR, account, "GET", values, "raw", at)


def test_the_matcher_counts_latency_duplicates_order_and_misses() -> None:
    matcher = Matcher("load", ("the-Secret-1",))
    matcher.submitted("w1", 100.0, [["a"], ["b"], ["c"]])
    matcher.push(_push("z", Status.DELIVRD, 100.5))  # before its submit was reported
    matcher.submitted("w2", 100.0, [["z"]])
    matcher.push(_push("a", Status.DELIVRD, 101.0))
    matcher.push(_push("a", Status.DELIVRD, 101.1))  # duplicate
    matcher.push(_push("a", Status.ACCEPTD, 101.2))  # out of order
    matcher.push(_push("b", Status.UNDELIV, 102.0))
    matcher.push(_push("q", Status.DELIVRD, 102.0))  # never submitted
    matcher.polled("b", Status.DELIVRD)
    book = PushBook.merged(list(matcher.finish().values()))
    figures = book.figures()
    assert figures.messages == 4 and figures.with_final == 3 and figures.missing == 1
    assert figures.duplicates == 1 and figures.out_of_order == 1
    assert figures.unknown == 1
    assert figures.push_and_poll_disagree == {"pushed UNDELIV, polled DELIVRD": 1}
    assert figures.latency_ms["min"] == pytest.approx(500, rel=0.01)
    assert book.value("push_missing") == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("text", "scope", "limit"),
    [("push:p95<30s", "push", 30.0), ("push_missing<0.1%", "all", 0.001)],
)
def test_push_slos_parse(text: str, scope: str, limit: float) -> None:
    threshold = parse(text)
    assert threshold.scope == scope and threshold.limit == pytest.approx(limit)


@pytest.mark.parametrize("text", ["submit:push_missing<1%", "push:errors<1%", "push:rps>1"])
def test_push_slos_that_cannot_be_judged_are_refused(text: str) -> None:
    with pytest.raises(ThresholdError):
        parse(text)
