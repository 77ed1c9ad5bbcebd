"""The mock's hot paths answer byte for byte what its general path answers."""

from __future__ import annotations

import json

from okroute_mock.breaks import Fault
from okroute_mock.delivery import DeliverySim
from okroute_mock.fake import ManualClock
from okroute_mock.hotpath import ReadCache
from okroute_mock.platform import Account, Platform, PlatformConfig
from okroute_mock.push import PushPolicy, PushQueue
from okroute_model.may import May
from okroute_model.profile import load_profile
from okroute_model.push import PushKind, default_template
from okroute_model.wire import ApiRequest, Method, Transport, WireRequest, encode

ALICE, BOB = Account("alice", "alice-secret"), Account("bob", "bob-secret")


def _platform(clock: ManualClock, hot: bool, **config) -> Platform:
    p = Platform(
        PlatformConfig(
            accounts=(ALICE, BOB),
            knobs=load_profile().platform,
            sim=DeliverySim(7, accept_delay=(1, 2), final_delay=(3, 5)),
            **config,
        ),
        clock,
    )
    if not hot:  # the general path only
        p._reads, p._decisions, p._plain_status = None, None, False
    return p


def _wire(account: Account, command: str, method: Method = Method.GET, **params) -> WireRequest:
    request = ApiRequest(command, account.username, account.password, tuple(params.items()))
    return encode(request, method)


def _requests(ids: list[str]) -> list[WireRequest]:
    """Valid and invalid requests, each twice so that the second one reads from the cache."""
    wires = [
        _wire(ALICE, "submit", dnis="34511121", message="hello"),
        _wire(ALICE, "submit", dnis="34511121,34511122", message="x" * 200),
        _wire(ALICE, "submit", Method.POST_BODY, dnis="34511121", message="hi"),
        _wire(ALICE, "submit", dnis="99911121", message="no route where 999 has none"),
        _wire(ALICE, "submit", dnis="99911121,34511121", message="one of two routed"),
        _wire(ALICE, "submit", dnis="3451112a", message="hi"),
        _wire(ALICE, "submit", dnis="34511121"),
        _wire(Account("alice", "wrong-secret"), "submit", dnis="34511121", message="hi"),
        _wire(ALICE, "query"),
        _wire(ALICE, "QUERY", messageId="x"),
        _wire(ALICE, "mo", ani="34511121", dnis="34511122", message="hi"),
        WireRequest("GET", "/api", "command=submit&dnis=%ZZ", (), b""),
        *(_wire(account, "query", messageId=i) for i in ids for account in (ALICE, BOB)),
    ]
    return [w for wire in wires for w in (wire, wire)]


def _answers(p: Platform, clock: ManualClock) -> list[tuple[int, bytes, str]]:
    """Every answer of one scripted run: submits, then queries at each step of their story."""
    answers = []
    for _ in range(2):
        for wire in _requests([]):
            reply = p.handle(wire, Transport.HTTP)
            answers.append((reply.status, reply.body, reply.content_type))
    ids = [json.loads(b)["message_id"] for s, b, _ in answers[:2] if s == 200]
    for step in range(8):  # ENROUTE, ACCEPTD, then the final status and its times
        clock.advance(1.0 if step else 0.0)
        for wire in _requests(ids):
            reply = p.handle(wire, Transport.HTTPS)
            answers.append((reply.status, reply.body, reply.content_type))
    return answers


def test_hot_paths_answer_what_the_general_path_answers() -> None:
    configs = (
        {},
        {"flips": frozenset({May.MCCMNC_DIGITS, May.CONTENT_TYPES})},
        {"no_route_prefix": "999"},
    )
    for config in configs:
        hot_clock, plain_clock = ManualClock(), ManualClock()
        hot = _answers(_platform(hot_clock, True, **config), hot_clock)
        plain = _answers(_platform(plain_clock, False, **config), plain_clock)
        assert hot == plain
        finals = {json.loads(b)["status"] for s, b, _ in hot if b.startswith(b'{"status"')}
        assert len(finals) >= 3, finals  # the run went past ENROUTE and ACCEPTD


def test_hot_paths_are_off_where_a_fault_or_flip_changes_what_they_skip() -> None:
    clock = ManualClock()
    hot = _platform(clock, True)
    assert hot._reads is not None and hot._decisions is not None
    broken = _platform(clock, True, breaks=frozenset({Fault.STATUS_LOWERCASE}))
    assert broken._reads is None and broken._decisions is None and not broken._plain_status
    renamed = _platform(clock, True, flips=frozenset({May.PARAM_NAME_CASE}))
    assert renamed._reads is None and renamed._decisions is None


def test_the_read_cache_is_bounded_and_keeps_only_bodiless_gets() -> None:
    p = _platform(ManualClock(), True)
    cache = ReadCache(size=3)
    for n in range(10):
        query = f"command=query&messageId={n}"
        cache.put("GET", query, b"", p._read(WireRequest("GET", "/api", query, (), b"")))
        assert len(cache) <= 3
    assert cache.get("GET", "command=query&messageId=9", b"") is not None
    cache.put("POST", "command=query", b"{}", p._read(WireRequest("POST", "/api", "", (), b"{}")))
    assert cache.get("POST", "command=query", b"{}") is None


def test_a_push_queue_set_later_is_not_skipped_by_an_earlier_decision() -> None:
    """A decision made without pushes to schedule must not outlive the queue's arrival."""
    clock = ManualClock()
    p = _platform(clock, True)
    wire = _wire(ALICE, "submit", dnis="34511121", message="hello")
    p.handle(wire, Transport.HTTP)  # decided: no push queue yet
    url = default_template("http://r.invalid", PushKind.DLR, ALICE.username).text
    policies = {a.username: PushPolicy(dlr_url=url) for a in (ALICE, BOB)}
    p.pushes = PushQueue(policies, {a.username: a.password for a in (ALICE, BOB)}, p.store.get)
    p.handle(wire, Transport.HTTP)
    assert len(p.pushes) > 0
