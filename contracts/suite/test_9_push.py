"""Pushed delivery reports (§7): every push this run received, judged; the MAY behaviour recorded.

Runs after every other test but the time phase, so that the pushes of every earlier test's messages
are judged too (`contracts.push_whole`).
"""

from __future__ import annotations

import pytest

from contracts.boundaries import number
from contracts.cases import Case
from contracts.push_checks import verify_pushes
from contracts.push_exercise import (
    REFUSALS,
    Followed,
    groups_of,
    observations,
    push_run,
    wait_for_pushes,
)
from okroute_model.params import Command, LongMessageMode
from okroute_model.secrets import Credentials
from okroute_model.wire import ApiRequest, Method, Variant

LONG = "push " * 70  # 350 GSM-7 characters: three segments when split


def _submit(okroute, cfg, credentials: Credentials, i: int, message: str, **extra: str):
    params = {"dnis": number(cfg, 900 + i), "message": message, **extra}
    if cfg.ani:
        params["ani"] = cfg.ani
    request = ApiRequest(
        Command.SUBMIT, credentials.username, credentials.password, tuple(params.items())
    )
    transport = okroute.target.transports[0]
    ex = okroute.one(Case(request, note="push"), Variant(Method.GET, transport))
    okroute.query_fresh_ids(ex)
    value = ex.response.json if ex.status == 200 and ex.response.is_json else None
    return groups_of(value)


def test_pushes_follow_the_contract(okroute, okroute_cfg, okroute_target, pytestconfig) -> None:
    collector = okroute_target.pushes
    if collector is None:
        pytest.skip(
            "no push receiver: give --okroute-dlr-listen HOST:PORT and set the account's DLR URL "
            "to the template the suite prints; pushes were not checked"
        )
    if collector.url:
        for kind, template in collector.templates(okroute_target.primary.username).items():
            print(f"okroute: {kind} URL template for {okroute_target.primary.username}: {template}")
    followed = Followed()
    secondary = okroute_target.secondary
    if secondary is not None:  # first: a platform that mixes accounts has its ID to push
        followed.add(_submit(okroute, okroute_cfg, secondary, 0, "push other"), secondary.username)
    primary = okroute_target.primary
    probe_groups = _submit(okroute, okroute_cfg, primary, 1, "push retry probe")
    if probe_groups:
        followed.probe = probe_groups[0][0]
        collector.refuse(followed.probe, REFUSALS)
    followed.add(probe_groups, primary.username)
    followed.add(_submit(okroute, okroute_cfg, primary, 2, "push short"), primary.username)
    split = _submit(okroute, okroute_cfg, primary, 3, LONG, longMessageMode=LongMessageMode.SPLIT)
    followed.add(split, primary.username)
    assert followed.groups, "the submits gave no message IDs to follow"
    timeout = okroute_target.final_status_timeout
    step = 0.1 if okroute_target.live else 0.5
    waited = [
        ids
        for ids in followed.groups
        if ids[0] in okroute.issued and okroute.wait_for_final(ids[0], timeout, step) is not None
    ]
    if not waited:
        pytest.skip(f"no message reached a final status within {timeout:g} s: pushes not checked")
    push_wait = pytestconfig.getoption("okroute_push_wait")
    wait_for_pushes(okroute, collector, waited, push_wait, step, followed.probe)
    run = push_run(okroute, collector, followed, waited)
    for point, answer in observations(run, followed, collector).items():
        okroute.recorder.observe(point, answer)
    verify_pushes(run, okroute.ctx)
