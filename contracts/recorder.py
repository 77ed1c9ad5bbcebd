"""What one contract run checked, through which variants, what failed, and what it observed.

Written at the end of the run to `reports/`: `contract-results.json` for machines (the fault
meta-test and okroute-verify read it) and `contract-coverage.md`, the table of which rules were
checked through which variants.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from contracts.failures import ContractViolation
from contracts.results import ContractResults
from okroute_model.may import MAY_POINTS
from okroute_model.push import PUSH_MAY_POINTS
from okroute_model.rules import RULES, Rule
from okroute_model.secrets import MASKER
from okroute_model.wire import ALL_VARIANTS, Variant

KEPT_PER_CHECK = 3  # detailed violations kept per check; all of them are counted


def unwritable(directory: Path) -> str | None:
    """Why reports could not be written under `directory`, or None; made nothing on the way."""
    for place in (directory, *directory.resolve().parents):
        if place.exists():
            if not place.is_dir():
                return f"{place} is not a folder"
            if not os.access(place, os.W_OK):
                return f"{place} is not writable"
            return None
    return None


class RunRecorder:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.current_test = ""
        # check -> variant -> outcome -> count
        self.coverage: dict[str, dict[str, Counter[str]]] = defaultdict(
            lambda: defaultdict(Counter)
        )
        self.check_rules: dict[str, str] = {}
        # rule -> the tests whose exchanges a check of it judged; lets a detection run send only
        # the tests that can see a fault of that rule.
        self.judged_by: dict[str, set[str]] = defaultdict(set)
        self.violations: list[dict[str, Any]] = []
        self.violation_counts: Counter[str] = Counter()
        self.first_failure: dict[str, float] = {}  # rule -> seconds into the run
        self.observations: dict[str, Counter[str]] = defaultdict(Counter)
        # push check -> outcome -> count; kept apart: a push is not sent through a variant
        self.push_coverage: dict[str, Counter[str]] = defaultdict(Counter)
        self.pushes_judged = 0
        self.skips: list[str] = []
        self.exchanges = 0  # requests sent and answered (or not)
        # Why the verdict is incomplete: cases not judged (budget, throttling), by test.
        self.unjudged: dict[str, str] = {}
        # Why the run stopped early (the platform went away or turned sick), and where.
        self.stopped: str | None = None
        self.stopped_at: str | None = None
        # The time phase (contracts.aging): its wait and the oldest ages it verified.
        self.aging: dict[str, Any] | None = None
        # Accepted findings (contracts.known.Ledger): a failure it lists is recorded as known.
        self.known: Any = None
        self.failed: set[str] = set()  # rules that failed, neither lowered nor known

    def not_judged(self, test: str, reason: str) -> None:
        self.skips.append(f"{test}: {reason}")
        self.unjudged.setdefault(test, reason)

    def stop(self, test: str, reason: str) -> None:
        if self.stopped is None:
            self.stopped, self.stopped_at = reason, test

    def checked_rules(self) -> set[str]:
        return set(self.check_rules.values())

    def _judged(self, check: str, rule: Rule) -> None:
        self.check_rules[check] = rule.name
        if self.current_test:  # what is judged outside a test (before the first) names none
            self.judged_by[rule.name].add(self.current_test)

    def checked(self, check: str, rule: Rule, variants: list[Variant], outcome: str) -> None:
        self._judged(check, rule)
        for variant in variants:
            self.coverage[check][variant.name][outcome] += 1

    def violated(self, violation: ContractViolation, warned: bool) -> bool:
        """Record a failure; True when a known finding excuses it (the check then raises not)."""
        key = violation.check
        self.violation_counts[key] += 1
        finding = None
        if self.known is not None and not warned:
            variant = violation.exchanges[0].variant.name
            finding = self.known.excuse(violation.rule.name, self.current_test, variant)
        if not warned and finding is None:
            self.failed.add(violation.rule.name)
            self.first_failure.setdefault(violation.rule.name, time.monotonic() - self.started)
        if self.violation_counts[key] <= KEPT_PER_CHECK:
            self.violations.append(
                {
                    "rule": violation.rule.name,
                    "level": str(violation.rule.level),
                    "check": key,
                    "warning": warned,
                    "known": finding.label() if finding is not None else None,
                    "test": self.current_test,
                    "problem": MASKER.mask(violation.message),
                    **violation.record_fields(),
                    "seconds": round(time.monotonic() - self.started, 3),
                }
            )
        return finding is not None

    def checked_push(self, check: str, rule: Rule, outcome: str, pushes: int) -> None:
        self._judged(check, rule)
        self.push_coverage[check][outcome] += 1
        self.pushes_judged = max(self.pushes_judged, pushes)

    def observe(self, point: str, answer: str) -> None:
        if point not in MAY_POINTS and point not in PUSH_MAY_POINTS:
            raise KeyError(f"unknown MAY point {point!r}")
        self.observations[point][MASKER.mask(answer)] += 1

    def failed_rules(self) -> list[str]:
        kept = {v["rule"] for v in self.violations if not v["warning"] and not v.get("known")}
        return sorted(self.failed | kept)

    def failed_variants(self) -> dict[str, set[str]]:
        """rule -> the variants through which a check of it saw a failure."""
        failed: dict[str, set[str]] = defaultdict(set)
        for check, per_variant in self.coverage.items():
            for variant, outcomes in per_variant.items():
                if outcomes["failed"]:
                    failed[self.check_rules[check]].add(variant)
        return failed

    def results(self, extra: dict[str, Any]) -> ContractResults:
        return ContractResults(
            **extra,
            duration_s=round(time.monotonic() - self.started, 3),
            exchanges=self.exchanges,
            failed_rules=self.failed_rules(),
            first_failure_s={k: round(v, 3) for k, v in sorted(self.first_failure.items())},
            warned_rules=sorted({v["rule"] for v in self.violations if v["warning"]}),
            violation_counts=dict(self.violation_counts),
            violations=self.violations,
            checks={
                check: {
                    "rule": self.check_rules[check],
                    "variants": {v: dict(c) for v, c in sorted(per_variant.items())},
                }
                for check, per_variant in sorted(self.coverage.items())
            },
            push_checks={
                check: {"rule": self.check_rules[check], "outcomes": dict(outcomes)}
                for check, outcomes in sorted(self.push_coverage.items())
            },
            pushes_judged=self.pushes_judged,
            judged_by={rule: sorted(tests) for rule, tests in sorted(self.judged_by.items())},
            observations={p: dict(c) for p, c in sorted(self.observations.items())},
            skips=self.skips,
            unjudged=self.unjudged,
            stopped=self.stopped,
            aging=self.aging,
        )

    def coverage_table(self) -> str:
        names = [v.name for v in ALL_VARIANTS]
        lines = [
            "# Contract coverage",
            "",
            "Each cell: exchanges checked through that variant (failed ones after the slash).",
            "",
            "| rule | level | check | " + " | ".join(names) + " |",
            "|---|---|---|" + "---|" * len(names),
        ]
        for check, per_variant in sorted(
            self.coverage.items(), key=lambda kv: self.check_rules[kv[0]]
        ):
            rule = RULES[self.check_rules[check]]
            cells = []
            for name in names:
                counts = per_variant.get(name, Counter())
                total = sum(counts.values())
                failed = counts["failed"]
                cells.append("-" if not total else f"{total}" + (f" / {failed}" if failed else ""))
            lines.append(f"| {rule.name} | {rule.level} | {check} | " + " | ".join(cells) + " |")
        if self.push_coverage:
            lines += ["", f"## Pushes ({self.pushes_judged} received)", ""]
            lines += ["| rule | level | check | runs | failed |", "|---|---|---|---|---|"]
            for check, outcomes in sorted(self.push_coverage.items()):
                rule = RULES[self.check_rules[check]]
                runs, failed = sum(outcomes.values()), outcomes["failed"]
                lines.append(f"| {rule.name} | {rule.level} | {check} | {runs} | {failed} |")
        unchecked = sorted(set(RULES) - set(self.check_rules.values()))
        if unchecked:
            lines += ["", "Rules not checked in this run: " + ", ".join(unchecked)]
        if self.observations:
            lines += ["", "## MAY points observed", ""]
            for point, answers in sorted(self.observations.items()):
                seen = "; ".join(f"{a} (x{n})" for a, n in answers.most_common(5))
                lines.append(f"- **{point}**: {seen}")
        return "\n".join(lines) + "\n"

    def write(self, directory: Path, extra: dict[str, Any]) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        results = directory / "contract-results.json"
        results.write_text(MASKER.mask(json.dumps(self.results(extra).to_dict(), indent=2)) + "\n")
        table = directory / "contract-coverage.md"
        table.write_text(MASKER.mask(self.coverage_table()))
        return [results, table]
