"""Verdicts a CI server shows: `junit.xml`, one test case per gate, the reason as the failure.

As Gatling exports its assertions: a campaign is a test suite, each SLO a test case that fails
with the breach as its message, and one case says whether the run itself is valid (a run that
measured its generator fails that case, not the SLOs'). The document follows the JUnit XML
format Jenkins, GitLab and GitHub's reporters read (Ant's: `testsuites`, `testsuite` with its
counts, `properties`, `testcase` with at most one `failure`, `error` or `skipped`, then
`system-out` and `system-err`). Every text passes the masker: nothing here is secret.
"""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.summary import CampaignSummary, typed_summary
from okroute_model.secrets import MASKER

FILE = "junit.xml"
LOAD_SUITE = "okroute-load"


@dataclass(frozen=True)
class Case:
    """One gate. At most one of failure, error, skipped; `output` is shown beside it."""

    name: str
    classname: str
    failure: str | None = None  # the gate did not hold: why
    error: str | None = None  # the run could not judge it (stopped early)
    skipped: str | None = None  # not judged (not run, or an accepted known finding): why
    output: str = ""  # a warning or the measured figure
    kind: str = ""  # the failure's type, e.g. "SLO breached"
    time: float = 0.0


def _text(value: str) -> str:
    return MASKER.mask(str(value))


def _testcase(parent: ET.Element, case: Case) -> None:
    element = ET.SubElement(
        parent,
        "testcase",
        name=_text(case.name),
        classname=_text(case.classname),
        time=f"{case.time:.3f}",
    )
    for tag, reason in (("failure", case.failure), ("error", case.error)):
        if reason is not None:
            child = ET.SubElement(element, tag, message=_text(reason), type=_text(case.kind or tag))
            child.text = _text(reason)
    if case.skipped is not None and case.failure is None and case.error is None:
        ET.SubElement(element, "skipped", message=_text(case.skipped))
    if case.output:
        ET.SubElement(element, "system-out").text = _text(case.output)


def document(
    suite: str,
    cases: list[Case],
    seconds: float = 0.0,
    properties: dict[str, str] | None = None,
    started: float | None = None,
) -> bytes:
    """The JUnit XML of one suite of `cases`."""
    counts = {
        "tests": len(cases),
        "failures": sum(c.failure is not None for c in cases),
        "errors": sum(c.error is not None and c.failure is None for c in cases),
        "skipped": sum(
            c.skipped is not None and c.failure is None and c.error is None for c in cases
        ),
    }
    root = ET.Element(
        "testsuites",
        name=_text(suite),
        time=f"{seconds:.3f}",
        **{k: str(v) for k, v in counts.items()},
    )
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started or time.time()))
    testsuite = ET.SubElement(
        root,
        "testsuite",
        name=_text(suite),
        timestamp=stamp,
        hostname=socket.gethostname() or "localhost",
        time=f"{seconds:.3f}",
        **{k: str(v) for k, v in counts.items()},
    )
    props = ET.SubElement(testsuite, "properties")
    for key, value in (properties or {}).items():
        ET.SubElement(props, "property", name=_text(key), value=_text(value))
    for case in cases:
        _testcase(testsuite, case)
    ET.SubElement(testsuite, "system-out")
    ET.SubElement(testsuite, "system-err")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write(path: Path, suite: str, cases: list[Case], **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(document(suite, cases, **kwargs))
    return path


def campaign_cases(
    summary: CampaignSummary | dict[str, Any], classname: str = LOAD_SUITE
) -> list[Case]:
    """A campaign's gates: the run's validity, its completion, then one case per SLO."""
    summary = typed_summary(summary)
    seconds = float(summary.duration_s or 0.0)
    cases = [
        Case(
            "the run is valid (the generator applied the load asked for)",
            f"{classname}.run",
            failure="; ".join(summary.invalid_because) if not summary.valid else None,
            kind="INVALID",
            output="\n".join(f"WARNING: {w}" for w in summary.warnings),
            time=seconds,
        )
    ]
    if summary.aborted_because:
        cases.append(
            Case(
                "the run completed",
                f"{classname}.run",
                error=f"ABORTED: {summary.aborted_because}",
                kind="ABORTED",
                time=seconds,
            )
        )
    search = summary.capacity
    if search is not None:  # a capacity search: the rate it confirmed, or why none
        rate, stopped = search.capacity_rps, search.stopped_by
        found = f"capacity {rate:.1f} requests/s (stopped by {stopped})" if rate else None
        cases.append(Case(
            "capacity search", f"{classname}.capacity", output=found or "",
            failure=None if rate else f"no rate held (stopped by {stopped})", kind="capacity",
        ))  # fmt: skip
    for slo in summary.slo:
        cases.append(
            Case(
                f"SLO {slo.threshold}",
                f"{classname}.slo",
                failure=None if slo.passed else f"SLO {slo.line}",
                kind="SLO breached",
                output=slo.line,
                time=seconds,
            )
        )
    return cases


def write_campaign(directory: Path, summary: CampaignSummary | dict[str, Any]) -> Path:
    """`junit.xml` beside summary.json."""
    summary = typed_summary(summary)
    name = f"{LOAD_SUITE} {summary.campaign or directory.name}"
    properties = {"verdict": summary.verdict, "load": str(summary.load or "")}
    return write(
        directory / FILE,
        name,
        campaign_cases(summary),
        seconds=float(summary.duration_s or 0.0),
        properties=properties,
    )
