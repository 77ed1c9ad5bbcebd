"""Offline, no sockets: the faults of time and of a whole run's pushes act as their catalogue
says, and the push checks tell a status that moved back from a late arrival."""

from __future__ import annotations

import json

from contracts.aging import DEFAULT_WAIT, Aging, plan_line
from contracts.id_shape import id_shape
from contracts.push_checks import PUSH_CHECKS, PushRun, _PushProblem
from contracts.push_whole import NEVER_ISSUED
from okroute_mock.breaks import CHANGES_AFTER, FORGETS_AFTER, NEVER_ISSUED_EVERY, Fault
from okroute_mock.fake import ManualClock
from okroute_mock.push import PushPolicy, PushQueue
from okroute_model.params import QUERY_ID_PARAM, Command
from okroute_model.push import Push, PushKind, default_template
from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.wire import ApiRequest, Transport, encode
from tests.test_push import ALICE, BOB, POLICY, _drain, _platform, _submit


def _status(platform, message_id: str) -> str:
    request = ApiRequest(
        Command.QUERY, ALICE.username, ALICE.password, ((QUERY_ID_PARAM, message_id),)
    )
    return json.loads(platform.handle(encode(request, "GET"), Transport.HTTP).body)["status"]


def test_a_store_that_forgets_soon_answers_unknown_after_a_few_seconds() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock, breaks=frozenset({Fault.STORE_FORGETS_SOON}))
    [message_id] = _submit(platform)
    clock.advance(FORGETS_AFTER - 0.5)
    assert _status(platform, message_id) != Status.UNKNOWN
    clock.advance(1.0)
    assert _status(platform, message_id) == Status.UNKNOWN


def test_a_final_status_that_changes_later() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock, breaks=frozenset({Fault.FINAL_CHANGES_LATER}))
    [message_id] = _submit(platform)
    record = platform.store.get(message_id, clock())
    clock.advance(record.final_at - clock())
    first = _status(platform, message_id)
    assert first == record.final
    clock.advance(CHANGES_AFTER + 0.1)
    later = _status(platform, message_id)
    assert later in FINAL_STATUSES and later != first


def _judge(check: str, run: PushRun) -> str | None:
    try:
        PUSH_CHECKS[check].judge(run)
    except _PushProblem as problem:
        return str(problem)
    return None


def _run(pushes: list[Push], owners: dict[str, str], **extra) -> PushRun:
    return PushRun(pushes, owners, {}, [], (), **extra)


def test_a_status_pushed_back_after_the_final_fails_a_late_arrival_does_not() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock, breaks=frozenset({Fault.PUSH_MOVES_BACK}))
    [message_id] = _submit(platform)
    pushes = _drain(platform, clock, 10)
    assert [p.status in FINAL_STATUSES for p in pushes] == [True, False]
    assert pushes[1].values["delivery_time"] > pushes[0].values["delivery_time"]
    problem = _judge("pushed-final-stays", _run(pushes, {message_id: "alice"}))
    assert problem and "then ACCEPTD" in problem
    clock = ManualClock()
    platform = _platform(POLICY, clock, reorder=1.0)  # overtaken: stamped when it happened
    [message_id] = _submit(platform)
    pushes = _drain(platform, clock, 10)
    assert pushes[-1].status == Status.ACCEPTD
    assert pushes[-1].values["delivery_time"] <= pushes[0].values["delivery_time"]
    assert _judge("pushed-final-stays", _run(pushes, {message_id: "alice"})) is None


def test_pushes_for_ids_never_issued_every_fifth_final() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock, breaks=frozenset({Fault.PUSH_NEVER_ISSUED}))
    ids = [
        i for n in range(NEVER_ISSUED_EVERY + 1) for i in _submit(platform, dnis=f"44770090{n:04d}")
    ]
    pushes = _drain(platform, clock, 10)
    phantoms = {p.app_msg_id for p in pushes} - set(ids)
    assert len(phantoms) == 2  # the first final and the sixth
    assert all(platform.store.get(i, clock()) is None for i in phantoms)
    owners = dict.fromkeys(ids, "alice")
    strangers = dict.fromkeys(phantoms, NEVER_ISSUED)
    problem = _judge("pushed-ids-are-the-accounts-own", _run(pushes, owners, strangers=strangers))
    assert problem and "never issued" in problem
    other_traffic = dict.fromkeys(phantoms, Status.DELIVRD)  # an ID the account knows passes
    assert (
        _judge("pushed-ids-are-the-accounts-own", _run(pushes, owners, strangers=other_traffic))
        is None
    )


def test_another_accounts_pushes_copied_to_this_one() -> None:
    clock = ManualClock()
    platform = _platform(POLICY, clock)
    policies = {
        a.username: PushPolicy(
            dlr_url=default_template("http://r.invalid", PushKind.DLR, a.username).text
        )
        for a in (ALICE, BOB)
    }
    passwords = {a.username: a.password for a in (ALICE, BOB)}
    breaks = frozenset({Fault.PUSH_COPIED_FROM_OTHER})
    platform.pushes = PushQueue(policies, passwords, platform.store.get, breaks=breaks)
    [bobs] = _submit(platform, BOB)
    pushes = _drain(platform, clock, 10)
    assert sorted(p.account for p in pushes if p.app_msg_id == bobs) == ["alice", "bob"]
    problem = _judge("pushed-ids-are-the-accounts-own", _run(pushes, {bobs: "bob"}))
    assert problem and "given to bob" in problem


def test_the_time_phase_says_its_wait_in_the_plan_and_the_summary() -> None:
    assert f"{DEFAULT_WAIT:g} s after their final status" in plan_line(DEFAULT_WAIT)
    aging = Aging(30.0, 1.25, 3, 6, 42.0, 31.0)
    line = aging.line()
    assert "wait 30 s" in line and "42.0 s after submit" in line and "waited 1.2 s" in line
    assert Aging(**aging.as_dict()) == aging


def test_id_shapes() -> None:
    ids = ["0a1b2c3d-4e5f6a7b", "1b2c3d4e-5f6a7b8c"]
    assert id_shape(ids) == "17 characters, 8-8 (lowercase hex)"
    assert id_shape(["MSG-" + i.upper() for i in ids]) == "21 characters, MSG-8-8 (uppercase hex)"
    assert id_shape(["12345", "678901"]) == "5 to 6 characters, 5 or 6 (digits)"
