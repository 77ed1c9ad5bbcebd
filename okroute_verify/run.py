"""The steps of a verification, in order: preflight, contract suite, fingerprint, load smoke.

One message budget covers the whole run, shared fairly before anything is sent: each phase says
what it needs (the contract suite's plan, the fingerprint's probes, the load smoke's rate); every
contract test's cheapest case and every probe come first, then each phase gets the rest of its
need or an equal part of what is left, whichever is less (`fair_shares`), so none can starve the
others. Every phase counts numbers at risk (before sending) and numbers sent (what
the platform accepted). Each step's output lands in the run's folder; nothing is written that has
not passed the masker.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts import fingerprint, invoke
from contracts import preflight as shared_preflight
from contracts import results as contract_results
from contracts.client import ContractClient, DryClient
from contracts.results import ContractResults
from contracts.strategies import Config
from contracts.target import Target
from loadtests import summary as campaign_summary
from okroute_model.accounts import Accounts
from okroute_model.environment import Env
from okroute_model.profile import Profile
from okroute_model.secrets import MASKER
from okroute_verify import progress
from okroute_verify.verdict import Budget, PhaseBudget

STEP_TIMEOUT = 1800.0
PLAN_TIMEOUT = 300.0
PHASES = ("contract", "fingerprint", "load")
# Numbers in one load-smoke submit, on average with a margin: most of the mix is one number,
# a few per cent are lists of two to five (loadtests/traffic.py).
LOAD_NUMBERS_PER_SUBMIT = 1.25
NOT_PROBED = "not probed"


class VerifyStop(Exception):
    """The verification cannot go on (unreachable target, rejected credentials): one line why."""


@dataclass
class Run:
    profile: Profile
    profile_path: str
    target: Target
    directory: Path
    budget: int
    notes: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # what the budget left out: INCOMPLETE
    planned_tests: int = 0  # contract tests in the plan, the progress line's total
    needs: dict[str, int] = field(default_factory=dict)  # phase -> numbers at risk it plans
    shares: dict[str, int] = field(default_factory=dict)  # phase -> its part of the budget
    at_risk: dict[str, int] = field(default_factory=dict)  # phase -> numbers at risk, counted
    sent: dict[str, int] = field(default_factory=dict)  # phase -> numbers the platform accepted

    @property
    def used(self) -> int:
        """Numbers at risk so far, every phase together (what the budget caps)."""
        return sum(self.at_risk.values())

    def budget_summary(self) -> Budget:
        phases = {
            p: PhaseBudget(
                need=self.needs.get(p, 0),
                share=self.shares.get(p, 0),
                at_risk=self.at_risk.get(p, 0),
                sent=self.sent.get(p, 0),
            )
            for p in PHASES
        }
        used, sent = self.used, sum(self.sent.values())
        return Budget(total=self.budget, used=used, at_risk=used, sent=sent, phases=phases)

    def write(self, name: str, data: Any) -> Path:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False)
        path.write_text(MASKER.mask(text) + ("" if text.endswith("\n") else "\n"))
        return path

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1"}


def preflight(target: Target) -> None:
    """The shared preflight (`contracts.preflight`): the target answers as OKRoute and accepts
    the credentials of both accounts, before anything is sent for real."""
    accounts = Accounts(target.primary, target.secondary)
    try:
        shared_preflight.check(target.urls.values(), accounts, target.ca_bundle)
    except shared_preflight.PreflightError as exc:
        raise VerifyStop(str(exc)) from None


def _contract_command(run: Run, reports: Path, *args: str) -> list[str]:
    urls = run.target.urls
    return invoke.command(
        reports,
        "--okroute-profile",
        run.profile_path,
        *args,
        http=urls.get("http"),
        https=urls.get("https"),
    )  # type: ignore[call-overload]


def _contract_env(run: Run, budget: int) -> dict[str, str]:
    return run.env() | {Env.MAX_MESSAGES: str(budget), Env.DNIS_PREFIX: run.target.dnis_prefix}


def contract_plan(run: Run, budget: int) -> tuple[dict[str, Any], list[str]]:
    """The contract suite's plan within `budget`, from `pytest contracts --okroute-plan` (which
    sends nothing): its data, and its lines for a person."""
    with tempfile.TemporaryDirectory(prefix="okroute-plan-") as scratch:  # a dry run writes none
        reports = Path(scratch)
        result = subprocess.run(
            _contract_command(run, reports, "--okroute-plan"),
            env=_contract_env(run, budget),
            capture_output=True,
            text=True,
            timeout=PLAN_TIMEOUT,
        )
        plan = invoke.results(reports, invoke.PLAN)
    if plan is None:
        raise VerifyStop(
            f"the contract suite could not plan (exit {result.returncode}): "
            f"{MASKER.mask((result.stdout + result.stderr).strip()[-500:])}"
        )
    shown = ("okroute plan", "okroute push", "  ")  # the plan, and the push URLs to set first
    lines = [line for line in result.stdout.splitlines() if line.startswith(shown)]
    return plan, lines


def _cfg(t: Target) -> Config:
    return Config(
        t.primary, t.knobs, t.dnis_prefix, ani=t.ani, live=True, no_route_prefix=t.no_route_prefix
    )


def fingerprint_need(target: Target) -> tuple[int, int]:
    """(requests, numbers at risk) of the fingerprint's probes, counted without sending."""
    client = DryClient(target)
    fingerprint.take(client, _cfg(target), target.secondary)  # type: ignore[arg-type]
    # A dry run cannot see the probes that follow answers (a submit again when no ID or final
    # status came back): one more number per probe is their margin.
    return len(client.recorded), client.at_risk + len(fingerprint.PROBES)


def load_need(run: Run) -> tuple[int, int]:
    """(requests, numbers at risk) of the load smoke at its rate and mix."""
    smoke = run.profile.load
    requests = math.ceil(smoke.rate * smoke.duration)
    weights = dict(part.split("=") for part in smoke.mix.split(",") if "=" in part)
    total = sum(float(w) for w in weights.values()) or 1.0
    submits = requests * float(weights.get("submit", 0)) / total
    return requests, math.ceil(submits * LOAD_NUMBERS_PER_SUBMIT)


def _max_min(budget: int, needs: dict[str, int]) -> dict[str, int]:
    """Each phase its need, or an equal part of what is left, whichever is less."""
    shares = {p: 0 for p in needs}
    left = budget
    waiting = sorted(needs, key=lambda p: needs[p])
    while waiting:
        part = left // len(waiting)
        phase = waiting.pop(0)
        shares[phase] = min(needs[phase], part)
        left -= shares[phase]
    return shares


def fair_shares(
    budget: int, needs: dict[str, int], floors: dict[str, int] | None = None
) -> dict[str, int]:
    """Each phase first its floor (the contract suite's cheapest case of every test, every
    probe), then the rest of its need, or an equal part of what is left, whichever is less
    (max-min fairness): a phase that needs little gets all of it, and no phase can starve
    another. When the floors do not fit, they are what is shared."""
    floors = {p: min((floors or {}).get(p, 0), needs[p]) for p in needs}
    if sum(floors.values()) > budget:
        return _max_min(budget, floors)
    extra = _max_min(budget - sum(floors.values()), {p: needs[p] - floors[p] for p in needs})
    return {p: floors[p] + extra[p] for p in needs}


def share_budget(run: Run, with_load: bool) -> list[str]:
    """Plan every phase and share the budget; the contract plan's lines, for a dry run."""
    _, at_risk_fp = fingerprint_need(run.target)
    _, at_risk_load = load_need(run) if with_load else (0, 0)
    plan, _ = contract_plan(run, run.budget)
    run.needs = {
        "contract": int(plan["planned_at_risk"]) + int(plan.get("reserve", 0)),
        "fingerprint": at_risk_fp,
        "load": at_risk_load,
    }
    # Every rule is checked before anything is repeated: every contract test's cheapest case
    # and every probe come first; the contract's extras and the load smoke (repeated submits)
    # share what is left.
    floors = {"contract": int(plan.get("cheapest_at_risk", 0)), "fingerprint": at_risk_fp}
    run.shares = fair_shares(run.budget, run.needs, floors)
    if with_load:  # the load's need is an estimate: what no phase needs is its margin
        run.shares["load"] += run.budget - sum(run.shares.values())
    plan, lines = contract_plan(run, run.shares["contract"])
    run.planned_tests = len(plan.get("tests", {}))
    return lines


def contract(run: Run) -> ContractResults:
    """The live contract suite, as `pytest contracts --okroute-profile ...` runs it, within the
    contract's share of the budget."""
    reports = run.directory / "contract"
    shown = progress.Progress()
    result = progress.stream(
        _contract_command(run, reports, progress.VERBOSE),
        _contract_env(run, run.shares.get("contract", run.budget)),
        STEP_TIMEOUT,
        progress.contract_tests(shown, run.planned_tests),
    )
    shown.done()
    run.write("contract/output.txt", result.stdout[-20000:] + result.stderr[-5000:])
    results = contract_results.read(reports)
    if results is None:
        raise VerifyStop(
            f"the contract suite did not run (exit {result.returncode}); "
            f"see {run.directory / 'contract' / 'output.txt'}"
        )
    results.exit_code = result.returncode
    run.at_risk["contract"] = int(results.at_risk_numbers)
    run.sent["contract"] = int(results.sent_numbers)
    if results.stopped:
        raise VerifyStop(f"the contract suite stopped: {results.stopped}")
    return results


def behaviour(run: Run) -> dict[str, str]:
    """The fingerprint, within its share of the budget."""
    t = run.target
    target = dataclasses.replace(t, max_messages=run.shares.get("fingerprint", run.budget))
    client = ContractClient(target)
    shown = progress.Progress()
    try:
        prints = fingerprint.take(client, _cfg(t), t.secondary, progress.fingerprint(shown))
    finally:
        shown.done()
        run.at_risk["fingerprint"] = client.at_risk
        run.sent["fingerprint"] = client.sent
        client.close()
    run.write("fingerprint.json", prints)
    return prints


def probed(prints: dict[str, str]) -> list[str]:
    """The MAY points that were probed (a point not probed is never counted as recorded)."""
    return [p for p, answer in prints.items() if not answer.startswith(NOT_PROBED)]


def load(run: Run) -> campaign_summary.CampaignSummary | None:
    """A short open-model load at the profile's fixed rate, within its share of the budget;
    None when it has no share."""
    smoke = run.profile.load
    share = run.shares.get("load", 0)
    if share == 0:
        run.notes.append("load smoke skipped: no part of the message budget is left for it")
        return None
    t = run.target
    command = [
        sys.executable, "-m", "loadtests.cli",
        "--host", t.urls.get("http", "") or t.urls.get("https", ""),  # type: ignore[call-overload]
        "--model", "open", "--arrival", f"constant:{smoke.rate:g}",
        "--duration", f"{max(1, int(smoke.duration))}s", "--mix", smoke.mix,
        "--max-messages", str(share), "--dnis-prefix", t.dnis_prefix,
        "--reports", str(run.directory), "--campaign", "load",
    ]  # fmt: skip
    if "https" in t.urls and "http" in t.urls:
        command += ["--https-host", t.urls["https"]]  # type: ignore[index]
    elif "https" not in t.urls:
        command += ["--transports", "http=1"]
    else:
        command += ["--transports", "https=1"]
    if t.ca_bundle:
        command += ["--ca-bundle", t.ca_bundle]
    if t.ani:
        command += ["--ani", t.ani]
    for slo in smoke.slo:
        command += ["--slo", slo]
    shown = progress.Progress()
    result = progress.stream(
        command, run.env(), smoke.duration + STEP_TIMEOUT, progress.load_smoke(shown)
    )
    shown.done()
    run.write("load/output.txt", result.stdout[-20000:] + result.stderr[-5000:])
    summary_file = run.directory / "load" / campaign_summary.FILENAME
    if not summary_file.exists():
        run.notes.append(f"load smoke did not run (exit {result.returncode})")
        return None
    summary = campaign_summary.read(summary_file)
    # The load generator counts numbers as it submits them (at risk); a correct platform accepts
    # every one of its valid submits, so the same count stands for sent.
    submitted = round(summary.generator.total(lambda p: p.numbers_submitted))
    run.at_risk["load"] = run.sent["load"] = submitted
    return summary


def timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")
