"""The platform core: delivery stories, retention, accounts, determinism, MAY choices."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from okroute_mock.delivery import DeliverySim, parse_mix
from okroute_mock.fake import ManualClock
from okroute_mock.platform import Account, Platform, PlatformConfig
from okroute_mock.store import MessageStore, Record
from okroute_model.profile import load_profile
from okroute_model.statuses import FINAL_STATUSES, RANK, Status
from okroute_model.wire import ApiRequest, Method, Transport, encode

KNOBS = load_profile().platform
ALICE, BOB = Account("alice", "alice-secret"), Account("bob", "bob-secret")


def platform(clock: ManualClock | None = None, seed: int = 1, **config) -> Platform:
    cfg = PlatformConfig(
        accounts=(ALICE, BOB),
        knobs=config.pop("knobs", KNOBS),
        sim=config.pop("sim", DeliverySim(seed, accept_delay=(1, 2), final_delay=(3, 5))),
        **config,
    )
    return Platform(cfg, clock or ManualClock())


def call(p: Platform, account: Account, command: str, method: Method = Method.GET, **params):
    request = ApiRequest(command, account.username, account.password, tuple(params.items()))
    reply = p.handle(encode(request, method), Transport.HTTP)
    return reply.status, reply.body.decode()


def submit_ids(p: Platform, account: Account = ALICE, **params) -> list[str]:
    status, body = call(
        p,
        account,
        "submit",
        dnis=params.pop("dnis", "34511121"),
        message=params.pop("message", "hi"),
        **params,
    )
    assert status == 200, body
    value = json.loads(body)
    return [e["message_id"] for e in (value if isinstance(value, list) else [value])]


def status_of(p: Platform, message_id: str, account: Account = ALICE) -> str:
    status, body = call(p, account, "query", messageId=message_id)
    assert status == 200, body
    return json.loads(body)["status"]


def test_statuses_move_forward_to_a_final_one() -> None:
    clock = ManualClock()
    p = platform(clock)
    (message_id,) = submit_ids(p)
    seen = []
    for _ in range(20):
        seen.append(status_of(p, message_id))
        clock.advance(0.5)
    assert seen[0] == Status.ENROUTE
    assert Status.ACCEPTD in seen
    assert seen[-1] in FINAL_STATUSES
    ranks = [RANK[Status(s)] for s in seen]
    assert ranks == sorted(ranks)


def test_final_answer_has_the_documented_formats() -> None:
    clock = ManualClock()
    p = platform(clock)
    (message_id,) = submit_ids(p)
    clock.advance(60)
    _, body = call(p, ALICE, "query", messageId=message_id)
    answer = json.loads(body)
    assert answer["status"] in FINAL_STATUSES
    assert len(answer["delivery_time"]) == 14 and answer["delivery_time"].isdigit()
    assert len(answer["system_delivery_time"]) == 12
    assert len(answer["error_code"]) == 3
    assert 5 <= len(answer["mccmnc"]) <= 6
    assert all(isinstance(v, str) for v in answer.values())


def test_other_accounts_and_unknown_ids_read_unknown() -> None:
    p = platform()
    (message_id,) = submit_ids(p)
    assert status_of(p, message_id, BOB) == Status.UNKNOWN
    assert status_of(p, "never-issued") == Status.UNKNOWN
    assert status_of(p, message_id, ALICE) != Status.UNKNOWN


def test_retention_expires_statuses() -> None:
    from dataclasses import replace

    clock = ManualClock()
    p = platform(clock, knobs=replace(KNOBS, retention_seconds=100.0))
    (message_id,) = submit_ids(p)
    clock.advance(99)
    assert status_of(p, message_id) != Status.UNKNOWN
    clock.advance(2)
    assert status_of(p, message_id) == Status.UNKNOWN


def test_the_store_cap_evicts_the_oldest() -> None:
    p = platform(max_stored=10)
    ids = submit_ids(p, dnis=",".join(f"3451112{i:02d}" for i in range(25)))
    assert len(p.store) == 10
    assert status_of(p, ids[0]) == Status.UNKNOWN
    assert status_of(p, ids[-1]) != Status.UNKNOWN
    assert p.store.stats.evicted == 15


def test_store_stays_bounded_under_a_long_stream() -> None:
    store = MessageStore(ttl=50.0, cap=1000)
    for i in range(20_000):
        store.put(f"id-{i}", Record("a", i * 0.01, 0, 0, "DELIVRD", "1"))
        assert len(store) <= 1000
    # 20 000 records 0.01 s apart: everything older than 50 s has expired, the rest was capped.
    assert store.stats.expired + store.stats.evicted + len(store) == 20_000
    assert store.get("id-0", 200.0) is None


def test_the_same_seed_tells_the_same_story() -> None:
    def story(seed: int) -> list[str]:
        clock = ManualClock()
        p = platform(clock, seed=seed)
        ids = submit_ids(p, dnis="34511121,34511122,34511123")
        clock.advance(10)
        return ids + [status_of(p, i) for i in ids]

    assert story(7) == story(7)
    assert story(7) != story(8)


def test_outcome_mix_is_honoured() -> None:
    sim = DeliverySim(3, parse_mix("DELIVRD=80,UNDELIV=20"))
    outcomes = Counter(sim.story(0.0).final for _ in range(5000))
    assert set(outcomes) == {"DELIVRD", "UNDELIV"}
    assert 0.75 < outcomes["DELIVRD"] / 5000 < 0.85


@pytest.mark.parametrize("spec", ["DELIVRD", "ENROUTE=5", "DELIVRD=x", "DELIVRD=0", "DELIVRD=-1"])
def test_bad_outcome_mix_is_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_mix(spec)


def test_no_route_prefix_answers_no_routes() -> None:
    p = platform(no_route_prefix="999")
    assert call(p, ALICE, "submit", dnis="99912345", message="x") == (400, "NO ROUTES")
    # A mix: only the routed numbers get IDs.
    assert len(submit_ids(p, dnis="99912345,34511121")) == 1


def test_documented_content_types() -> None:
    p = platform()
    ok = p.handle(
        encode(
            ApiRequest("submit", "alice", "alice-secret", (("dnis", "1234567"), ("message", "x"))),
            Method.GET,
        )
    )
    assert ok.content_type == "application/json"
    query = p.handle(
        encode(ApiRequest("query", "alice", "alice-secret", (("messageId", "x"),)), Method.GET)
    )
    assert query.content_type.startswith("text/html")  # JSON labelled text/html, as documented
    bad = p.handle(encode(ApiRequest("submit", "alice", "wrong", ()), Method.GET))
    assert (bad.status, bad.content_type) == (401, "text/html; charset=UTF-8")


def test_flipped_may_choices_change_answers_not_rules() -> None:
    normal, flipped = (
        platform(),
        platform(flips=frozenset({"single-id-split-entries", "unknown-id-answer"})),
    )
    long_text = "a" * 400
    assert len(set(submit_ids(normal, message=long_text, longMessageMode="single_id_split"))) == 1
    _, body = call(
        normal,
        ALICE,
        "submit",
        dnis="34511121",
        message=long_text,
        longMessageMode="single_id_split",
    )
    assert len(json.loads(body)) == 3  # one entry per segment, one shared ID
    _, body = call(
        flipped,
        ALICE,
        "submit",
        dnis="34511121",
        message=long_text,
        longMessageMode="single_id_split",
    )
    assert isinstance(json.loads(body), dict)  # one entry per number
    assert call(flipped, ALICE, "query", messageId="nope")[0] == 404


def test_breaks_are_off_unless_asked() -> None:
    p = platform()
    assert call(p, ALICE, "submit", dnis=",".join(["1234567"] * 101), message="x") == (
        400,
        "Destination number is too long",
    )
    broken = platform(breaks=frozenset({"dnis-101-accepted"}))
    assert call(broken, ALICE, "submit", dnis=",".join(["1234567"] * 101), message="x")[0] == 200


@pytest.mark.parametrize(
    "wire_body",
    [b"\x00\x01\x02", b"{" * 5000, "ü".encode("latin-1"), b'{"command": {"a": 1}}', b"[]", b"null"],
)
def test_garbage_bodies_get_a_4xx(wire_body: bytes) -> None:
    from okroute_model.wire import WireRequest

    p = platform()
    reply = p.handle(
        WireRequest("POST", "/api", "", (("Content-Type", "application/json"),), wire_body)
    )
    assert 400 <= reply.status < 500 and reply.body
