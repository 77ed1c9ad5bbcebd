"""The live suite within its message budget, against the real mock (issue 11's "done when")."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from contracts import invoke
from contracts.aging import DEFAULT_WAIT
from contracts.checks import CHECKS, GROUP_CHECKS
from contracts.planner import ExitCode
from okroute_model.environment import Env
from okroute_model.rules import RULES, Level
from okroute_model.wire import ALL_VARIANTS
from tests.helpers import REPO, run_contracts, running_mock

pytestmark = pytest.mark.slow
DEFAULT_BUDGET = "1000"
# Every fault that lets an oversize or malformed dnis through.
OVERSIZE_ACCEPTED = (
    "dnis-101-accepted",
    "dnis-length-unchecked",
    "dnis-16-digits",
    "dnis-non-digit",
    "split-or-payload-multi-accepted",
)


def results(reports: Path) -> dict:
    return json.loads((reports / "contract-results.json").read_text())


def _offline_run(reports: Path) -> dict:
    run = subprocess.run(
        invoke.command(reports), cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout[-3000:]
    return results(reports)


def _variants_by_rule(out: dict) -> dict[str, set[str]]:
    by_rule: dict[str, set[str]] = {}
    for check in out["checks"].values():
        by_rule.setdefault(check["rule"], set()).update(check["variants"])
    return by_rule


def test_the_default_budget_checks_every_rule_through_every_variant(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as mock:
        run = run_contracts(mock, tmp_path / "r", **{Env.MAX_MESSAGES: DEFAULT_BUDGET})
        stats = mock.stats()
    stored = stats["routed_numbers"]
    assert stored == stats["submitted_numbers"]  # the correct mock accepts no list with no route
    assert run.returncode == ExitCode.CONFORMS, run.stdout[-4000:]
    out = results(tmp_path / "r")
    assert out["skips"] == [] and " skipped" not in run.stdout
    assert out["budget"]["not_run_for_budget"] == {} and out["unchecked"] == []
    # Pushes are judged apart from the variants (a push travels no variant): their rules count too.
    judged = [*out["checks"].values(), *out["push_checks"].values()]
    rules = {RULES[c["rule"]] for c in judged}
    assert out["pushes_judged"] > 0
    assert {r.name for r in rules} == {
        n for n, r in RULES.items() if r.level in (Level.MUST, Level.SHOULD)
    }
    # Every rule through every variant it applies to: the variants the offline suite, which has
    # no budget, judges it through (query rules: GET only, as documented).
    offline = _offline_run(tmp_path / "offline")
    live, unbounded = _variants_by_rule(out), _variants_by_rule(offline)
    assert set(live) == set(unbounded)
    for rule, variants in unbounded.items():
        assert variants <= live[rule], (rule, sorted(variants - live[rule]))
    assert {v.name for v in ALL_VARIANTS} == set().union(*live.values())
    assert set(CHECKS) | set(GROUP_CHECKS) == set(out["checks"])
    # The two counts: the cap applies to "at risk"; "sent" is what the mock stored.
    budget = out["budget"]
    assert budget["at_risk"] <= int(DEFAULT_BUDGET)
    assert stored < int(DEFAULT_BUDGET) and stored == budget["sent"] == out["sent_numbers"]
    assert f"{budget['sent']} sent" in run.stdout and "planned" in run.stdout
    # The time phase queried the run's earliest IDs at least its default wait after their final.
    assert out["aging"]["oldest_since_final_s"] >= DEFAULT_WAIT
    assert f"(wait {DEFAULT_WAIT:g} s;" in run.stdout


def test_a_budget_of_100_names_what_was_not_checked_and_exits_incomplete(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as mock:
        run = run_contracts(mock, tmp_path / "r", **{Env.MAX_MESSAGES: "100"})
        stored = mock.stats()["routed_numbers"]
    assert run.returncode == ExitCode.INCOMPLETE, run.stdout[-4000:]
    out = results(tmp_path / "r")
    assert out["failed_rules"] == [] and out["unchecked"]
    assert out["budget"]["at_risk"] <= 100 and stored <= 100
    for unchecked in out["unchecked"]:
        assert f"NOT CHECKED rule {unchecked['rule']} (check {unchecked['check']})" in run.stdout
    for test, why in out["budget"]["not_run_for_budget"].items():
        assert f"NOT RUN for the budget: {test}: {why}" in run.stdout
        assert "budget of 100" in why
    assert "the verdict is incomplete" in run.stdout
    # The skip reasons name the test that was not run, not a line of the suite's machinery.
    assert "exercise.py" not in run.stdout


@pytest.mark.parametrize("budget", [60, 400])
def test_the_cap_holds_against_a_mock_that_accepts_every_oversize_dnis(
    tmp_path: Path, budget: int
) -> None:
    breaks = [arg for fault in OVERSIZE_ACCEPTED for arg in ("--break", fault)]
    with running_mock(tmp_path / "mock", *breaks) as mock:
        run = run_contracts(
            mock, tmp_path / "r", "-k", "boundary or submit", **{Env.MAX_MESSAGES: str(budget)}
        )
        # What the broken mock sent: the numbers of what it accepted that had a route.
        stored = mock.stats()["routed_numbers"]
    assert run.returncode == ExitCode.CONTRACT_FAILURE, run.stdout[-3000:]
    out = results(tmp_path / "r")
    assert stored <= budget and out["budget"]["at_risk"] <= budget
    # What the cap protects is what the platform received; the count of what was sent is what the
    # mock stored (it answers 500 to a non-digit dnis after storing it: counted as sent).
    assert out["budget"]["sent"] == stored <= out["budget"]["at_risk"]
    assert {"submit.dnis-count-limit", "errors.invalid-rejected"} <= set(out["failed_rules"])
    # A failure outranks what was left out: no "incomplete (exit 6)" beside an exit of 1.
    assert "the verdict is incomplete" not in run.stdout


def test_the_plan_is_printed_and_nothing_is_sent(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as mock:
        run = run_contracts(mock, tmp_path / "r", "--okroute-plan")
        requests = mock.stats()["requests"]
    assert run.returncode == 0, run.stdout[-3000:]
    assert requests == 0
    lines = run.stdout.splitlines()
    head = next(line for line in lines if line.startswith("okroute plan: budget 100000"))
    assert "planned" in head and "requests" in head
    assert any(line.startswith("  1_boundaries: about") for line in lines)
    assert any(line.startswith("time phase:") and f"{DEFAULT_WAIT:g} s after" in line
               for line in lines)  # fmt: skip
    assert any("test_boundary[exactly 100 numbers]" in line and "once per transport" in line
               for line in lines)  # fmt: skip
    plan = json.loads((tmp_path / "r" / "contract-plan.json").read_text())
    assert plan["complete"] and plan["planned_at_risk"] == sum(
        t["at_risk"] for t in plan["tests"].values()
    )


def test_without_a_no_route_number_the_default_budget_still_checks_every_rule(
    tmp_path: Path,
) -> None:
    # Issue 18: the oversize lists were planned through six variants (720 numbers at risk) and
    # left out, and with them the MUST rule submit.dnis-count-limit; now their cheapest case goes
    # first, once, and every test runs.
    no_route = {Env.NO_ROUTE_DNIS: "", Env.NO_ROUTE_PREFIX: ""}
    with running_mock(tmp_path / "mock") as mock:
        run = run_contracts(mock, tmp_path / "r", **{Env.MAX_MESSAGES: DEFAULT_BUDGET}, **no_route)
        stored = mock.stats()["routed_numbers"]
    out = results(tmp_path / "r")
    assert out["budget"]["not_run_for_budget"] == {}, run.stdout[-4000:]
    assert out["failed_rules"] == [] and out["budget"]["at_risk"] <= int(DEFAULT_BUDGET)
    assert stored <= out["budget"]["at_risk"]
    judged = {c["rule"] for c in [*out["checks"].values(), *out["push_checks"].values()]}
    wanted = {n for n, r in RULES.items() if r.level in (Level.MUST, Level.SHOULD)}
    # Only the no-routes rule needs a number without a route; its skip says which to set.
    assert wanted - judged == {"submit.no-routes"}, sorted(wanted - judged)
    assert Env.NO_ROUTE_PREFIX in run.stdout
    assert re.search(r"(\d+) of \1 tests run their cheapest case", run.stdout), run.stdout[-3000:]
