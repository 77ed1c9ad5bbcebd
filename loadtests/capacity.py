"""`okroute-load --find-capacity`: the highest open-model rate at which the platform holds.

The search runs one short steady campaign per step: from `--capacity-start` it multiplies the rate
by `--capacity-factor` until a step fails or the ceiling is reached, then bisects (geometrically)
between the last rate that held and the first that did not, until they are within
`--capacity-precision` of each other. The rate found is confirmed by a longer steady step; if the
confirmation fails, the search steps down by the precision and confirms again (three tries at
most). A step that fails only because the generator did not apply the load is run again, up to
`GENERATOR_TRIES` times in all, before it counts: on a busy machine that is noise, not the
platform. When it still counts, the search bisects below it and the capacity found is the
generator's, a lower bound of the platform's: the run is INVALID and says so.

A step holds when every SLO holds, the share of due sends throttled (answered with throttling or
held back by a Retry-After) stays at or under `--capacity-max-throttled`, and the generator
applied the load. Otherwise the step names the limit that stopped it. Throttling that the
generator's own stalls can explain is the generator's: a generator starved of CPU for a moment
sends what fell due in a burst, which a platform that meters in short windows rightly throttles
at a rate it holds when the load is even.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from loadtests import junit, page, report
from loadtests import summary as campaign_summary
from loadtests.outcome import EXIT_CODES, Outcome
from loadtests.summary import CampaignSummary, Capacity, CapacityStep, SloLine, typed_summary
from loadtests.thresholds import Kind, ThresholdError, parse
from okroute_model.units import format_duration

MAX_STEPS = 16  # a search that has not converged by then stops, and says so
GENERATOR_TRIES = 3  # runs of a step whose generator did not apply the load, before it counts


class Limit(StrEnum):
    LATENCY = "latency"
    ERRORS = "errors"
    THROTTLING = "throttling"
    GENERATOR = "the generator itself"
    SLO = "an SLO"
    BUDGET = "the message budget"
    CEILING = "the ceiling"
    STEPS = "the step limit"
    ABORTED = "a stop (Ctrl-C or SIGTERM)"


@dataclass(frozen=True)
class SearchConfig:
    start: float
    factor: float
    step: float  # seconds per step
    ceiling: float
    confirm: float  # seconds of the confirming step
    max_throttled: float
    precision: float = 0.05

    def __post_init__(self) -> None:
        if self.start <= 0 or self.ceiling < self.start:
            raise ValueError("capacity: start above 0 and ceiling at or above the start")
        if self.factor <= 1:
            raise ValueError("capacity: the factor is above 1, e.g. 1.5")
        if self.step < 1 or self.confirm < 1:
            raise ValueError("capacity: steps last at least 1s")
        if not 0 < self.precision < self.factor - 1:
            raise ValueError("capacity: the precision is above 0 and below factor - 1")


Summary = CampaignSummary | dict[str, Any]  # a step's summary, typed or as read


def _throttled(summary: CampaignSummary) -> tuple[int, int]:
    """(throttled answers + sends held back by a Retry-After, what was due or sent)."""
    held = round(summary.generator.total(lambda p: p.held_for_throttling))
    due = round(summary.generator.total(lambda p: p.due))
    everything = summary.scopes.get("all")
    answers = everything.count if everything else 0
    throttled = round((everything.throttled if everything else 0) * answers)
    return throttled + held, max(due, answers + held)


def throttled_share(summary: Summary) -> float:
    """Throttled answers and sends held back by a Retry-After, over what was due (or sent)."""
    throttled, whole = _throttled(typed_summary(summary))
    return throttled / whole if whole else 0.0


def platform_throttled_share(summary: Summary) -> float:
    """The throttled share less what the generator's own stalls can explain: a due time it
    reached over `health.BEHIND_AFTER` late is a send that went out in a burst with others,
    which an even load would not have sent. A shorter lateness is left to the platform: every
    busy machine wakes a few milliseconds late, and no metering window is that short. (Sends
    never reached are not counted: they were not sent, and at a step's end there are always a
    few, idle or not; near the capacity they would outnumber the platform's few throttles.)"""
    summary = typed_summary(summary)
    throttled, whole = _throttled(summary)
    stalled = summary.generator.total(lambda p: p.reached_late)
    return max(0, throttled - stalled) / whole if whole else 0.0


def _slo_limit(line: SloLine) -> Limit:
    try:
        threshold = parse(line.threshold)
    except ThresholdError:  # not ours to judge: a breach of some SLO
        return Limit.SLO
    if threshold.kind is Kind.LATENCY:
        return Limit.LATENCY
    return {"errors": Limit.ERRORS, "throttled": Limit.THROTTLING}.get(threshold.metric, Limit.SLO)


def judge_step(summary: Summary, config: SearchConfig) -> Limit | None:
    """None when the step held; else the limit that stopped it, the most telling first."""
    summary = typed_summary(summary)
    if summary.aborted_because:
        return Limit.ABORTED
    if throttled_share(summary) > config.max_throttled:
        if platform_throttled_share(summary) <= config.max_throttled:
            return Limit.GENERATOR
        return Limit.THROTTLING
    breached = [s for s in summary.slo if not s.passed]
    if breached:
        return _slo_limit(breached[0])
    if not summary.valid:
        return Limit.GENERATOR
    return None


def step_row(name: str, rate: float, summary: Summary, limit: Limit | None) -> CapacityStep:
    summary = typed_summary(summary)
    everything = summary.scopes.get("all")
    latency = (everything and (everything.corrected_latency_ms or everything.latency_ms)) or {}
    generator = summary.generator
    return CapacityStep(
        name=name,
        rate=round(rate, 2),
        achieved_rps=everything.rps if everything else 0.0,
        p50_ms=latency.get("p50"),
        p99_ms=latency.get("p99"),
        errors=everything.errors if everything else 0.0,
        throttled=round(throttled_share(summary), 4),
        held=round(generator.total(lambda p: p.held_for_throttling)),
        numbers=round(generator.total(lambda p: p.numbers_submitted)),
        limit=str(limit) if limit else None,
        overhead_s=summary.overhead_s,  # the step's time beside its load
    )


@dataclass
class Search:
    """Which rate to try next, from the steps so far."""

    config: SearchConfig
    good: float | None = None
    bad: float | None = None
    bad_limit: Limit | None = None
    steps: int = 0
    stopped_by: Limit | None = None
    rows: list[CapacityStep] = field(default_factory=list)

    def next_rate(self) -> float | None:
        """The next rate to step at, or None when the search is over (`stopped_by` says why)."""
        c = self.config
        if self.stopped_by is not None:
            return None
        if self.steps >= MAX_STEPS:
            self.stopped_by = Limit.STEPS
            return None
        if self.bad is None:
            if self.good is None:
                return c.start
            if self.good >= c.ceiling:
                self.stopped_by = Limit.CEILING
                return None
            return min(c.ceiling, self.good * c.factor)
        if self.good is None:  # even the first step failed: there is no capacity to confirm
            self.stopped_by = self.bad_limit
            return None
        if self.bad / self.good <= 1 + c.precision:
            self.stopped_by = self.bad_limit
            return None
        return math.sqrt(self.good * self.bad)

    def record(self, rate: float, limit: Limit | None) -> None:
        self.steps += 1
        if limit in (Limit.ABORTED, Limit.BUDGET):
            self.stopped_by = limit
        elif limit is None:
            self.good = max(self.good or 0.0, rate)
        else:
            self.bad, self.bad_limit = min(self.bad or math.inf, rate), limit

    def step_down(self) -> float:
        """After a failed confirmation: a rate one precision step lower."""
        assert self.good is not None
        self.bad, self.good = self.good, self.good / (1 + self.config.precision)
        return self.good


# One steady step: (campaign name, rate in requests/s, seconds, message budget) -> its summary,
# or None when it wrote none. `okroute-load` runs a Locust campaign; the tests play a platform.
Step = Callable[[str, float, float, int], Summary | None]
Stopped = Callable[[], str | None]  # the signal that stopped the search, if one did


class Spent:
    """The search's message budget: what is left, and numbers submitted per request due."""

    def __init__(self, budget: int) -> None:
        self.left = budget
        self.per_send: float | None = None  # unknown before the first step

    def affords(self, sends: float) -> bool:
        return self.per_send is None or self.per_send * sends <= self.left

    def count(self, numbers: int, sends: float) -> None:
        self.left = max(0, self.left - numbers)
        self.per_send = numbers / max(sends, 1e-9)


@dataclass
class Runner:
    """The search run with real steps: the climb and bisection, then the confirmation."""

    config: SearchConfig
    step: Step
    campaign: str  # the confirmation's campaign; steps go under <campaign>/steps/
    spent: Spent
    stopped: Stopped
    search: Search = field(init=False)
    last: Summary | None = field(init=False, default=None)  # the last step's summary

    def __post_init__(self) -> None:
        self.search = Search(self.config)

    def _show(self, name: str, rate: float, summary: Summary, limit: Limit | None) -> None:
        """Every step run is shown in the report, and its numbers counted against the budget."""
        summary = typed_summary(summary)
        row = step_row(name, rate, summary, limit)
        self.search.rows.append(row)
        self.spent.count(row.numbers, rate * (summary.duration_s or 0.0))

    def _judged(
        self, name: str, campaign: str, rate: float, seconds: float, signal_aborts: bool
    ) -> Limit | None:
        summary = self.last = self.step(campaign, rate, seconds, self.spent.left)
        limit = judge_step(summary, self.config) if summary else Limit.ABORTED
        if signal_aborts and self.stopped():
            limit = Limit.ABORTED
        if summary is not None:
            self._show(name, rate, summary, limit)
        return limit

    def _try(self, rate: float) -> Limit | None:
        """One step of the search, run again while only the generator failed it."""
        limit = None
        for attempt in range(1, GENERATOR_TRIES + 1):  # the generator's noise: again
            if not self.spent.affords(rate * self.config.step):
                self.search.stopped_by = Limit.BUDGET
                return Limit.BUDGET
            again = f"-try{attempt}" if attempt > 1 else ""
            name = f"{self.search.steps + 1:02d}-{rate:.0f}rps{again}"
            campaign = f"{self.campaign}/steps/{name}"
            limit = self._judged(name, campaign, rate, self.config.step, True)
            print(f"  step {name}: {limit or 'held'}", flush=True)
            if limit is not Limit.GENERATOR:
                break
        return limit

    def climb(self) -> None:
        search = self.search
        while (rate := search.next_rate()) is not None:
            limit = self._try(rate)
            if limit is Limit.BUDGET:
                break
            search.record(rate, limit)

    def confirm(self) -> tuple[float | None, Summary | None]:
        """The rate found, held for --capacity-confirm (three tries); with its summary."""
        search, self.last = self.search, None
        if search.good is None or search.stopped_by is Limit.ABORTED:
            return None, None
        limit = None
        for _attempt in range(3):
            rate = search.good
            name = f"confirm-{rate:.0f}rps"
            limit = self._judged(name, self.campaign, rate, self.config.confirm, False)
            if limit is None:
                return rate, self.last
            if self.stopped() or limit is Limit.ABORTED:
                search.stopped_by = Limit.ABORTED
                return None, self.last
            if limit is not Limit.GENERATOR:  # the generator's noise: the same again
                search.step_down()
        if limit is Limit.GENERATOR:
            search.stopped_by = limit  # no try held, and the last was the generator's
        return None, self.last


def find(
    config: SearchConfig, step: Step, campaign: str, budget: int, directory: Path,
    stopped: Stopped, host: str,
) -> int:  # fmt: skip
    """The whole search, its report in `directory`; the exit code."""
    print(
        f"okroute-load: capacity search against {host}: from {config.start:g}/s times "
        f"{config.factor:g} up to {config.ceiling:g}/s, {format_duration(config.step)} a step, "
        f"confirmed for {format_duration(config.confirm)}; message budget {budget} numbers; "
        f"report {directory / 'index.html'}",
        flush=True,
    )
    runner = Runner(config, step, campaign, Spent(budget), stopped)
    runner.climb()
    confirmed, last = runner.confirm()
    return write(directory, runner.search, confirmed, last, stopped())


def _verdict(
    stopped_by: Limit, confirmed: float | None, signal: str | None
) -> tuple[Outcome, str | None]:
    if signal or stopped_by is Limit.ABORTED:
        return Outcome.ABORTED, f"stopped by {signal or 'a signal'}"
    if stopped_by is Limit.GENERATOR:  # the generator's figure, not the platform's
        more = ": the platform holds at least this" if confirmed else ""
        return Outcome.INVALID, "the generator could not apply more" + more
    if confirmed is None:
        return Outcome.FAIL, "no rate held (even the first step, or the confirmation)"
    return Outcome.PASS, None


def write(
    directory: Path, search: Search, confirmed: float | None, last: Summary | None,
    signal: str | None,
) -> int:  # fmt: skip
    """The search's summary.json, chart and page; the exit code of its verdict."""
    stopped_by = search.stopped_by or Limit.STEPS
    summary = typed_summary(last) if last else CampaignSummary()
    summary.capacity = Capacity(
        capacity_rps=confirmed,
        stopped_by=str(stopped_by),
        steps=search.rows,
        config=vars(search.config),
    )
    verdict, why = _verdict(stopped_by, confirmed, signal)
    summary.verdict = str(verdict)
    if verdict is Outcome.ABORTED:
        summary.aborted_because = why
    if verdict is Outcome.INVALID:
        summary.invalid_because = [why]
    summary.campaign = summary.campaign or directory.name
    directory.mkdir(parents=True, exist_ok=True)
    report.capacity_chart(search.rows, directory)
    campaign_summary.write(directory, summary)
    page.write(directory, summary)
    junit.write_campaign(directory, summary)
    print(
        f"okroute-load: capacity {confirmed:.1f} requests/s"
        if confirmed
        else "okroute-load: no capacity found",
        f"(stopped by {stopped_by}) — {verdict} — {directory / 'index.html'}",
    )
    return EXIT_CODES[verdict]
