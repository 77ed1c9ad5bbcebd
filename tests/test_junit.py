"""junit.xml of a campaign and of a verification: valid against the JUnit XSD CI servers read,
one case per gate, the reason as the failure message."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from loadtests import junit
from okroute_model.secrets import MASKER
from okroute_verify.compare import Difference
from okroute_verify.junit import write_verification
from tests.junitxsd import cases, outcome, schema, validated

SECRET = "Junit-Canary-Pw-77a"
VALID = "the run is valid (the generator applied the load asked for)"


def _campaign(**changes) -> dict:
    summary = {
        "campaign": "breach",
        "verdict": "FAIL",
        "load": "closed, 4 users",
        "duration_s": 3.2,
        "valid": True,
        "invalid_because": [],
        "warnings": [],
        "aborted_because": None,
        "slo": [
            {
                "threshold": "submit:p99<1us",
                "value": 0.004,
                "passed": False,
                "line": "submit:p99<1us: BREACHED (submit p99 = 4.000 ms)",
            },
            {"threshold": "errors<1%", "value": 0.0, "passed": True, "line": "errors<1%: ok"},
        ],
    }
    return summary | changes


def test_a_breached_slo_is_a_failure_named_by_its_threshold(tmp_path: Path) -> None:
    root = validated(junit.write_campaign(tmp_path, _campaign()))
    found = cases(root)
    assert outcome(found["SLO submit:p99<1us"]) == (
        "failure",
        "SLO submit:p99<1us: BREACHED (submit p99 = 4.000 ms)",
    )
    assert outcome(found["SLO errors<1%"])[0] == "passed"
    assert outcome(found[VALID])[0] == "passed"
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "0")


def test_an_invalid_or_aborted_run_says_so_in_its_own_case(tmp_path: Path) -> None:
    summary = _campaign(
        valid=False,
        invalid_because=["12 of 100 due sends (12.0%) were dropped"],
        aborted_because="stopped by SIGTERM",
    )
    found = cases(validated(junit.write_campaign(tmp_path, summary)))
    assert outcome(found[VALID]) == ("failure", "12 of 100 due sends (12.0%) were dropped")
    assert outcome(found["the run completed"]) == ("error", "ABORTED: stopped by SIGTERM")


def _search(rate: float | None) -> dict:
    return {"capacity_rps": rate, "stopped_by": "SLO", "steps": [], "config": {}}


def test_a_capacity_search_that_found_no_rate_fails_its_case(tmp_path: Path) -> None:
    summary = _campaign(slo=[], capacity=_search(None))
    found = cases(validated(junit.write_campaign(tmp_path, summary)))
    assert outcome(found["capacity search"]) == ("failure", "no rate held (stopped by SLO)")
    summary["capacity"] = _search(412.5)
    found = cases(validated(junit.write_campaign(tmp_path, summary)))
    assert outcome(found["capacity search"])[0] == "passed"
    assert found["capacity search"].findtext("system-out").startswith("capacity 412.5 requests/s")


def test_no_secret_reaches_the_xml(tmp_path: Path) -> None:
    MASKER.add(SECRET)
    summary = _campaign(warnings=[f"a warning that quotes {SECRET}"])
    path = junit.write_campaign(tmp_path, summary)
    validated(path)
    assert SECRET not in path.read_text()


def test_the_schema_is_strict_enough_to_fail(tmp_path: Path) -> None:
    """A control: a test case without its class name, or with two outcomes, is refused."""
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<testsuites><testsuite name="s" timestamp="2026-01-01T00:00:00" hostname="h" '
        'tests="1" failures="1" errors="0" time="0"><properties/>'
        '<testcase name="t" time="0"><failure type="x"/><skipped/></testcase>'
        "<system-out/><system-err/></testsuite></testsuites>"
    )
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema().validate(str(bad))


def _results(**changes) -> dict:
    results = {
        "exit_code": 0,
        "duration_s": 12.5,
        "failed_rules": [],
        "warned_rules": [],
        "violations": [],
        "checks": {
            "auth-rejected": {"rule": "auth.wrong-credentials", "variants": {}},
            "segments": {"rule": "submit.segment-count", "variants": {}},
        },
        "push_checks": {},
        "unchecked": [{"rule": "query.retention", "check": "retention"}],
        "known_findings": None,
    }
    return results | changes


PRINTS = {"undocumented-error-texts": "ERROR: missing-dnis", "retry": "not probed (budget)"}


def test_a_warn_verification_validates_and_names_the_warning(tmp_path: Path) -> None:
    change = Difference(
        "fingerprint", "undocumented-error-texts", "dnis is missing", "ERROR: missing-dnis", "warn"
    )
    summary = {"verdict": "WARN", "reasons": [change.line()], "seconds": 30.0, "profile": "p"}
    root = validated(write_verification(tmp_path, summary, _results(), PRINTS, None, [change]))
    found = cases(root)
    case = found["undocumented-error-texts"]
    assert outcome(case)[0] == "passed"  # a warning: CI shows it, the job stays green
    assert "WARN: fingerprint undocumented-error-texts" in case.findtext("system-out")
    assert outcome(found["submit.segment-count"])[0] == "passed"
    assert outcome(found["query.retention"]) == ("skipped", "not checked (retention)")
    assert outcome(found["load smoke"])[0] == "skipped"
    assert outcome(found["behaviour fingerprint"])[0] == "passed"
    assert root.find("testsuite").get("failures") == "0"


def test_a_failed_verification_fails_each_rule_gate_and_finding(tmp_path: Path) -> None:
    violation = {
        "rule": "submit.segment-count",
        "warning": False,
        "known": None,
        "problem": "three segments expected, two given",
        "variant": "GET http",
        "test": "test_1_boundaries.py::test_boundary",
    }
    accepted = {
        "rule": "auth.wrong-credentials",
        "label": "auth.wrong-credentials (VEND-1, until 2099-01-01)",
        "reason": "the vendor knows",
    }
    lapsed = {
        "label": "query.final-stable (VEND-2, until 2020-01-01)",
        "expires": "2020-01-01",
        "still_fails": False,
    }
    results = _results(
        exit_code=1,
        failed_rules=["submit.segment-count"],
        violations=[violation],
        known_findings={"known": [accepted], "expired": [lapsed], "stale": []},
    )
    load = _campaign()
    regression = Difference("latency", "submit p99", "4.000 ms", "9.000 ms", "fail")
    summary = {"verdict": "FAIL", "reasons": [], "seconds": 40.0, "profile": "p"}
    new = Difference("contract", "submit.segment-count", "passed", "failed", "fail")
    path = write_verification(tmp_path, summary, results, PRINTS, load, [new, regression])
    found = cases(validated(path))
    kind, message = outcome(found["submit.segment-count"])
    assert kind == "failure" and "(new since the baseline)" in message
    assert "three segments expected, two given" in message
    assert outcome(found["auth.wrong-credentials"])[0] == "skipped"  # accepted, not failing
    assert "VEND-1" in outcome(found["auth.wrong-credentials"])[1]
    expired = found["known finding query.final-stable (VEND-2, until 2020-01-01)"]
    assert outcome(expired)[0] == "failure" and "expired" in outcome(expired)[1]
    assert outcome(found["contract suite"])[0] == "failure"
    assert outcome(found["load smoke"])[0] == "failure"
    assert outcome(found["SLO submit:p99<1us"])[0] == "failure"  # the load gate itself
    assert outcome(found["submit p99"]) == ("failure", regression.line())
