"""`contract-results.json`, typed: what a contract run leaves for machines, as a dataclass.

The recorder writes it through `ContractResults` (`contracts.recorder`), and tools that read a
run (okroute-verify) read it back through `read`, field by field: no reader names a key. Its JSON
Schema ships as `contracts/schemas/contract-results.json` (`python -m contracts.results`
writes it; a test keeps it equal to what this module builds). Parts whose keys are data (rules,
checks, variants, MAY points) are maps; every fixed key at the top is a field here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.invoke import RESULTS as FILENAME
from contracts.records import SCHEMAS as SCHEMAS  # where the schema ships
from contracts.records import Document, Record

SCHEMA_FILE = "contract-results.json"
# What a verdict keeps of a run (okroute-verify's `contract`).
HEADLINE = ("failed_rules", "warned_rules", "duration_s", "exchanges", "sent_numbers")


@dataclass
class ContractResults(Record):
    mode: str = ""  # "live" or "offline"
    seed: str = ""  # the Hypothesis seed, or why there is none (live)
    hypothesis_profile: str = ""
    sent_numbers: int = 0  # destination numbers the platform accepted
    at_risk_numbers: int = 0  # destination numbers that might have been sent
    budget: dict[str, Any] = field(default_factory=dict)  # the plan and its phases
    exit_code: int = 0
    not_run: list[str] = field(default_factory=list)  # tests a stopped run did not get to
    unchecked: list[dict[str, str]] = field(default_factory=list)  # rule, check
    # `contracts.known`'s report: known, expired and stale findings (None: no findings file)
    known_findings: dict[str, Any] | None = None
    duration_s: float = 0.0
    exchanges: int = 0
    failed_rules: list[str] = field(default_factory=list)
    first_failure_s: dict[str, float] = field(default_factory=dict)  # rule -> seconds in
    warned_rules: list[str] = field(default_factory=list)
    violation_counts: dict[str, int] = field(default_factory=dict)  # check -> violations
    violations: list[dict[str, Any]] = field(default_factory=list)  # the first of each check
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # check -> rule, variants
    push_checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # check -> outcomes
    pushes_judged: int = 0
    judged_by: dict[str, list[str]] = field(default_factory=dict)  # rule -> tests
    observations: dict[str, dict[str, int]] = field(default_factory=dict)  # MAY point answers
    skips: list[str] = field(default_factory=list)
    unjudged: dict[str, str] = field(default_factory=dict)  # test -> why it judged nothing
    stopped: str | None = None  # why the run stopped early
    aging: dict[str, Any] | None = None  # the time phase (`contracts.aging`)

    def headline(self) -> dict[str, Any]:
        """What a verdict keeps of the run (okroute-verify's `contract`)."""
        return {name: getattr(self, name) for name in HEADLINE}

    def judged_rules(self) -> set[str]:
        """Every rule a check of the run judged, of requests or of pushes."""
        checks = [*self.checks.values(), *self.push_checks.values()]
        return {c["rule"] for c in checks}


DOCUMENT = Document(
    ContractResults,
    FILENAME,
    SCHEMA_FILE,
    "okroute contract run results (contract-results.json)",
    "What one run of the contract suite checked, failed, sent and observed.",
)
schema = DOCUMENT.schema


def read(reports: Path) -> ContractResults | None:
    """What a run wrote in `reports`, or None when it did not get as far as writing it."""
    return DOCUMENT.read(reports) if (reports / FILENAME).exists() else None


def typed_results(results: ContractResults | dict[str, Any]) -> ContractResults:
    """Results as the dataclass, from a dict checked against the types if need be."""
    return DOCUMENT.typed(results)


if __name__ == "__main__":
    sys.exit(DOCUMENT.ship())
