"""What a run with a push receiver tells the user, without a platform: the templates to set
first, the address the platform reaches, the silent receiver's lines, the default push SLO."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest

from contracts import push_setup
from contracts.pushes import PushCollector
from contracts.recorder import RunRecorder
from loadtests import options, pushrun
from okroute_model.push import read_push


@pytest.mark.parametrize(
    ("listen", "public", "base"),
    [
        ("127.0.0.1:8080", "", "http://127.0.0.1:8080"),
        (":8080", "", "http://127.0.0.1:8080"),
        ("0.0.0.0:8080", "", f"http://{push_setup.THIS_HOST}:8080"),
        ("[::]:8080", "", f"http://{push_setup.THIS_HOST}:8080"),
        ("[::1]:8080", "", "http://[::1]:8080"),
        ("0.0.0.0:8080", "https://recv.example.com/okr/", "https://recv.example.com/okr"),
    ],
)
def test_the_platform_is_given_an_address_it_can_reach(listen: str, public: str, base: str) -> None:
    assert push_setup.public_base(listen, public) == base


def test_every_account_gets_its_templates_and_the_second_is_named() -> None:
    lines = push_setup.template_lines("0.0.0.0:8090", "", ["qa-user", "qa-user-2"])
    text = "\n".join(lines)
    for account in ("qa-user", "qa-user-2"):
        for kind in ("dlr", "mo"):
            assert f"  {account} {kind.upper()}: http://{push_setup.THIS_HOST}:8090/{kind}/" in text
    assert "second account" in text and "--okroute-dlr-public-url http://ADDRESS:8090" in text
    assert "0.0.0.0:8090/" not in text
    one = "\n".join(push_setup.template_lines(":0", "", ["qa-user"]))
    assert "second account" not in one and "port 0" in one


def _silent(received: int, judged: bool, violations: list[dict]):
    """A target whose collector got `received` pushes, and a recorder that judged pushes."""
    pushes = PushCollector()
    pushes.url = "http://r:1"
    for i in range(received):
        pushes.answer(read_push("GET", f"/dlr/u?app_msg_id=m{i}", "", "", b"", 0.0))
    recorder = RunRecorder()
    if judged:
        recorder.push_coverage["x"]["passed"] += 1
    recorder.violations = violations
    return SimpleNamespace(pushes=pushes), recorder


def test_a_silent_receiver_has_lines_of_its_own_and_leaves_the_verdict_incomplete() -> None:
    missing = {
        "check": push_setup.MISSING_CHECK,
        "warning": False,
        "problem": "2 messages got no push of a final status: a, b",
    }
    target, recorder = _silent(0, True, [missing])
    lines = push_setup.silence_lines(target, recorder)
    assert lines[0].startswith("okroute push: NOTHING RECEIVED") and "http://r:1" in lines[0]
    assert lines[1].endswith(missing["problem"])
    push_setup.judge_silence(target, recorder)
    assert "judged on nothing" in recorder.unjudged[push_setup.RECEIVER]
    for received, judged in ((5, True), (0, False)):  # pushes came, or nothing was judged
        target, recorder = _silent(received, judged, [])
        push_setup.judge_silence(target, recorder)
        assert push_setup.silence_lines(target, recorder) == [] and not recorder.unjudged


@pytest.mark.parametrize(
    ("listen", "given", "slos"),
    [
        (None, None, None),  # the embedded mock's own receiver: the plain defaults
        ("off", ["rps>1"], ["rps>1"]),
        ("0.0.0.0:8090", None, ["errors<1%", options.DEFAULT_PUSH_SLO]),
        ("0.0.0.0:8090", ["rps>1"], ["rps>1", options.DEFAULT_PUSH_SLO]),
        ("0.0.0.0:8090", ["push_missing<5%"], ["push_missing<5%"]),  # judged already
    ],
)
def test_a_receiver_asked_for_adds_the_push_slo(
    listen: str | None, given: list[str] | None, slos: list[str] | None
) -> None:
    assert pushrun.slos(argparse.Namespace(dlr_listen=listen), given) == slos


def test_the_campaign_summary_names_missing_pushes() -> None:
    push = {
        "received": 0, "with_final": 0, "messages": 40, "missing": 40, "missing_share": 1.0,
        "duplicates": 0, "out_of_order": 0, "unknown": 0, "grace_waited_s": 2.0,
    }  # fmt: skip
    lines = (pushrun.summary_line(push) or "").splitlines()
    assert len(lines) == 2 and lines[1].startswith("  NO PUSH RECEIVED: none of 40 messages")
    some = push | {"received": 30, "with_final": 30, "missing": 10, "missing_share": 0.25}
    lines = (pushrun.summary_line(some) or "").splitlines()
    assert lines[1].startswith("  MISSING PUSHES: 10 of 40 messages")
    none = some | {"missing": 0, "missing_share": 0.0}
    assert len((pushrun.summary_line(none) or "").splitlines()) == 1
