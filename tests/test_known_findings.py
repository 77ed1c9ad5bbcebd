"""Known findings: an accepted failure is reported as known, not failing; a new one still fails;
an expired one fails the run; one that no longer fails is reported stale."""

from __future__ import annotations

import datetime as dt
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts import invoke
from contracts.known import Finding, KnownError, Ledger, load, verdict_lines
from okroute_mock.breaks import BREAKS
from tests.helpers import REPO
from tests.junitxsd import cases, outcome

FAULT = "gsm7-extension-as-one"  # fails two rules, both in the first file
TESTS = ["contracts/suite/test_1_boundaries.py"]
SEGMENTS = BREAKS[FAULT].rule  # submit.segment-count
SHAPE = "submit.response-shape"  # the same answer breaks the response's shape too
STALE_RULE = "submit.dnis-length-limit"  # judged in the same file; the fault leaves it alone
TODAY = dt.date(2026, 6, 1)


def finding(rule: str, expires: str = "2099-01-01", **extra: str) -> str:
    lines = [f'rule = "{rule}"', 'reason = "reported to the vendor"', 'ticket = "VEND-12"']
    lines += [f"expires = {expires}"] + [f'{k} = "{v}"' for k, v in extra.items()]
    return "[[finding]]\n" + "\n".join(lines) + "\n"


def known_file(tmp_path: Path, *findings: str) -> Path:
    path = tmp_path / "known.toml"
    path.write_text("\n".join(findings))
    return path


def test_a_finding_matches_its_rule_test_and_variant() -> None:
    one = Finding(SEGMENTS, "r", "T-1", dt.date(2099, 1, 1), "test_boundary", "GET http")
    node = "contracts/suite/test_1_boundaries.py::test_boundary[two]"
    assert one.matches(SEGMENTS, node, "GET http")
    assert not one.matches(SEGMENTS, node, "POST-body https")  # another variant: a new failure
    assert not one.matches(SHAPE, node, "GET http")  # another rule: a new failure
    assert not one.matches(SEGMENTS, "contracts/suite/test_2_x.py::test_other", "GET http")
    by_file = Finding(
        SEGMENTS, "r", "T-1", dt.date(2099, 1, 1), "test_1_boundaries.py::test_boundary"
    )
    assert by_file.matches(SEGMENTS, node, None)  # the file and function, any parameters
    assert not Finding(SEGMENTS, "r", "T-1", dt.date(2099, 1, 1), "boundary").matches(
        SEGMENTS, node, None
    )  # a fragment of a name is not a name


def test_an_expired_finding_excuses_nothing_and_one_that_never_matched_is_stale() -> None:
    ledger = Ledger(
        [
            Finding(SEGMENTS, "r", "T-1", dt.date(2026, 1, 1)),  # expired
            Finding(SHAPE, "r", "T-2", dt.date(2027, 1, 1)),
            Finding(STALE_RULE, "r", "T-3", dt.date(2027, 1, 1)),
        ],
        today=TODAY,
    )
    assert ledger.excuse(SEGMENTS, "t", "GET http") is None
    assert ledger.excuse(SHAPE, "t", "GET http") is not None
    report = ledger.report({SEGMENTS, SHAPE, STALE_RULE}, ["t"])
    assert [e["ticket"] for e in report["known"]] == ["T-2"]
    assert [(e["ticket"], e["still_fails"]) for e in report["expired"]] == [("T-1", True)]
    assert [e["ticket"] for e in report["stale"]] == ["T-3"]
    fail, warn = verdict_lines(report)
    assert len(fail) == 1 and "T-1" in fail[0] and "expired" in fail[0]
    assert len(warn) == 1 and "T-3" in warn[0] and "no longer fails" in warn[0]


def test_a_finding_whose_rule_was_not_judged_is_not_called_stale() -> None:
    ledger = Ledger([Finding(STALE_RULE, "r", "T-3", dt.date(2027, 1, 1))], today=TODAY)
    assert ledger.report(set(), [])["not_judged"] and not ledger.report(set(), [])["stale"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (finding("submit.no-such-rule"), "unknown rule"),
        (finding(SEGMENTS, expires='"soon"'), "expires is a TOML date"),
        ('[[finding]]\nrule = "submit.segment-count"\n', "missing"),
        (finding(SEGMENTS, owner="qa"), "unknown key"),
        ("[[finding]\n", "not valid TOML"),
    ],
)
def test_a_wrong_file_is_a_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    path = known_file(tmp_path, text)
    with pytest.raises(KnownError, match=message):
        load(path)


def offline(tmp_path: Path, *args: str) -> tuple[int, dict, str]:
    reports = tmp_path / "reports"
    command = invoke.command(
        reports, "--hypothesis-profile", "live", "--okroute-break", FAULT, *args, tests=TESTS
    )
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    return (
        result.returncode,
        invoke.results(reports) or {},
        result.stdout,
    )  # the KNOWN/EXPIRED/STALE lines come before the failures listed


@pytest.mark.slow
def test_known_findings_turn_a_failing_run_into_a_passing_one_that_lists_them(
    tmp_path: Path,
) -> None:
    """The profile key (as okroute-verify passes it on), the file relative to the profile."""
    known_file(
        tmp_path, finding(SEGMENTS), finding(SHAPE, test="test_boundary"), finding(STALE_RULE)
    )
    profile = tmp_path / "target.toml"
    profile.write_text('[checks]\nknown = "known.toml"\n')
    code, data, tail = offline(tmp_path, "--okroute-profile", str(profile))
    assert code == 0, tail
    assert data["failed_rules"] == [], tail
    found = data["known_findings"]
    assert {e["rule"] for e in found["known"]} == {SEGMENTS, SHAPE}
    assert all(e["failures"] > 0 for e in found["known"])
    assert [e["rule"] for e in found["stale"]] == [STALE_RULE]
    assert f"KNOWN finding {SEGMENTS} (VEND-12, until 2099-01-01)" in tail
    assert f"STALE known finding {STALE_RULE}" in tail
    # The contract suite's own JUnit XML shows the tests passing.
    root = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert cases(root) and all(outcome(case)[0] == "passed" for case in cases(root).values())


@pytest.mark.slow
def test_an_expired_finding_and_a_new_failure_still_fail(tmp_path: Path) -> None:
    """Segment count accepted until a date now past; the response shape not listed at all."""
    path = known_file(tmp_path, finding(SEGMENTS, expires="2020-01-01"))
    code, data, tail = offline(tmp_path, "--okroute-known", str(path))
    assert code == 1, tail
    assert set(data["failed_rules"]) == {SEGMENTS, SHAPE}, tail
    assert [e["rule"] for e in data["known_findings"]["expired"]] == [SEGMENTS]
    assert data["known_findings"]["expired"][0]["still_fails"]
    assert f"EXPIRED known finding {SEGMENTS}" in tail


def test_a_missing_file_is_a_usage_error_without_a_traceback(tmp_path: Path) -> None:
    command = invoke.command(tmp_path, "--okroute-known", str(tmp_path / "nope.toml"))
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4 and invoke.results(tmp_path) is None
    assert "no such file" in result.stderr and "Traceback" not in result.stdout + result.stderr
