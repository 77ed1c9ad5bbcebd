"""A verification's `junit.xml`: one test case per phase, contract rule, changed fingerprint
point, known finding and load gate, each failing with the reason the verdict gives.

A FAIL reason is a `failure`; a WARN reason passes with the warning as its output (a CI server
shows it, the job stays green, as okroute-verify's exit code 0 says); what was not judged (a rule
left unchecked within the budget, a load smoke not run, an accepted known finding) is `skipped`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from contracts.results import ContractResults, typed_results
from loadtests.junit import FILE, Case, campaign_cases, write
from loadtests.summary import CampaignSummary, typed_summary
from okroute_verify.compare import Difference

SUITE = "okroute-verify"
PHASE, RULE, POINT, KNOWN, LOAD = (f"{SUITE}.{part}" for part in (
    "phase", "contract", "fingerprint", "known", "load",
))  # fmt: skip


def _phases(
    results: ContractResults,
    prints: dict[str, str],
    load: CampaignSummary | None,
    notes: list[str],
) -> list[Case]:
    failed = results.failed_rules
    code = results.exit_code
    contract = None
    if failed:
        contract = f"{len(failed)} contract rule(s) failed: {', '.join(failed)}"
    elif code not in (0, 1, 3):
        contract = f"the contract suite ended with exit code {code}"
    probed = [p for p, answer in prints.items() if not answer.startswith("not probed")]
    cases = [
        Case("contract suite", PHASE, failure=contract, kind="contract", time=results.duration_s),
        Case(
            "behaviour fingerprint",
            PHASE,
            output=f"{len(probed)} of {len(prints)} MAY points probed",
        ),
    ]
    if load is None:
        why = "; ".join(n for n in notes if "load" in n) or "not run (--skip-load)"
        cases.append(Case("load smoke", PHASE, skipped=why))
    else:
        breached = [s.line for s in load.slo if not s.passed]
        cases.append(Case(
            "load smoke", PHASE, failure="; ".join(breached) or None, kind="SLO breached",
            output=f"{load.verdict}: {load.load or ''}", time=float(load.duration_s or 0),
        ))  # fmt: skip
    return cases


def _first_problem(results: ContractResults, rule: str) -> str:
    for violation in results.violations:
        if (
            violation["rule"] == rule
            and not violation.get("warning")
            and not violation.get("known")
        ):
            return f": {violation['problem']} ({violation['variant']}, {violation['test']})"
    return ""


def _rules(results: ContractResults, new: set[str]) -> list[Case]:
    """One case per contract rule the run judged, failed, lowered, accepted or left unchecked."""
    judged = results.judged_rules()
    failed, warned = set(results.failed_rules), set(results.warned_rules)
    known = {e["rule"]: e for e in (results.known_findings or {}).get("known", [])}
    unchecked = {u["rule"]: u["check"] for u in results.unchecked}
    cases = []
    for rule in sorted(judged | failed | warned | set(known) | set(unchecked)):
        since = " (new since the baseline)" if rule in new else ""
        if rule in failed:
            reason = f"contract rule {rule} failed{since}{_first_problem(results, rule)}"
            cases.append(Case(rule, RULE, failure=reason, kind="contract rule failed"))
        elif rule in known:
            entry = known[rule]
            cases.append(
                Case(rule, RULE, skipped=f"known finding {entry['label']}: {entry['reason']}")
            )
        elif rule in warned:
            cases.append(Case(rule, RULE, output=f"WARN: contract rule {rule} failed (lowered)"))
        elif rule in judged:
            cases.append(Case(rule, RULE))
        else:
            cases.append(Case(rule, RULE, skipped=f"not checked ({unchecked[rule]})"))
    return cases


def _known(results: ContractResults) -> list[Case]:
    found = results.known_findings or {}
    cases = [
        Case(
            f"known finding {e['label']}",
            KNOWN,
            failure=f"known finding {e['label']} expired on {e['expires']}: renew it or remove it",
            kind="known finding expired",
        )
        for e in found.get("expired", [])
    ]
    cases += [
        Case(
            f"known finding {e['label']}",
            KNOWN,
            output=f"WARN: known finding {e['label']} no longer fails: remove it from the file",
        )
        for e in found.get("stale", [])
    ]
    return cases


def _difference(difference: Difference, classname: str) -> Case:
    line = difference.line()
    if difference.severity == "fail":
        return Case(difference.subject, classname, failure=line, kind=f"{difference.kind} changed")
    return Case(difference.subject, classname, output=f"WARN: {line}")


def cases(
    summary: dict[str, Any],
    results: ContractResults | dict[str, Any],
    prints: dict[str, str],
    load: CampaignSummary | dict[str, Any] | None,
    differences: list[Difference],
) -> list[Case]:
    """Every case of a verification; `summary` is its verdict (as written), `results` the
    contract run's and `load` the load smoke's summary (typed, or as read)."""
    results = typed_results(results)
    load = typed_summary(load) if load is not None else None
    new = {d.subject for d in differences if d.kind == "contract"}
    out = _phases(results, prints, load, [r for r in summary.get("reasons", [])])
    out += _rules(results, new)
    out += [_difference(d, POINT) for d in differences if d.kind in ("fingerprint", "knob")]
    out += _known(results)
    if load is not None:  # an invalid load smoke is a warning of the verdict, not a failure
        out += [
            replace(c, failure=None, output=f"WARN: the load smoke is invalid: {c.failure}")
            if c.kind == "INVALID" and c.failure
            else c
            for c in campaign_cases(load, LOAD)
        ]
    out += [_difference(d, LOAD) for d in differences if d.kind in ("latency", "throughput")]
    return out


def write_verification(
    directory: Path,
    summary: dict[str, Any],
    results: ContractResults | dict[str, Any],
    prints: dict[str, str],
    load: CampaignSummary | dict[str, Any] | None,
    differences: list[Difference],
) -> Path:
    """`junit.xml` beside verdict.json."""
    return write(
        directory / FILE,
        f"{SUITE} {directory.name}",
        cases(summary, results, prints, load, differences),
        seconds=float(summary.get("seconds") or 0.0),
        properties={"verdict": summary["verdict"], "profile": str(summary.get("profile", ""))},
    )
