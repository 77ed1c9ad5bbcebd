"""Known findings: failures a carrier accepted (reported to its vendor), listed with an expiry.

    [[finding]]
    rule = "submit.gsm7-segments"                      # the contract rule (required)
    test = "test_1_boundaries.py::test_segment_counts"  # optional: one test (node ID, its
                                                       #   tail, or the function's name)
    variant = "GET http"                               # optional: one request variant
    reason = "the vendor counts an extension character once; fix promised in 4.2"
    ticket = "VENDOR-1234"
    expires = 2027-03-31                               # a TOML date

Read by the contract suite (`--okroute-known FILE`, or `[checks] known` of the profile, which is
how okroute-verify passes it on). As Schemathesis's baseline of known failures: a failure it
lists is reported as known, not failing; a new failure still fails. Further: every finding has a
ticket and an expiry date. An expired finding excuses nothing and fails the run, so that it is
looked at again; a finding whose rule (and test) was judged and did not fail is reported as
stale, so the file shrinks once the vendor's fix ships.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from okroute_model.rules import RULES

REQUIRED = ("rule", "reason", "ticket", "expires")
OPTIONAL = ("test", "variant")


class KnownError(ValueError):
    """The file of known findings cannot be used: one line why."""


@dataclass(frozen=True)
class Finding:
    rule: str
    reason: str
    ticket: str
    expires: dt.date
    test: str | None = None
    variant: str | None = None

    def matches(self, rule: str, test: str, variant: str | None) -> bool:
        if rule != self.rule:
            return False
        if self.variant is not None and variant != self.variant:
            return False
        return self.test is None or test_matches(self.test, test)

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def label(self) -> str:
        where = "".join(f" {part}" for part in (self.test, self.variant) if part)
        return f"{self.rule}{where} ({self.ticket}, until {self.expires.isoformat()})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "test": self.test,
            "variant": self.variant,
            "reason": self.reason,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
            "label": self.label(),
        }


def test_matches(wanted: str, nodeid: str) -> bool:
    """A finding's test names a node ID, its tail (`file.py::test`) or the function's name."""
    name = nodeid.rsplit("::", 1)[-1]
    unparametrized = nodeid.split("[", 1)[0]
    return wanted in (nodeid, name, name.split("[", 1)[0]) or any(
        n.endswith(f"/{wanted}") or n.endswith(f"::{wanted}") for n in (nodeid, unparametrized)
    )


def _finding(entry: Any, where: str) -> Finding:
    if not isinstance(entry, dict):
        raise KnownError(f"{where}: a finding is a table ([[finding]])")
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    missing = [k for k in REQUIRED if not entry.get(k)]
    if unknown or missing:
        problem = f"unknown key(s) {sorted(unknown)}" if unknown else f"missing {missing}"
        raise KnownError(f"{where}: {problem}; a finding has {', '.join(REQUIRED + OPTIONAL)}")
    if entry["rule"] not in RULES:
        raise KnownError(f"{where}: unknown rule {entry['rule']!r}")
    expires = entry["expires"]
    if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
        raise KnownError(f"{where}: expires is a TOML date, e.g. expires = 2027-03-31")
    for key in ("reason", "ticket", *OPTIONAL):
        if key in entry and not isinstance(entry[key], str):
            raise KnownError(f"{where}: {key} is a string")
    return Finding(
        entry["rule"], entry["reason"], entry["ticket"], expires, entry.get("test"),
        entry.get("variant"),
    )  # fmt: skip


def load(path: str | Path) -> list[Finding]:
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise KnownError(f"known findings {path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise KnownError(f"known findings {path}: not valid TOML: {exc}") from None
    extra = set(data) - {"finding"}
    if extra:
        raise KnownError(
            f"known findings {path}: unknown table(s) {sorted(extra)}; use [[finding]]"
        )
    entries = data.get("finding", [])
    return [_finding(e, f"known findings {path} finding {i + 1}") for i, e in enumerate(entries)]


@dataclass
class Ledger:
    """The run's findings and what became of each: matched, expired, stale."""

    findings: list[Finding]
    today: dt.date = field(default_factory=dt.date.today)
    matched: Counter[int] = field(default_factory=Counter)  # finding index -> failures excused
    expired_hits: Counter[int] = field(default_factory=Counter)  # failures an expired one named

    def find(self, rule: str, test: str, variant: str | None) -> tuple[int, Finding] | None:
        for index, finding in enumerate(self.findings):
            if finding.matches(rule, test, variant):
                return index, finding
        return None

    def covers(self, rule: str, test: str, variant: str | None) -> Finding | None:
        """The finding that excuses this failure: listed and not expired; else None."""
        found = self.find(rule, test, variant)
        if found is None or found[1].expired(self.today):
            return None
        return found[1]

    def excuse(self, rule: str, test: str, variant: str | None) -> Finding | None:
        """As `covers`, and counted: a failure seen by a check."""
        found = self.find(rule, test, variant)
        if found is None:
            return None
        index, finding = found
        if finding.expired(self.today):
            self.expired_hits[index] += 1
            return None
        self.matched[index] += 1
        return finding

    def expired(self) -> list[Finding]:
        return [f for f in self.findings if f.expired(self.today)]

    def report(self, judged_rules: set[str], ran: list[str]) -> dict[str, list[dict[str, Any]]]:
        """`known` excused failures; `expired` fail the run; `stale`: judged and not failing."""
        known, expired, stale, unjudged = [], [], [], []
        for index, finding in enumerate(self.findings):
            entry = finding.as_dict()
            judged = finding.rule in judged_rules and (
                finding.test is None or any(test_matches(finding.test, t) for t in ran)
            )
            if finding.expired(self.today):
                expired.append(entry | {"still_fails": bool(self.expired_hits[index])})
            elif self.matched[index]:
                known.append(entry | {"failures": self.matched[index]})
            elif judged:
                stale.append(entry)
            else:
                unjudged.append(entry)
        return {"known": known, "expired": expired, "stale": stale, "not_judged": unjudged}


def lines(report: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(level, line) for a person: KNOWN, EXPIRED (fails the run), STALE (remove it)."""
    out = []
    for entry in report.get("known", []):
        out.append(("known", f"KNOWN finding {entry['label']}: {entry['reason']}"))
    for entry in report.get("expired", []):
        still = "still fails" if entry["still_fails"] else "no longer fails"
        out.append((
            "expired",
            f"EXPIRED known finding {entry['label']} ({still}): renew its expiry with the "
            "vendor's new date, or remove it",
        ))  # fmt: skip
    for entry in report.get("stale", []):
        out.append(
            ("stale", f"STALE known finding {entry['label']}: it no longer fails; remove it")
        )
    return out


def verdict_lines(report: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """A release verdict's reasons from a run's known findings: (fail, warn). An expired one
    fails the release; a stale one is a warning; an accepted one is neither."""
    report = report or {}
    fail = [
        f"known finding {e['label']} expired on {e['expires']}: renew it or remove it"
        for e in report.get("expired", [])
    ]
    warn = [
        f"known finding {e['label']} no longer fails: remove it from the file"
        for e in report.get("stale", [])
    ]
    return fail, warn


# -- in a contract run (the pytest plugin's hooks call these) ---------------------------------

_LEDGER = pytest.StashKey[Ledger]()
_REPORT = pytest.StashKey[dict[str, Any]]()
OPTION = "--okroute-known"


def add_option(group: Any) -> None:
    group.addoption(
        OPTION,
        metavar="FILE",
        help="accepted findings (TOML: rule, optional test and variant, reason, ticket, "
        "expires): reported as known, not failing; an expired one fails the run "
        "(default: the profile's [checks] known)",
    )


def configure(
    config: pytest.Config, profile_known: str, profile_source: str, recorder: Any
) -> None:
    """Read the file (the option's, else the profile's, relative to the profile) and let the
    recorder excuse the failures it lists as they are seen."""
    path = config.getoption("okroute_known")
    if not path and profile_known:
        path = str(Path(profile_source).parent / Path(profile_known).expanduser())
    if not path:
        return
    try:
        ledger = Ledger(load(path))
    except KnownError as exc:
        raise pytest.UsageError(f"okroute: {exc}") from None
    config.stash[_LEDGER] = ledger
    recorder.known = ledger


def finish(session: pytest.Session, recorder: Any, status: int, failure: int) -> tuple[int, Any]:
    """The exit status (an expired finding fails the run) and the results' `known_findings`."""
    ledger = session.config.stash.get(_LEDGER, None)
    if ledger is None:
        return status, None
    ran = [item.nodeid for item in session.items]
    report = ledger.report(recorder.checked_rules(), ran)
    if report["expired"] and status != failure:
        status = failure
    session.config.stash[_REPORT] = report
    return status, report


def summary(terminalreporter: Any, config: pytest.Config) -> None:
    """KNOWN, EXPIRED and STALE lines at the end of the run."""
    colours = {"known": {"yellow": True}, "expired": {"red": True}, "stale": {"yellow": True}}
    for level, text in lines(config.stash.get(_REPORT, {})):
        terminalreporter.write_line(text, **colours[level])
