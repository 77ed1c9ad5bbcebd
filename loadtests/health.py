"""Is the generator itself the bottleneck? CPU, and achieved versus target rate, per process.

A run whose generator saturated measured the generator, not the platform: it is marked invalid
instead of being reported as the platform's figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CPU_SATURATED = 90.0  # percent of one core
CPU_SHARE = 0.2  # saturated when CPU is above the line this share of the run or more
LATE_AFTER = 0.01  # seconds after its due time that a send counts as late
LATE_SHARE = 0.05
ACHIEVED_SHARE = 0.95  # of the sends due, at least this many must have been attempted


@dataclass
class Health:
    """One generator process: CPU samples, and under the open model its schedule."""

    target_rps: float | None = None  # open model: this process's share of the arrival rate
    cpu: list[float] = field(default_factory=list)
    due: int = 0  # sends the schedule asked for
    sent: int = 0  # sends started
    late: int = 0  # started more than LATE_AFTER after they were due, for whatever reason
    behind: int = 0  # due times the generator itself reached late: its own lag, not the platform's
    dropped: int = 0  # not sent: too many requests already in flight
    held: int = 0  # not sent: the platform asked to wait (Retry-After)
    skipped: int = 0  # nothing to send: no ID waiting for a query, or the budget spent
    numbers: int = 0  # destination numbers submitted, counted against the message budget
    checked: int = 0  # answers run through every contract check
    answered: int = 0

    def snapshot(self) -> dict[str, Any]:
        return dict(vars(self))

    @staticmethod
    def assess(snapshot: dict[str, Any], seconds: float) -> dict[str, Any]:
        """Per-process figures and, if any, the reasons the process saturated."""
        cpu = sorted(snapshot["cpu"])
        reasons = []
        busy = sum(1 for c in cpu if c >= CPU_SATURATED)
        if cpu and busy >= CPU_SHARE * len(cpu):
            reasons.append(f"CPU at or above {CPU_SATURATED:g}% for {busy} of {len(cpu)} samples")
        if snapshot["target_rps"]:
            attempted = sum(snapshot[k] for k in ("sent", "dropped", "held", "skipped"))
            if snapshot["due"] and attempted < ACHIEVED_SHARE * snapshot["due"]:
                reasons.append(f"only {attempted} of {snapshot['due']} due sends were attempted")
            if snapshot["due"] and snapshot["behind"] > LATE_SHARE * snapshot["due"]:
                reasons.append(
                    f"the schedule ran late for {snapshot['behind']} of {snapshot['due']} sends"
                )
        return {
            "cpu_p50": cpu[len(cpu) // 2] if cpu else None,
            "cpu_max": cpu[-1] if cpu else None,
            "target_rps": snapshot["target_rps"],
            "achieved_rps": round(snapshot["sent"] / seconds, 1) if seconds else None,
            "due": snapshot["due"],
            "sent": snapshot["sent"],
            "late": snapshot["late"],
            "generator_behind": snapshot["behind"],
            "dropped": snapshot["dropped"],
            "held_for_throttling": snapshot["held"],
            "numbers_submitted": snapshot["numbers"],
            "check_rate": round(snapshot["checked"] / snapshot["answered"], 4)
            if snapshot["answered"]
            else None,
            "saturated": reasons,
        }
