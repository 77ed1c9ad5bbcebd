"""While a campaign runs: the progress line a person follows, and the SLO abort rule.

The master (or a lone generator) keeps a live view: one latency book that worker deltas are added
to as they arrive, and each process's latest health. Every second the view is judged against the
SLOs that carry `abort-after`; every `--progress` it is printed: on one line rewritten in place in
a terminal, as plain lines in a CI log.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from loadtests import report
from loadtests.latency import LatencyBook, seconds_at
from loadtests.summary import CampaignSummary
from loadtests.thresholds import Threshold, judge
from okroute_model.units import format_duration


@dataclass
class View:
    """The figures of a run so far."""

    book: LatencyBook
    healths: list[dict[str, Any]]
    elapsed: float
    total: float
    corrected: bool
    budget: int

    def summary(self) -> CampaignSummary:
        return report.summarize(self.book, self.healths, max(self.elapsed, 1e-9))


def _sum(healths: list[dict[str, Any]], key: str) -> float:
    return sum(h.get(key) or 0 for h in healths)


def line(view: View, achieved: float, target: float | None) -> str:
    """`12s/30s  target 200/s  achieved 198/s  p50 1.2ms p99 8.0ms (corrected) ...`"""
    groups = list(view.book.groups.values())
    histogram = LatencyBook.combined(groups, corrected=view.corrected) or LatencyBook.combined(
        groups, corrected=False
    )
    count = sum(g.count for g in groups)
    failed = sum(g.failed for g in groups)
    throttled = sum(g.throttled for g in groups)
    parts = [f"{format_duration(round(view.elapsed))}/{format_duration(view.total)}"]
    parts.append(f"target {target:g}/s" if target else "closed model")
    parts.append(f"achieved {achieved:.0f}/s")
    if histogram is not None:
        kind = "corrected" if view.corrected and LatencyBook.combined(groups, True) else "raw"
        parts.append(
            f"p50 {seconds_at(histogram, 50) * 1000:.1f}ms "
            f"p99 {seconds_at(histogram, 99) * 1000:.1f}ms ({kind})"
        )
    parts.append(f"errors {failed / count if count else 0:.2%}")
    parts.append(f"throttled {throttled / count if count else 0:.2%}")
    parts.append(f"in flight {int(_sum(view.healths, 'started') - _sum(view.healths, 'sent'))}")
    numbers = int(_sum(view.healths, "numbers"))
    risk = ""
    if view.elapsed > 0 and numbers:
        projected = numbers / view.elapsed * view.total
        if projected > view.budget:
            left = (view.budget - numbers) / (numbers / view.elapsed)
            risk = f", runs out in ~{format_duration(max(1, round(left)))}"
    parts.append(f"budget {numbers}/{view.budget}{risk}")
    return "  ".join(parts)


class Console:
    """Progress on one rewritten line in a terminal, or as plain lines in a log."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.tty = self.out.isatty()
        self._open = False

    def show(self, text: str) -> None:
        if self.tty:
            self.out.write(f"\r\x1b[2K{text}")
            self._open = True
        else:
            self.out.write(f"okroute-load: {text}\n")
        self.out.flush()

    def done(self) -> None:
        if self._open:
            self.out.write("\n")
            self.out.flush()
            self._open = False


@dataclass
class AbortWatch:
    """SLOs with `abort-after`: the first breached without a break for that long stops the run."""

    thresholds: list[Threshold]
    since: dict[str, float] = field(default_factory=dict)  # threshold text -> breached since

    @property
    def active(self) -> bool:
        return any(t.abort_after is not None for t in self.thresholds)

    def check(self, now: float, values: Callable[[str, str], float | None]) -> str | None:
        """The reason to stop now, or None."""
        for threshold in self.thresholds:
            if threshold.abort_after is None:
                continue
            verdict = judge(threshold, values)
            if verdict.value is None or verdict.passed:  # no data yet is not a breach yet
                self.since.pop(threshold.text, None)
                continue
            since = self.since.setdefault(threshold.text, now)
            if now - since >= threshold.abort_after:
                return (
                    f"SLO {verdict.line()} for {format_duration(round(now - since, 1))} "
                    f"(abort-after {format_duration(threshold.abort_after)})"
                )
        return None
