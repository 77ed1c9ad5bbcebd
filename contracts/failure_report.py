"""Contract failures that fit on a screen, and one summary line per broken rule.

A failed contract test shows the violation's block (rule, check, problem, case, received, the curl
line), the line of the test that sent it, and a pytest line that reruns exactly that test — not
the suite's own frames, fixture reprs or Hypothesis's dump of the generated case. `--tb=long`,
`--tb=native` or `--fulltrace` bring pytest's full report back.

When one broken behaviour fails many tests, the end of the run says so once per rule: its level,
how many tests and variants it failed, and the first reproduce line.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contracts.failures import ContractViolation
from contracts.target import Target
from okroute_mock.fake import OFFLINE_URLS
from okroute_model.environment import Env
from okroute_model.rules import RULES
from okroute_model.secrets import MASKER

SECTION = "okroute reproduce"
PROPERTY = "okroute_violations"  # carried by the report, so that xdist's controller sees it too
SHOWN_BESIDE = 3  # other distinct violations of one test, in two lines each; the rest counted
FULL_TRACEBACKS = ("long", "native")
_OFFLINE_BASES = frozenset(OFFLINE_URLS.values())
_PACKAGE = Path(__file__).resolve().parent
# Options that decide what a rerun talks to; the others (reports, JUnit) do not change the result.
_KEPT_OPTIONS = (
    "--okroute-url",
    "--okroute-https-url",
    "--okroute-profile",
    "--okroute-warn",
    "--okroute-break",
    "--okroute-may-flip",
    "--okroute-dlr-listen",  # without it the push test is skipped and the rerun passes
    "--okroute-dlr-public-url",
    "--okroute-push-wait",
)


def violations_in(error: BaseException | None) -> list[ContractViolation]:
    """Every contract violation in what a test raised (Hypothesis groups distinct failures)."""
    if isinstance(error, ContractViolation):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        return [v for e in error.exceptions for v in violations_in(e)]
    return []


def _selection(item: pytest.Item) -> list[str]:
    """The test as pytest arguments that select it from any directory."""
    name = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else ""
    path = Path(item.path).resolve()
    if path.is_relative_to(_PACKAGE):
        module = ".".join(path.relative_to(_PACKAGE.parent).with_suffix("").parts)
        return ["--pyargs", f"{module}::{name}" if name else module]
    where = os.path.relpath(path, item.config.invocation_params.dir)
    return [f"{where}::{name}" if name else where]


def _kept_options(args: Iterable[str]) -> list[str]:
    kept, args = [], list(args)
    for i, arg in enumerate(args):
        option = arg.split("=", 1)[0]
        if option not in _KEPT_OPTIONS:
            continue
        kept.append(arg)
        if "=" not in arg and i + 1 < len(args):
            kept.append(args[i + 1])
    return kept


def rerun_env(target: Target | None) -> dict[str, str]:
    """What a live rerun needs of the environment besides the passwords: the run's budget (a
    test's plan depends on it) and the second account it used."""
    if target is None or not target.live:
        return {}
    env = {Env.MAX_MESSAGES: str(target.max_messages)}
    if target.secondary is not None:
        env[Env.USERNAME_2] = target.secondary.username
    return env


def reproduce_line(
    item: pytest.Item, seed: str, hypothesis: bool, env: Mapping[str, str] | None = None
) -> str:
    """A command that reruns this one test the same way: same seed, same target options, and
    `env`, the settings of the environment it depends on that are no secret (the budget, the
    second account's name; passwords come from the user's environment)."""
    words = [f"{name}={value}" for name, value in (env or {}).items()]
    words += ["pytest", *_selection(item)]
    if hypothesis and seed.isdigit():
        words.append(f"--hypothesis-seed={seed}")
    words += _kept_options(item.config.invocation_params.args)
    line = " ".join(shlex.quote(w) for w in words)
    if hypothesis and not seed.isdigit():
        line += f"  # {seed}"
    return MASKER.mask(line)


def _test_line(item: pytest.Item, excinfo: pytest.ExceptionInfo) -> str | None:
    """Where in the test the failing request was sent: its file and line, nothing inside."""
    path = Path(item.path).resolve()
    for entry in reversed(excinfo.traceback):
        if Path(entry.path).resolve() == path:
            where = os.path.relpath(path, item.config.invocation_params.dir)
            return f"  test:      {where}:{entry.lineno + 1} in {entry.name}"
    return None


def _offline_note(violation: ContractViolation) -> str | None:
    if not any(ex.base_url in _OFFLINE_BASES for ex in violation.exchanges):
        return None
    return (
        "  offline:   the curl line shows what was sent to the suite's in-process fake, which no "
        "server answers; the rerun line below reproduces it (it needs no server either)."
    )


def compact(item: pytest.Item, call: pytest.CallInfo, reproduce: str) -> str | None:
    """The whole failure report of a contract test, or None when it failed for another reason
    (then pytest's own report is the useful one)."""
    config = item.config
    if config.option.tbstyle in FULL_TRACEBACKS or config.option.fulltrace:
        return None
    if call.excinfo is None:
        return None
    violations = violations_in(call.excinfo.value)
    if not violations:
        return None
    first, others = violations[0], violations[1:]
    lines = first.render().splitlines()
    note = _offline_note(first)
    if note:
        lines.append(note)
    # Hypothesis found other distinct failures too: each in two lines (rule and problem).
    for violation in others[:SHOWN_BESIDE]:
        lines += [f"also {violation.render().splitlines()[0]}", f"  problem:   {violation.message}"]
    if len(others) > SHOWN_BESIDE:
        lines.append(f"  ... and {len(others) - SHOWN_BESIDE} more violation(s)")
    where = _test_line(item, call.excinfo)
    if where:
        lines.append(where)
    lines.append(f"  rerun:     {reproduce}")
    return MASKER.mask("\n".join(lines))


def record(report: pytest.TestReport, violations: list[ContractViolation], reproduce: str) -> None:
    """What the end-of-run summary needs, on the report itself (it crosses xdist's wire)."""
    seen = [
        {
            "rule": v.rule.name,
            "level": str(v.rule.level),
            "variants": sorted({ex.variant.name for ex in v.exchanges}),
        }
        for v in violations
    ]
    report.user_properties.append((PROPERTY, json.dumps({"seen": seen, "rerun": reproduce})))


@dataclass
class RuleFailures:
    level: str
    tests: list[str] = field(default_factory=list)
    variants: set[str] = field(default_factory=set)
    first_rerun: str = ""

    def line(self, rule: str) -> str:
        tests = f"{len(self.tests)} test{'s' * (len(self.tests) != 1)}"
        variants = f"{len(self.variants)} variant{'s' * (len(self.variants) != 1)}"
        return f"FAILED {self.level} {rule}: {tests}, {variants}; first: {self.first_rerun}"


class Tally:
    """Failed contract tests grouped by the rule they broke."""

    def __init__(self, reports: Iterable[pytest.TestReport] = ()) -> None:
        self.rules: dict[str, RuleFailures] = {}
        for report in reports:
            self.add(report)

    def add(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name != PROPERTY:
                continue
            data = json.loads(value)
            for seen in data["seen"]:
                failures = self.rules.setdefault(seen["rule"], RuleFailures(seen["level"]))
                if report.nodeid not in failures.tests:
                    failures.tests.append(report.nodeid)
                failures.variants.update(seen["variants"])
                failures.first_rerun = failures.first_rerun or data["rerun"]

    def lines(
        self, also_failed: Iterable[str] = (), variants: dict[str, set[str]] | None = None
    ) -> list[str]:
        """One line per failed rule. `also_failed`: rules a check saw fail beside another
        violation, the one raised; `variants`: every variant a check of the rule failed through
        (the raised violation names only the exchanges it was about)."""
        for rule, failures in self.rules.items():
            failures.variants |= (variants or {}).get(rule, set())
        out = [self.rules[rule].line(rule) for rule in sorted(self.rules)]
        for rule in sorted(set(also_failed) - set(self.rules)):
            level = RULES[rule].level if rule in RULES else "?"
            out.append(f"FAILED {level} {rule}: seen beside another failure in the same test")
        return out
