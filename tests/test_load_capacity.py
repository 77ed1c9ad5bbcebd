"""`okroute-load --find-capacity`: the search's steps by table, and a search against a mock whose
capacity is configured (it throttles beyond a rate) finding it, never beyond it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from loadtests.capacity import GENERATOR_TRIES, Limit, Search, SearchConfig, find, judge_step
from loadtests.outcome import Exit
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


def _throttled(count: int, behind: int) -> dict:
    return _summary(
        scopes={"all": {"count": 100, "throttled": count / 100}},
        generator={"processes": [{"held_for_throttling": 0, "due": 100, "reached_late": behind}]},
    )


@pytest.mark.parametrize(
    ("throttled", "behind", "limit"),
    [
        (10, 0, Limit.THROTTLING),  # an even load, throttled: the platform's limit
        (10, 10, Limit.GENERATOR),  # as many sends went out in a stall's burst: the generator's
        (10, 9, Limit.GENERATOR),  # what is left (1 %) is within the 2 % allowed
        (10, 7, Limit.THROTTLING),  # 3 % beyond what the bursts explain: the platform's
        (2, 0, None),  # within the 2 % allowed
    ],
)
def test_throttling_that_the_generators_own_stalls_explain_is_the_generators(
    throttled: int, behind: int, limit: Limit | None
) -> None:
    assert judge_step(_throttled(throttled, behind), CONFIG) is limit


def test_sends_never_reached_at_a_steps_end_explain_no_throttling() -> None:
    # Every step ends with a few due sends not reached (idle or not); they were not sent, so
    # they went out in no burst. Counted as bursts, they made a step just over the capacity
    # (4 throttled of 128 here, an idle run) the generator's, three tries running.
    summary = _throttled(4, 0)
    summary["generator"]["processes"][0] |= {"due": 128, "generator_behind": 3}
    summary["scopes"]["all"] |= {"count": 127, "throttled": 4 / 127}
    assert judge_step(summary, CONFIG) is Limit.THROTTLING


def _search_against(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capacity: float, stalls: Callable
) -> tuple[int, dict, list]:
    """`_find_capacity` with every step played by a platform of `capacity` requests/s (10 % of
    what is over it throttled) and a generator that stalls (bursts, all throttled) when
    `stalls(rate, attempt)` says so. Returns the exit code, the capacity block and the calls."""
    calls: list[tuple[str, float, int]] = []

    def step(campaign, rate, duration, budget):
        calls.append((campaign, rate, budget))
        due = round(rate * duration)
        tries = sum(1 for c, r, _ in calls if r == rate and "/steps/" in c)
        burst = round(due * 0.1) if stalls(rate, tries) else 0
        throttled = burst + (round(due * 0.1) if rate > capacity else 0)
        process = {"due": due, "held_for_throttling": 0, "reached_late": burst}
        return {
            "scopes": {"all": {"count": due, "throttled": throttled / due, "rps": rate}},
            "groups": {},
            "generator": {"processes": [process | {"numbers_submitted": due}]},
            "slo": [],
            "valid": True,
            "duration_s": duration,
        }

    config = SearchConfig(start=20, factor=2, step=2, ceiling=1000, confirm=3, max_throttled=0.02)
    code = find(config, step, "capacity", 100_000, tmp_path, lambda: None, "http://127.0.0.1:1")
    return code, json.loads((tmp_path / "summary.json").read_text()), calls


def test_a_step_throttled_by_the_generators_own_stall_is_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every step over 50/s stalls on its first try (a busy machine), never on its second.
    code, summary, calls = _search_against(
        tmp_path, monkeypatch, 60, lambda rate, tries: rate > 50 and tries == 1
    )
    found = summary["capacity"]
    assert code == Exit.PASS and summary["verdict"] == "PASS", found
    assert 60 / 1.05 <= found["capacity_rps"] <= 60 and found["stopped_by"] == "throttling"
    tried_again = [s for s in found["steps"] if s["name"].endswith("-try2")]
    assert tried_again and all(s["limit"] in (None, "throttling") for s in tried_again)
    # Every step run is counted against the budget, the tries that were run again too.
    numbers = [s["numbers"] for s in found["steps"]]
    assert len(numbers) == len(calls)
    assert [budget for _, _, budget in calls] == [
        100_000 - sum(numbers[:k]) for k in range(len(calls))
    ]


def test_a_generator_that_stalls_at_every_try_makes_the_capacity_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, summary, _ = _search_against(tmp_path, monkeypatch, 60, lambda rate, tries: rate > 45)
    found = summary["capacity"]
    assert code == Exit.INVALID and summary["verdict"] == "INVALID", found
    assert summary["invalid_because"] == [
        "the generator could not apply more: the platform holds at least this"
    ]
    assert found["stopped_by"] == "the generator itself" and found["capacity_rps"] <= 45
    stalled = [s for s in found["steps"] if s["limit"] == "the generator itself"]
    # Each rate the generator could not apply was tried GENERATOR_TRIES times before it counted.
    per_rate = {s["rate"] for s in stalled}
    assert len(stalled) == GENERATOR_TRIES * len(per_rate)


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
    found = summary["capacity"]
    output = result.stdout[-4000:] + result.stderr[-2000:]
    # Never above the capacity by more than the search's 10 % precision (a search that
    # overshoots claims what the platform has not), however busy the machine.
    # (None: no rate was confirmed, so none is claimed.)
    assert found["capacity_rps"] is None or found["capacity_rps"] <= capacity * 1.1, found["steps"]
    if found["stopped_by"] == "the generator itself":
        # The machine was so busy that the generator could not hold an even rate near the
        # capacity, three tries running: the search claims only a lower bound, and says so.
        assert result.returncode == Exit.INVALID and summary["verdict"] == "INVALID", output
        assert summary["invalid_because"][0].startswith("the generator could not apply more")
        print(f"busy machine: the generator limited the search at {found['capacity_rps']}/s")
        return
    assert result.returncode == 0 and found["stopped_by"] == "throttling", output
    # Within 10 % below it on an idle machine (61.7/s here, idle or beside five CPU burners).
    # On a busy one a starved generator sends what fell due in a burst, which the mock's 0.1-s
    # token bucket rightly throttles; the search runs such a step again. Bound: well above the
    # bracket's 40/s, which a search that never bisects returns.
    assert capacity / 1.3 <= found["capacity_rps"], found["steps"]
    steps = found["steps"]
    assert steps[-1]["name"].startswith("confirm") and steps[-1]["limit"] is None
    assert any(s["limit"] == "throttling" for s in steps)
    assert all(
        {"achieved_rps", "p50_ms", "p99_ms", "errors", "throttled"} <= s.keys() for s in steps
    )
    page = (tmp_path / "capacity" / "index.html").read_text()
    assert "Capacity search" in page and (tmp_path / "capacity" / "capacity.png").exists()
    assert json.loads((tmp_path / "capacity" / "summary.json").read_text())["verdict"] == "PASS"
