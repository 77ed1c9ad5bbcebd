"""The behaviour fingerprint's probes: what they send, and how answers are reduced."""

from __future__ import annotations

from contracts import fingerprint
from contracts.cases import Case
from contracts.client import DryClient
from contracts.exchange import Exchange, Response
from contracts.strategies import Config
from contracts.target import offline_target
from okroute_model.may import MAY_POINTS
from okroute_model.profile import load_profile
from okroute_model.wire import ApiRequest, Method, Transport, Variant, decode, encode


def probes_sent() -> tuple[list[Exchange], str]:
    target = offline_target(load_profile())
    client = DryClient(target)
    cfg = Config(target.primary, target.knobs, target.dnis_prefix)
    fingerprint.take(client, cfg, target.secondary)  # type: ignore[arg-type]
    return client.recorded, target.dnis_prefix


def test_every_probe_sends_only_to_numbers_under_the_prefix() -> None:
    sent, prefix = probes_sent()
    assert len(sent) > len(MAY_POINTS)
    for ex in sent:
        dnis = decode(ex.wire).params.get("dnis")
        if dnis is None:
            continue
        items = dnis if isinstance(dnis, list) else str(dnis).split(",")
        for item in items:
            if not str(item).strip():
                continue  # an empty list item (a MAY point) is no number
            assert str(item).strip().lstrip("+").startswith(prefix), (ex.case.note, dnis)


def test_every_may_point_is_probed_or_passive() -> None:
    sent, _ = probes_sent()
    assert {ex.case.note for ex in sent} | set(fingerprint.PASSIVE) == set(MAY_POINTS)


def _exchange(status: int, body: bytes) -> Exchange:
    request = ApiRequest("submit", "u", "pw-secret", (("dnis", "1"),))
    return Exchange(
        Case(request),
        Variant(Method.GET, Transport.HTTP),
        "http://x",
        encode(request, Method.GET),
        Response(status, {}, body),
    )


def test_answers_lose_what_changes_between_requests() -> None:
    one = fingerprint.answer(_exchange(400, b"Invalid number 447700912345 (id 5b4c46a8-8dc9)"))
    two = fingerprint.answer(_exchange(400, b"Invalid number 447700955555 (id 9d1e3f0a-77aa)"))
    assert one == two == "400 'Invalid number <n> (id <id>)'"
    assert (
        fingerprint.answer(_exchange(200, b'[{"dnis":"1","message_id":"a"}]'))
        == "200 [1 x {dnis, message_id}]"
    )
    assert fingerprint.answer(_exchange(200, b'{"status":"ACCEPTD"}')) == "200 {status}"
    assert (
        fingerprint.answer(_exchange(200, b'{"status":"UNKNOWN"}')) == "200 {status} status=UNKNOWN"
    )
