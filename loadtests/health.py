"""Did the generator apply the load it was asked for? CPU, and the fate of every due send.

A run whose generator saturated measured the generator, not the platform: it is marked invalid
instead of being reported as the platform's figure. Under the open model every due send ends one
way: sent (on time or late), dropped (too many requests in flight), held (the platform asked to
wait), skipped (nothing to send: no ID to query, or the budget spent), or never reached (the
generator fell behind its schedule). Dropped, late and held sends each make the run INVALID when
their share of the due sends is over its limit (`--max-dropped`, `--max-late`, `--max-held`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from loadtests.summary import ProcessFigures

CPU_SATURATED = 90.0  # percent of one core
CPU_SHARE = 0.2  # saturated when CPU is above the line this share of the run or more
LAG_SATURATED = 0.2  # seconds an event-loop wake-up may be late before the generator is starved
LAG_SHARE = 0.2  # saturated when the loop is that late this share of the samples or more
LATE_AFTER = 0.01  # seconds after its due time that a send counts as late
BEHIND_AFTER = 0.1  # seconds late that a send the generator reached late counts against it
DEFAULT_LIMITS = {"dropped": 0.01, "late": 0.05, "held": 0.05}
SLACK = 5  # sends (or lag samples): below this many, a share over its limit is noise


@dataclass
class Health:
    """One generator process: CPU samples, and under the open model its schedule."""

    target_rps: float | None = None  # open model: this process's share of the arrival rate
    load_from: float | None = None  # wall clock of the first send or schedule: the window opens
    cpu: Counter[int] = field(default_factory=Counter)  # whole percent -> samples: fixed size
    lag: Counter[int] = field(default_factory=Counter)  # event-loop lag, 10 ms steps -> samples
    due: int = 0  # sends the schedule asked for by now
    started: int = 0  # sends started
    sent: int = 0  # sends answered (or failed in transport)
    late: int = 0  # started more than LATE_AFTER after they were due, for whatever reason
    behind: int = 0  # due times the generator reached over BEHIND_AFTER late: its own lag
    dropped: int = 0  # not sent: too many requests already in flight
    held: int = 0  # not sent: the platform asked to wait (Retry-After)
    skipped: int = 0  # nothing to send: no ID waiting for a query, or the budget spent
    numbers: int = 0  # destination numbers submitted, counted against the message budget
    checked: int = 0  # answers run through every contract check
    answered: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.cpu, Counter):  # a list of samples, as tests write them
            self.cpu = Counter(round(c) for c in self.cpu)

    def sample_cpu(self, percent: float) -> None:
        self.cpu[round(percent)] += 1

    def sample_lag(self, seconds: float) -> None:
        self.lag[min(100, max(0, int(seconds * 100))) * 10] += 1

    def snapshot(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["cpu"] = {str(k): v for k, v in self.cpu.items()}
        data["lag"] = {str(k): v for k, v in self.lag.items()}
        return data

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> Health:
        """A process's health as `snapshot` shipped it (CPU and lag keys back to numbers)."""
        health = cls(**{k: v for k, v in snapshot.items() if k not in ("cpu", "lag")})
        health.cpu = Counter({int(k): v for k, v in snapshot["cpu"].items()})
        health.lag = Counter({int(k): v for k, v in snapshot.get("lag", {}).items()})
        return health

    @staticmethod
    def assess(
        snapshot: dict[str, Any], seconds: float, limits: dict[str, float] | None = None
    ) -> ProcessFigures:
        """Per-process figures and, if any, the reasons the process did not apply the load."""
        h = Health.from_snapshot(snapshot)
        started = max(h.started, h.sent)
        never = max(0, h.due - started - h.dropped - h.held - h.skipped)
        late = h.behind + never
        ordered = sorted(h.cpu.elements())
        lags = sorted(h.lag.elements())
        return ProcessFigures(
            loop_lag_p50_ms=lags[len(lags) // 2] if lags else None,
            loop_lag_max_ms=lags[-1] if lags else None,
            cpu_p50=ordered[len(ordered) // 2] if ordered else None,
            cpu_max=ordered[-1] if ordered else None,
            target_rps=h.target_rps,
            achieved_rps=round(started / seconds, 1) if seconds else None,
            due=h.due,
            sent=h.sent,
            late=h.late,
            generator_behind=late,
            reached_late=h.behind,  # the generator's own stalls, without the never reached
            dropped=h.dropped,
            held_for_throttling=h.held,
            skipped=h.skipped,
            numbers_submitted=h.numbers,
            check_rate=round(h.checked / h.answered, 4) if h.answered else None,
            saturated=h._starved() + h._behind(late, DEFAULT_LIMITS | (limits or {})),
        )

    def _starved(self) -> list[str]:
        """Why the process was short of CPU: busy itself, or its event loop woken late."""
        reasons = []
        samples = sum(self.cpu.values())
        busy = sum(n for c, n in self.cpu.items() if c >= CPU_SATURATED)
        if samples and busy >= CPU_SHARE * samples:
            reasons.append(f"CPU at or above {CPU_SATURATED:g}% for {busy} of {samples} samples")
        lag = self.lag
        starved = sum(n for ms, n in lag.items() if ms >= LAG_SATURATED * 1000)
        if lag and starved >= max(LAG_SHARE * sum(lag.values()), SLACK):
            reasons.append(
                f"the generator's event loop woke {LAG_SATURATED * 1000:.0f} ms or more late in "
                f"{starved} of {sum(lag.values())} samples: it was saturated or starved of CPU"
            )
        return reasons

    def _behind(self, late: int, limits: dict[str, float]) -> list[str]:
        """Open model: the due sends dropped, late or held beyond their limits."""
        due = self.due
        if not (self.target_rps and due):
            return []
        reasons = []
        for kind, count, why in (
            ("dropped", self.dropped, "dropped: too many requests in flight"),
            ("late", late, "started late or never: the generator fell behind its schedule"),
            ("held", self.held, "held back by throttling: the platform refused the rate"),
        ):
            if count > max(limits[kind] * due, SLACK):
                reasons.append(
                    f"{count} of {due} due sends ({count / due:.1%}) were {why} "
                    f"(limit {limits[kind]:.0%}, --max-{kind})"
                )
        return reasons
