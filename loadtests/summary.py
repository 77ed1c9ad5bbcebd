"""`summary.json`, typed: the one module that writes a campaign's summary and reads it back.

The dataclasses below are the file's shape (`contracts.records` reads and writes them);
`schema()` derives its JSON Schema from them, shipped as
`contracts/schemas/campaign-summary.json` for users who read summary.json in their own tools
(`python -m loadtests.summary` writes it; a test keeps it equal to what this module builds and
validates a real summary against it). Figures whose keys are data (request groups, scopes,
percentiles, rules) are maps; every fixed key is a field here: a process's figures, a capacity
step, the push section and its counters too, so no other module names a key of the file.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.records import ABSENT_WHEN_NONE, Document, Record
from contracts.records import SCHEMAS as SCHEMAS  # where the schema ships

FILENAME = "summary.json"
SCHEMA_FILE = "campaign-summary.json"
Percentiles = dict[str, float]  # "p50", "p99.9", "min", "max", "avg" -> milliseconds


@dataclass
class ScopeFigures:
    count: int
    rps: float = 0.0
    errors: float = 0.0  # share of answers that broke a rule
    throttled: float = 0.0  # share of answers that were throttling
    failures_by_rule: dict[str, int] = field(default_factory=dict)
    latency_ms: Percentiles | None = None
    corrected_latency_ms: Percentiles | None = None


@dataclass
class GroupFigures:
    count: int
    rps: float = 0.0
    latency_ms: Percentiles | None = None
    corrected_latency_ms: Percentiles | None = None
    failures_by_rule: dict[str, int] = field(default_factory=dict)
    throttled: int = 0  # answers


@dataclass
class Delivery:
    count: int  # final statuses polled
    latency_ms: Percentiles | None = None
    finals: dict[str, float] = field(default_factory=dict)  # status -> share
    abandoned: int = 0


@dataclass
class ProcessFigures:
    """`health.Health.assess`: one generator process's figures (defaults: nothing counted)."""

    loop_lag_p50_ms: int | None = None
    loop_lag_max_ms: int | None = None
    cpu_p50: int | None = None  # percent of one core
    cpu_max: int | None = None
    target_rps: float | None = None  # open model: its share of the arrival rate
    achieved_rps: float | None = None
    due: int = 0
    sent: int = 0
    late: int = 0
    generator_behind: int = 0  # reached over BEHIND_AFTER late, or never reached
    reached_late: int = 0  # the generator's own stalls, without the never reached
    dropped: int = 0
    held_for_throttling: int = 0
    skipped: int = 0
    numbers_submitted: int = 0
    check_rate: float | None = None  # answers run through every contract check
    saturated: list[str] = field(default_factory=list)  # why it did not apply the load


@dataclass
class Generator:
    processes: list[ProcessFigures]  # one per generator process
    saturated: bool = False

    def total(self, pick: Callable[[ProcessFigures], float | None]) -> float:
        """A figure summed over every process (a process without it counts 0)."""
        return sum(pick(p) or 0 for p in self.processes)


@dataclass
class SloLine:
    threshold: str
    passed: bool
    value: float | None = None  # None: its scope saw no data
    line: str = ""


@dataclass
class CapacityStep:
    """`capacity.step_row`: one step of the capacity search."""

    name: str
    rate: float  # the target rate, requests/s
    achieved_rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: float = 0.0
    throttled: float = 0.0  # share, sends held back by a Retry-After included
    held: int = 0
    numbers: int = 0
    limit: str | None = None  # what stopped it (`capacity.Limit`); None: it held
    overhead_s: float | None = None  # the step's time beside its load


@dataclass
class Capacity:
    capacity_rps: float | None
    stopped_by: str
    steps: list[CapacityStep]  # each step run
    config: dict[str, Any]


@dataclass
class PushCounts:
    """A push book's counters, each a number of pushes unless it says messages."""

    messages: int = 0  # messages submitted (numbers x submits)
    with_final: int = 0  # messages that got a push of a final status
    missing: int = 0  # messages that got none by the end of the grace period
    pushes: int = 0  # DLR pushes matched to this run's messages
    duplicates: int = 0  # a status pushed again for the same message
    out_of_order: int = 0  # a status behind one already pushed (ACCEPTD after DELIVRD)
    final_changed: int = 0  # a final status after a different final status
    bad_format: int = 0  # a documented format broken (§7 MUST)
    bad_status: int = 0  # not one of the nine statuses
    foreign: int = 0  # pushed to another account's URL
    password: int = 0  # carrying the account's password
    unknown: int = 0  # for an ID this run never submitted
    mo: int = 0  # MO pushes
    polled_compared: int = 0  # IDs whose final status both a push and a query showed
    let_go: int = 0  # messages not followed any more (pushbook.MAX_MESSAGES)

    def update(self, counts: Mapping[str, int]) -> None:
        """Add `counts` (counter -> count), as `Counter.update` does; an unknown counter fails."""
        for name, count in counts.items():
            setattr(self, name, getattr(self, name) + count)

    @classmethod
    def names(cls) -> list[str]:
        """The counters alone (asked of `PushFigures` too, not its other figures)."""
        return [f.name for f in dataclasses.fields(PushCounts)]


@dataclass
class PushFigures(PushCounts):
    """`pushbook.PushBook.figures`: a book's counters, latency and per-message figures."""

    missing_share: float = 0.0
    latency_ms: Percentiles | None = None  # submit to the first push of a final status
    latency_ms_by_status: dict[str, Percentiles | None] = field(default_factory=dict)
    pushes_per_message: dict[str, int] = field(default_factory=dict)  # pushes -> messages
    push_and_poll_disagree: dict[str, int] = field(default_factory=dict)  # how -> IDs


@dataclass
class PushSection(PushFigures):
    """`pushclient.collect`: the push section of summary.json, every generator's book merged."""

    received: int = 0
    grace_waited_s: float = 0.0
    by_generator: dict[str, PushFigures] = field(default_factory=dict)


@dataclass
class PushError:
    """The push section when the receiver gave no figures."""

    error: str


@dataclass
class CampaignSummary(Record):
    # "all" and each command; None: no data
    scopes: dict[str, ScopeFigures | None] = field(default_factory=dict)
    groups: dict[str, GroupFigures] = field(default_factory=dict)
    generator: Generator = field(default_factory=lambda: Generator([]))
    verdict: str = ""  # outcome.Outcome, once judged
    slo: list[SloLine] = field(default_factory=list)
    campaign: str | None = None
    started: str | None = None  # ISO 8601, UTC
    target: dict[str, str] | None = None  # transport -> base URL
    model: str | None = None
    arrival: str | None = None
    users: int | None = None
    load: str | None = None
    run_time_s: float | None = None
    processes: int | None = None
    mix: dict[str, float] | None = None
    variants: dict[str, float] | None = None
    transports: dict[str, float] | None = None
    messages: dict[str, float] | None = None
    check_rate: float | None = None
    max_messages: int | None = None
    slos: list[str] = field(default_factory=list)
    duration_s: float | None = None  # the load window every rate is taken over
    valid: bool = True
    invalid_because: list[str] = field(default_factory=list)
    delivery: Delivery | None = None
    # the push receiver's figures; absent when no receiver took part
    push: PushSection | PushError | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    slo_judged_on: str | None = None
    warnings: list[str] = field(default_factory=list)
    aborted_because: str | None = None
    capacity: Capacity | None = field(default=None, metadata=ABSENT_WHEN_NONE)  # --find-capacity
    wall_s: float | None = None  # okroute-load's own time, start to end
    overhead_s: float | None = None  # wall time less the load window


def write(directory: Path, summary: CampaignSummary | dict[str, Any]) -> Path:
    """The summary as summary.json in `directory`; a dict is checked against the types first."""
    summary = typed_summary(summary)
    path = directory / FILENAME
    path.write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    return path


DOCUMENT = Document(
    CampaignSummary,
    FILENAME,
    SCHEMA_FILE,
    "okroute-load campaign summary (summary.json)",
    "The figures, SLO verdicts and verdict of one okroute-load campaign.",
)
schema = DOCUMENT.schema


def typed_summary(summary: CampaignSummary | dict[str, Any]) -> CampaignSummary:
    """A summary as the dataclass, from a dict checked against the types if need be."""
    return DOCUMENT.typed(summary)


def read(path: Path) -> CampaignSummary:
    """summary.json (or a campaign folder holding it), typed."""
    return DOCUMENT.read(path)


def stamp_overhead(directory: Path, wall: float) -> CampaignSummary | None:
    """Record a run's wall time and its overhead (wall time less the load window)."""
    if not (directory / FILENAME).exists():
        return None
    summary = read(directory)
    summary.wall_s = round(wall, 3)
    summary.overhead_s = round(wall - (summary.duration_s or 0.0), 3)
    write(directory, summary)
    return summary


if __name__ == "__main__":
    sys.exit(DOCUMENT.ship())
