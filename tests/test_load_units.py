"""The load campaign's parts that need no Locust: traffic, latency books, throttling, health."""

from __future__ import annotations

import re

import pytest

from loadtests.health import Health
from loadtests.ids import InFlight
from loadtests.latency import LatencyBook
from loadtests.options import OPTIONS, as_locust_args, settings
from loadtests.sender import _retry_after
from loadtests.traffic import TrafficConfig, TrafficPlan
from okroute_mock.delivery import DeliverySim
from okroute_mock.platform import Account, Platform, PlatformConfig
from okroute_model.profile import load_profile
from okroute_model.units import parse_weights
from okroute_model.wire import Transport

PASSWORD = "Load-Canary-51x"


def plan(**weights) -> TrafficPlan:
    return TrafficPlan(TrafficConfig(
        "load", PASSWORD, "4477009", weights.get("transports", {"http": 1, "https": 1}),
        {"GET": 1, "POST-url": 1, "POST-body": 1},
        {"short": 1, "long": 1, "ucs2": 1, "multi": 1}, seed=4,
    ))  # fmt: skip


def test_every_prepared_call_is_valid_by_the_platforms_own_diagnosis() -> None:
    platform = Platform(
        PlatformConfig((Account("load", PASSWORD),), load_profile().platform, DeliverySim(0))
    )
    traffic = plan()
    calls = traffic.pool("submit", 300) + traffic.pool("mo", 50)
    calls.append(traffic.query("5b4c46a8-8dc9", Transport.HTTPS, None))
    for call in calls:
        assert platform.diagnose(call.wire) == [], call.case.label()
        assert platform.handle(call.wire, call.variant.transport).status == 200


def test_group_names_never_carry_numbers_ids_or_credentials() -> None:
    traffic = plan()
    names = {c.group for c in traffic.pool("submit", 300)} | {
        traffic.query("5b4c46a8-8dc9-44b4", Transport.HTTP, "ENROUTE").group
    }
    assert names <= {
        f"{c} {m} {t}"
        for c in ("submit", "query")
        for m in ("GET", "POST-url", "POST-body")
        for t in ("http", "https")
    }
    assert not any(re.search(r"\d", n) or PASSWORD in n for n in names)


def test_the_message_mix_covers_every_kind() -> None:
    calls = plan().pool("submit", 400)
    modes = {c.case.request.get("longMessageMode") for c in calls}
    assert {None, "split"} <= modes
    assert any(len(c.case.numbers) > 1 for c in calls)
    assert any(c.case.entries.choices and max(c.case.entries.choices) > 1 for c in calls)
    assert {c.variant.transport for c in calls} == {Transport.HTTP, Transport.HTTPS}


def test_weights_parse_and_refuse_nonsense() -> None:
    assert parse_weights("submit=3,query=1", ("submit", "query", "mo"), "mix") == {
        "submit": 3.0,
        "query": 1.0,
        "mo": 0.0,
    }
    for bad in ("submit", "sms=1", "submit=x", "submit=-1", "submit=0"):
        with pytest.raises(ValueError, match="mix"):
            parse_weights(bad, ("submit", "query", "mo"), "mix")


def test_settings_check_everything_up_front() -> None:
    values = {o.dest: o.default for o in OPTIONS} | {"okroute_dnis_prefix": "4477"}
    assert settings(values, 30, env={}).slos == ["errors<1%"]
    for change, message in (
        ({"okroute_slo": ["submit:latency<1s"]}, "unknown metric"),
        ({"okroute_mix": "query=1"}, "submit needs weight"),
        ({"okroute_model": "open", "okroute_arrival": "wave:3"}, "arrival"),
        ({"okroute_check_rate": 2.0}, "share"),
        ({"okroute_dnis_prefix": ""}, "prefix"),
    ):
        with pytest.raises(ValueError, match=message):
            settings(values | change, 30, env={})


def test_options_round_trip_to_locust_arguments() -> None:
    values = {o.dest: o.default for o in OPTIONS} | {
        "okroute_model": "open",
        "okroute_slo": ["rps>=5", "errors<1%"],
    }
    args = as_locust_args(values)
    assert "--okroute-model=open" in args
    assert args.count("--okroute-slo=rps>=5") == 1 and "--okroute-slo=errors<1%" in args
    assert not any(a.startswith("--okroute-mix") for a in args)  # defaults stay implicit


@pytest.mark.parametrize(
    ("status", "headers", "body", "wait"),
    [
        (429, {"retry-after": "2"}, b"", 2.0),
        (503, {"retry-after": "0.5"}, b"busy", 0.5),
        (503, {}, b"busy", None),  # a 503 without Retry-After is an error, not throttling
        (403, {}, b"Throughput exceeded for this account", 1.0),
        (403, {}, b"forbidden", None),
        (200, {"retry-after": "1"}, b"{}", None),
    ],
)
def test_throttling_is_classified(status, headers, body, wait) -> None:
    assert _retry_after(status, headers, body) == wait


def test_latency_books_merge_exactly() -> None:
    a, b = LatencyBook(1.0), LatencyBook(1.0)
    for i in range(1, 1001):
        a.record("submit GET http", i / 1e6, now=100.0 + i / 1000)
        b.record("submit GET http", (1000 + i) / 1e6, now=101.5, corrected=0.5)
    b.record_delivery("DELIVRD", 3.0)
    merged = LatencyBook.merged([a.snapshot(), b.snapshot()])
    group = merged.groups["submit GET http"]
    assert group.count == 2000
    assert group.raw.get_value_at_percentile(50) == pytest.approx(1000, rel=0.002)
    assert group.corrected.get_total_count() == 1000
    assert sum(bucket.count for bucket in merged.timeline.values()) == 2000
    assert merged.finals == {"DELIVRD": 1}


def test_microsecond_precision_survives() -> None:
    book = LatencyBook()
    for micros in (150, 250, 350):
        book.record("query GET http", micros / 1e6, now=0.0)
    raw = book.groups["query GET http"].raw
    assert raw.get_value_at_percentile(50) == pytest.approx(250, abs=1)


def test_in_flight_ids_are_bounded_in_time_and_size() -> None:
    ids = InFlight(timeout=10.0, limit=3)
    ids.add(["a", "b", "c", "d"], Transport.HTTP, now=0.0)
    assert len(ids) == 3 and ids.abandoned == 1
    tracked = ids.next(now=1.0)
    assert tracked.message_id == "b"
    assert ids.observed(tracked, "ACCEPTD", now=2.0) is None and len(ids) == 3
    assert ids.next(now=20.0) is None and ids.abandoned == 4


def test_a_saturated_generator_is_named() -> None:
    busy = Health(target_rps=100.0, cpu=[95.0] * 8 + [50.0] * 2, due=1000, sent=1000)
    assert Health.assess(busy.snapshot(), 10.0).saturated
    lagging = Health(target_rps=100.0, cpu=[30.0] * 10, due=1000, sent=1000, behind=200)
    assert Health.assess(lagging.snapshot(), 10.0).saturated
    fine = Health(target_rps=100.0, cpu=[30.0] * 10, due=1000, sent=990, dropped=10, late=300)
    assert not Health.assess(fine.snapshot(), 10.0).saturated
