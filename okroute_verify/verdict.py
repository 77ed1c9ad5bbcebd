"""`verdict.json`, typed: okroute-verify's verdict as dataclasses, with its JSON Schema shipped as
`contracts/schemas/verify-verdict.json` (`python -m okroute_verify.verdict` writes it; a test
keeps it equal to what this module builds). Made and read the way `loadtests.summary` makes
summary.json."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.records import SCHEMAS as SCHEMAS  # where the schema ships
from contracts.records import Document, Record

FILENAME = "verdict.json"
SCHEMA_FILE = "verify-verdict.json"


@dataclass
class PhaseBudget:
    need: int  # numbers its cheapest plan puts at risk
    share: int  # numbers it may put at risk
    at_risk: int
    sent: int


@dataclass
class Budget:
    total: int
    used: int
    at_risk: int
    sent: int
    phases: dict[str, PhaseBudget]  # by phase


@dataclass
class VerifyVerdict(Record):
    verdict: str  # PASS, WARN or FAIL
    reasons: list[str]
    target: dict[str, str]  # transport -> base URL
    profile: str
    baseline: str | None
    started: str  # ISO 8601, UTC
    seconds: float
    budget: Budget
    contract: dict[str, Any]  # failed_rules, warned_rules, duration_s, exchanges, sent_numbers
    fingerprint: dict[str, str]  # MAY point -> what the platform did
    load: dict[str, Any] | None  # the load smoke's figures as the baseline keeps them
    differences: list[dict[str, str]]  # from the baseline: kind, subject, severity, line, ...
    # contracts.known's report: known, expired and stale findings (None: no findings file)
    known_findings: dict[str, Any] | None = None


DOCUMENT = Document(
    VerifyVerdict,
    FILENAME,
    SCHEMA_FILE,
    "okroute-verify verdict (verdict.json)",
    "The verdict of one okroute-verify run: its reasons, budget and differences.",
)
schema = DOCUMENT.schema


def read(path: Path) -> VerifyVerdict:
    """verdict.json (or a report folder holding it), typed."""
    return DOCUMENT.read(path)


if __name__ == "__main__":
    sys.exit(DOCUMENT.ship())
