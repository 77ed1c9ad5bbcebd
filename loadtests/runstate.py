"""One Locust process's state of a campaign, passed to the listeners and users that need it.

Made once at Locust's init from its parsed options: `run_time` (Locust's --run-time) is read
here and nowhere else, with the fallback each use needs named beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from loadtests.campaign import Campaign
from loadtests.latency import LatencyBook

# A campaign run without --run-time (plain Locust, stopped by hand) plans its schedule and its
# budget checks as if it ran this long.
UNTIMED_PLAN = 60.0


@dataclass
class RunState:
    run_time: float | None  # Locust's --run-time in seconds; None: until stopped
    campaign: Campaign | None = None  # a generator's part (not on a master)
    live: LatencyBook | None = None  # master: worker deltas, merged as they arrive
    healths: dict[str, dict[str, Any]] = field(default_factory=dict)  # master: latest per worker
    started: float = 0.0  # wall clock at test start
    stopped_at: float | None = None  # when the load window closed
    aborted: str | None = None  # why the run was stopped early
    stopping: bool = False
    final_asked: bool = False  # master: the workers were asked for their last figures
    final_pending: set[str] = field(default_factory=set)  # master: last figures still due
    final_missing: list[str] = field(default_factory=list)  # master: last figures never came
    metrics: Any = None  # loadtests.metrics.Exporter: --metrics-listen's live endpoint

    @classmethod
    def of(cls, parsed_options: Any) -> RunState:
        return cls(float(getattr(parsed_options, "run_time", None) or 0) or None)

    @property
    def planned(self) -> float:
        """The run's length to plan schedules and budgets for."""
        return self.run_time or UNTIMED_PLAN

    def start(self) -> None:
        self.started, self.stopped_at, self.stopping = time.time(), None, False

    def elapsed(self) -> float:
        return time.time() - self.started
