"""`okroute-load --find-capacity`: the search's steps by table, and a search against a mock whose
capacity is configured (it throttles beyond a rate) finding it, never beyond it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.capacity import Limit, Search, SearchConfig, judge_step
from tests.test_load_campaigns import campaign

CONFIG = SearchConfig(start=20, factor=2, step=2, ceiling=1000, confirm=3, max_throttled=0.02)


def limit_at(capacity: float):
    return lambda rate: None if rate <= capacity else Limit.THROTTLING


@pytest.mark.parametrize("capacity", [23.0, 60.0, 130.0, 700.0])
def test_the_search_brackets_then_bisects_to_the_precision(capacity: float) -> None:
    search, judge, rates = Search(CONFIG), limit_at(capacity), []
    while (rate := search.next_rate()) is not None:
        rates.append(rate)
        search.record(rate, judge(rate))
    assert search.stopped_by is Limit.THROTTLING
    assert capacity / (1 + CONFIG.precision) <= search.good <= capacity
    assert rates[:2] == [20, 40] and len(rates) < 12


def test_the_search_stops_at_the_ceiling_and_when_the_first_step_fails() -> None:
    search = Search(SearchConfig(20, 2, 2, 100, 3, 0.01))
    while (rate := search.next_rate()) is not None:
        search.record(rate, None)
    assert search.stopped_by is Limit.CEILING and search.good == 100
    search = Search(CONFIG)
    search.record(search.next_rate(), Limit.LATENCY)
    assert search.next_rate() is None and search.stopped_by is Limit.LATENCY


def _summary(**changes) -> dict:
    summary = {
        "scopes": {"all": {"count": 100, "throttled": 0.0}},
        "generator": {"processes": [{"held_for_throttling": 0, "due": 100}]},
        "slo": [{"threshold": "submit:p99<250ms", "passed": True}],
        "valid": True,
    }
    return summary | changes


def test_a_step_names_the_limit_that_stopped_it() -> None:
    assert judge_step(_summary(), CONFIG) is None
    breached = [{"threshold": "submit:p99<250ms", "passed": False}]
    assert judge_step(_summary(slo=breached), CONFIG) is Limit.LATENCY
    errors = [{"threshold": "errors<1%", "passed": False}]
    assert judge_step(_summary(slo=errors), CONFIG) is Limit.ERRORS
    held = {"processes": [{"held_for_throttling": 10, "due": 100}]}
    assert judge_step(_summary(generator=held), CONFIG) is Limit.THROTTLING
    assert judge_step(_summary(valid=False), CONFIG) is Limit.GENERATOR


@pytest.mark.slow
def test_the_search_finds_a_configured_capacity_and_never_overshoots_it(tmp_path: Path) -> None:
    capacity = 60.0
    result, summary = campaign(
        tmp_path, "capacity", "--find-capacity", "--capacity-start", "20",
        "--capacity-factor", "2", "--capacity-step", "2s", "--capacity-confirm", "3s",
        "--capacity-max-throttled", "2%", "--mix", "submit=1", "--progress", "0",
        f"--mock-arg=--throttle-above={capacity:g}", "--mock-arg=--retry-after=0.01",
        # No push receiver: each step would wait for its messages' final pushes (seconds of
        # the mock's delivery story), and the search does not judge pushes.
        "--dlr-listen", "off", timeout=480,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    found = summary["capacity"]
    # Never above the capacity by more than the search's 10 % precision (a search that
    # overshoots claims what the platform has not).
    # Within 10 % below it on an idle machine (61.7/s here, idle or beside five CPU burners);
    # in a busy CI run a step at 57/s was throttled: a starved generator sends what fell due
    # in a burst, which the mock's 0.1-s token bucket rightly throttles, and the search stopped
    # at 52/s. Still well above the bracket's 40/s, which a search that never bisects returns.
    assert capacity / 1.3 <= found["capacity_rps"] <= capacity * 1.1, found["steps"]
    # Above the capacity the platform throttles; on a busy machine the generator may fall
    # behind first at the same rate, and the search says so.
    assert found["stopped_by"] in ("throttling", "the generator itself")
    steps = found["steps"]
    assert steps[-1]["name"].startswith("confirm") and steps[-1]["limit"] is None
    assert any(s["limit"] == "throttling" for s in steps)
    assert all(
        {"achieved_rps", "p50_ms", "p99_ms", "errors", "throttled"} <= s.keys() for s in steps
    )
    page = (tmp_path / "capacity" / "index.html").read_text()
    assert "Capacity search" in page and (tmp_path / "capacity" / "capacity.png").exists()
    assert json.loads((tmp_path / "capacity" / "summary.json").read_text())["verdict"] == "PASS"
