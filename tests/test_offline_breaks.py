"""The offline suite fails when its respx fake is broken on purpose, naming the broken rule.

Each run is `pytest contracts --okroute-break FAULT` against the fake (no sockets), with the
derandomized few-example profile to keep it short. As in the detection run, a broken fake is
given the tests that judged the fault's rule on the unbroken fake, and the whole suite when those
miss it.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from contracts import invoke
from contracts import results as contract_results
from okroute_mock.breaks import BREAKS
from okroute_model.exitcodes import ExitCode
from tests.helpers import REPO

pytestmark = pytest.mark.slow

# Ten faults over ten different rules, MUST and SHOULD.
FAULTS = [
    "auth-wrong-text",
    "auth-missing-400",
    "dnis-101-accepted",
    "dnis-length-unchecked",
    "service-type-unchecked",
    "gsm7-extension-as-one",
    "ids-reused",
    "status-lowercase",
    "cross-account-read",
    "malformed-json-500",
    "final-status-changes",
    "https-status-differs",
]
PROFILE = ("--hypothesis-profile", "live")


def offline_run(reports: Path, *args: str, tests: list[str] | None = None) -> tuple[int, Any, str]:
    command = invoke.command(reports, *PROFILE, *args, tests=tests or ())
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    return result.returncode, invoke.results(reports), result.stdout[-2000:]


def broken_run(fault: str, judged: dict[str, list[str]], reports: Path) -> tuple[int, list, str]:
    rule = BREAKS[fault].rule

    def run(tests) -> tuple[int, list, str]:
        folder = reports / ("targeted" if tests else "whole")
        code, data, tail = offline_run(
            folder, "--okroute-break", fault, *invoke.stop_on(rule), tests=list(tests)
        )
        return code, (data or {}).get("failed_rules", []), tail

    return invoke.targeted_then_whole(
        run, judged.get(rule), lambda result: result[0] == 1 and rule in result[1]
    )


@pytest.fixture(scope="module")
def unbroken(tmp_path_factory) -> tuple[int, Any, str]:
    return offline_run(tmp_path_factory.mktemp("unbroken"), "--okroute-may-flip", "all")


def test_the_unbroken_fake_passes_the_same_profile(unbroken) -> None:
    code, data, tail = unbroken
    assert code == 0, tail
    assert data["judged_by"], "the run says which tests judged each rule"


def test_the_results_validate_against_the_shipped_schema_and_read_back(unbroken) -> None:
    import fastjsonschema

    data = unbroken[1]
    shipped = contract_results.SCHEMAS / contract_results.SCHEMA_FILE
    fastjsonschema.compile(json.loads(shipped.read_text()))(data)
    typed = contract_results.ContractResults.from_dict(data)
    assert typed.to_dict() == data  # every key typed, nothing lost
    assert typed.duration_s > 0 and typed.judged_rules()


def test_ten_rules_broken_in_the_fake_are_caught(unbroken, tmp_path: Path) -> None:
    assert len({BREAKS[f].rule for f in FAULTS}) >= 10
    judged = unbroken[1]["judged_by"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = dict(
            zip(
                FAULTS, pool.map(lambda f: broken_run(f, judged, tmp_path / f), FAULTS), strict=True
            )
        )
    for fault, (code, failed, tail) in runs.items():
        assert code == 1, f"{fault}: exit {code}\n{tail}"
        assert BREAKS[fault].rule in failed, f"{fault}: failed {failed}\n{tail}"


def test_stop_on_ends_the_run_after_the_test_in_which_the_rule_failed(tmp_path: Path) -> None:
    fault = "gsm7-extension-as-one"  # caught in the first file, test_1_boundaries
    rule = BREAKS[fault].rule
    code, data, tail = offline_run(tmp_path, "--okroute-break", fault, *invoke.stop_on(rule))
    assert code == 1, tail  # a contract failure, not pytest's "interrupted" (2)
    assert rule in data["failed_rules"], tail
    assert f"{rule} failed (--okroute-stop-on)" in tail
    # The tests after the one it stopped after are named as not run; the rule failed in the
    # last test that ran, and that test is not among them.
    failed_in = {v["test"] for v in data["violations"] if v["rule"] == rule}
    assert data["not_run"] and not failed_in & set(data["not_run"])
    assert "contracts/suite/test_9_push.py::test_pushes_follow_the_contract" in data["not_run"]


def test_stop_on_a_mistyped_rule_is_a_usage_error(tmp_path: Path) -> None:
    command = invoke.command(tmp_path, "--okroute-stop-on", "auth.wrong-credential")
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == ExitCode.USAGE and invoke.results(tmp_path) is None
    assert "unknown rule 'auth.wrong-credential'" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
