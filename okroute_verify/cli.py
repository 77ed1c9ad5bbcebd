"""`okroute-verify`: may this platform release go live?

    okroute-verify --target staging [--baseline FILE] [--save-baseline FILE]
                   [--reports DIR] [--dry-run] [--skip-load]

Runs, in order, the live contract suite, the behaviour fingerprint and a short load smoke against
the target of a profile, compares them with the release before, and writes
reports/verify-<timestamp>/index.html, verdict.json and junit.xml under the current directory
(or --reports).
`--target NAME` is looked up in ./profiles/, then as a path, then among the profiles shipped with
the package (`mock`, `staging.example`). One message budget ([target] max_messages) is
shared fairly by the three phases before anything is sent.

The verdict is PASS, WARN (the release may go live: the warnings are listed), INCOMPLETE
(nothing failed, but rules or MAY points were left unchecked) or FAIL; its exit code is the
table's (`okroute_model.exitcodes`, printed by --help).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from contracts import fingerprint, known
from contracts.recorder import unwritable
from contracts.results import ContractResults
from contracts.strategies import Config
from contracts.target import TargetError, live_target
from loadtests.summary import CampaignSummary
from okroute_model.environment import Env
from okroute_model.exitcodes import STRICT, Command, ExitCode, help_text, parse_args
from okroute_model.may import KNOB_POINTS
from okroute_model.profile import ProfileError, load_profile
from okroute_model.secrets import MASKER, install_log_masking
from okroute_verify import compare, html, junit
from okroute_verify import verdict as verdict_file
from okroute_verify.run import (
    Run,
    VerifyStop,
    behaviour,
    contract,
    fingerprint_need,
    load,
    load_need,
    preflight,
    probed,
    share_budget,
    timestamp,
)

SHIPPED_PROFILES = Path(__file__).resolve().parent / "profiles"
LOCAL_PROFILES = Path("profiles")  # the user's own, in the directory they run from
EXAMPLE_PROFILE = SHIPPED_PROFILES / "staging.example.toml"
INCOMPLETE = int(ExitCode.INCOMPLETE)  # the contract suite's "incomplete" exit code
VERDICT_CODES = {
    "PASS": ExitCode.PASS,
    "WARN": ExitCode.PASS,  # the release may go live; --strict gives WARN its own code
    "INCOMPLETE": ExitCode.INCOMPLETE,
    "FAIL": ExitCode.FAIL,
}


EPILOG = f"""examples:
  okroute-verify --target staging --dry-run
      print every request the run would send, with the password masked; send nothing
  okroute-verify --target profiles/staging.toml --save-baseline baselines/release-41.json
      verify a release and keep its results as the next release's baseline
  okroute-verify --target staging --baseline baselines/release-41.json --skip-load
      compare with the release before, without the load smoke

Credentials: {Env.USERNAME}, {Env.PASSWORD} (and _2 for a second account).

{help_text(Command.VERIFY)}"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="okroute-verify",
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--target",
        help="a profile: a name in ./profiles/ (e.g. staging), a file, or a shipped one (mock); "
        "required unless --example-profile",
    )
    p.add_argument(
        "--example-profile",
        action="store_true",
        help="print the example target profile (to start ./profiles/NAME.toml from) and exit "
        "(default off)",
    )
    p.add_argument(
        "--baseline", help="verdict baseline of the release before, a JSON file (default none)"
    )
    p.add_argument("--save-baseline", help="write this run's baseline to this file (default none)")
    p.add_argument(
        "--reports", default="reports", help="folder the run's folder goes in (default reports)"
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be sent; send nothing (default off)",
    )
    p.add_argument("--skip-load", action="store_true", help="no load smoke (default off)")
    p.add_argument(
        STRICT,
        action="store_true",
        help=f"a WARN verdict exits {int(ExitCode.WARN)} instead of 0, for a CI job that must "
        "stop on warnings too (default off)",
    )
    return p


def _profile_path(target: str) -> str:
    """The user's ./profiles/ first, then the path as given, then the package's own."""
    candidates = [LOCAL_PROFILES / target, LOCAL_PROFILES / f"{target}.toml", Path(target)]
    candidates += [SHIPPED_PROFILES / target, SHIPPED_PROFILES / f"{target}.toml"]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    shipped = ", ".join(sorted(p.stem for p in SHIPPED_PROFILES.glob("*.toml")))
    raise VerifyStop(
        f"no profile {target!r}: not in {LOCAL_PROFILES.resolve()}, not a file, "
        f"not one shipped ({shipped})"
    )


def _reports_folder(reports: str) -> Path:
    """This run's folder under `reports` (relative to where the user stands), made now: a place
    that cannot be written stops the run before anything is sent."""
    directory = Path(reports).resolve() / f"verify-{timestamp()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VerifyStop(f"cannot write the reports to {directory}: {exc.strerror}") from None
    return directory


def _baseline(path: str | None) -> dict[str, Any] | None:
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise VerifyStop(f"cannot read the baseline {path}: {exc}") from None


def _dry_run(run: Run, with_load: bool) -> int:
    t = run.target
    print(f"okroute-verify dry run: nothing is sent. Target {t.describe()}")
    contract_lines = share_budget(run, with_load)
    shares, needs = run.shares, run.needs
    requests_fp, _ = fingerprint_need(t)
    requests_load, _ = load_need(run) if with_load else (0, 0)
    print(
        f"budget {run.budget} numbers at risk, shared fairly: "
        + ", ".join(f"{p} {shares[p]} (plans {needs[p]})" for p in shares)
    )
    print(
        f"1. contract suite, within {shares['contract']} numbers at risk, under prefix "
        f"{t.dnis_prefix}, rate {t.rate or 'unlimited'} requests/s:"
    )
    print(
        f"   pytest --pyargs contracts --okroute-profile {run.profile_path} "
        + " ".join(f"--okroute-{'' if k == 'http' else 'https-'}url {u}" for k, u in t.urls.items())
    )
    for line in contract_lines:
        print(f"   {line}")
    print(
        f"2. behaviour fingerprint: {requests_fp} requests, {needs['fingerprint']} numbers at "
        f"risk, these requests:"
    )
    cfg = Config(
        t.primary, t.knobs, t.dnis_prefix, ani=t.ani, live=True, no_route_prefix=t.no_route_prefix
    )
    for line in fingerprint.dry_run(cfg, t, t.secondary):
        print(f"   {line}")
    smoke = run.profile.load
    if with_load:
        print(
            f"3. load smoke: open model, {smoke.rate:g} requests/s for {smoke.duration:g} s "
            f"(about {requests_load} requests, mix {smoke.mix}, about {needs['load']} numbers at "
            f"risk, capped at {shares['load']}), SLOs {', '.join(smoke.slo)}"
        )
    else:
        print("3. load smoke: skipped (--skip-load)")
    total = sum(shares.values())
    print(f"total: at most {total} numbers at risk of the budget of {run.budget}")
    return ExitCode.PASS


def verdict_code(verdict: str, strict: bool) -> ExitCode:
    """The table's code for a verdict: WARN may go live (0) unless --strict asks for its own."""
    return ExitCode.WARN if verdict == "WARN" and strict else VERDICT_CODES[verdict]


def _verdict(
    run: Run,
    results: ContractResults,
    load: CampaignSummary | None,
    differences: list[compare.Difference],
) -> tuple[str, list[str]]:
    fail, warn = [], []
    new_rules = {d.subject for d in differences if d.kind == "contract"}
    for rule in results.failed_rules:
        since = " (new since the baseline)" if rule in new_rules else ""
        fail.append(f"contract rule {rule} failed{since}")
    incomplete = _incomplete(results) + run.unchecked
    if results.exit_code not in (0, 1, INCOMPLETE) and not results.failed_rules:
        fail.append(f"the contract suite ended with exit code {results.exit_code}")
    warn += incomplete
    known_fail, known_warn = known.verdict_lines(results.known_findings)
    fail += known_fail
    warn += known_warn
    for rule in results.warned_rules:
        warn.append(f"contract rule {rule} failed (lowered to a warning by the profile)")
    if load is not None:
        fail += [f"load SLO {slo.line}" for slo in load.slo if not slo.passed]
        if not load.valid:
            why = "; ".join(load.invalid_because or ["the generator fell behind"])
            warn.append(f"the load smoke is invalid, its figures are not the platform's: {why}")
    for difference in differences:
        if difference.kind != "contract":  # a failing rule is listed once, above
            (fail if difference.severity == "fail" else warn).append(difference.line())
    warn += run.notes
    if fail:
        return "FAIL", fail + warn
    if incomplete:
        return "INCOMPLETE", warn
    return ("WARN", warn) if warn else ("PASS", [])


def _incomplete(results: ContractResults) -> list[str]:
    """What the contract suite left unchecked: tests left out for the budget, and every rule no
    check judged, whatever the reason (a verification runs the whole suite: a rule it did not
    check is never a PASS)."""
    lines = [f"contract rule {u['rule']} not checked ({u['check']})" for u in results.unchecked]
    if results.exit_code != INCOMPLETE:
        return lines
    budget = results.budget
    lines = [
        f"contract test not run for the budget: {t}" for t in budget.get("not_run_for_budget", {})
    ] + lines
    return lines or ["the contract suite's verdict is incomplete"]


def _phases(
    run: Run, skip_load: bool
) -> tuple[ContractResults, dict[str, str], CampaignSummary | None]:
    """The contract suite, the fingerprint and the load smoke in turn, each within its share of
    the budget, a line each; their results, the MAY points seen and the load summary (or None)."""
    results = contract(run)
    print(
        f"  contract: {len(results.failed_rules)} rules failed; "
        f"{run.at_risk['contract']} numbers at risk, {run.sent['contract']} sent",
        flush=True,
    )
    prints = behaviour(run) | fingerprint.push_behaviour(results)  # §7 seen by the suite
    recorded = probed(prints)
    print(
        f"  fingerprint: {len(recorded)} of {len(prints)} MAY points probed; "
        f"{run.at_risk['fingerprint']} numbers at risk, {run.sent['fingerprint']} sent",
        flush=True,
    )
    short = [p for p in prints if p not in recorded and "budget" in prints[p]]
    if short:
        run.unchecked.append("MAY points not probed within the budget: " + ", ".join(short))
    observed = [prints[p] for p in KNOB_POINTS.values() if p in prints]
    print(f"  knobs observed: {'; '.join(observed) or 'none'}", flush=True)
    load_summary = None if skip_load else load(run)
    if load_summary is not None:
        print(f"  load smoke: {load_summary.verdict}", flush=True)
    return results, prints, load_summary


def verify(args: argparse.Namespace) -> int:
    profile_path = _profile_path(args.target)
    try:
        profile = load_profile(profile_path)
        target = live_target({}, profile)
    except (ProfileError, TargetError) as exc:
        raise VerifyStop(str(exc)) from None
    install_log_masking()
    before = _baseline(args.baseline)
    if args.dry_run:
        directory = Path(args.reports).resolve() / f"verify-{timestamp()}"  # not written
        dry = Run(profile, profile_path, target, directory, profile.target.max_messages)
        return _dry_run(dry, not args.skip_load)
    problem = unwritable(Path(args.reports))  # checked first, made only once the target answers
    if problem:
        raise VerifyStop(f"cannot write the reports to {Path(args.reports).resolve()}: {problem}")
    preflight(target)  # before the run's folder: a run that sent nothing leaves none
    directory = _reports_folder(args.reports)
    run = Run(profile, profile_path, target, directory, budget=profile.target.max_messages)
    started = time.time()
    print(f"okroute-verify: planning the budget of {run.budget} numbers at risk", flush=True)
    share_budget(run, not args.skip_load)
    print(f"okroute-verify: {target.describe()} -> {directory}", flush=True)
    print(
        "  budget shares (numbers at risk): "
        + ", ".join(f"{p} {n} (plans {run.needs[p]})" for p, n in run.shares.items()),
        flush=True,
    )
    results, prints, load_summary = _phases(run, args.skip_load)
    target_urls = {str(k): v for k, v in target.urls.items()}
    current = compare.baseline(results, prints, load_summary, target_urls)
    differences = compare.compare(before, current, profile.compare) if before else []
    verdict, reasons = _verdict(run, results, load_summary, differences)
    typed = verdict_file.VerifyVerdict(
        verdict=verdict,
        reasons=reasons,
        target=target_urls,
        profile=profile_path,
        baseline=args.baseline,
        started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        seconds=round(time.time() - started, 1),
        budget=run.budget_summary(),
        contract=results.headline(),
        fingerprint=prints,
        load=compare.load_figures(load_summary) if load_summary else None,
        differences=compare.as_dicts(differences),
        known_findings=results.known_findings,
    )
    summary = typed.to_dict()
    run.write(verdict_file.FILENAME, summary)
    junit.write_verification(directory, summary, results, prints, load_summary, differences)
    page = html.render(summary, results, prints, before, load_summary, directory)
    html.write(directory / "index.html", page)
    if args.save_baseline:
        Path(args.save_baseline).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save_baseline).write_text(MASKER.mask(json.dumps(current, indent=2)) + "\n")
    _say_done(run, verdict, reasons)
    return verdict_code(verdict, args.strict)


def _say_done(run: Run, verdict: str, reasons: list[str]) -> None:
    b = run.budget_summary()
    print(
        f"okroute-verify: {verdict} — {run.directory / 'index.html'}\n"
        f"  budget {b.total}: {b.at_risk} numbers at risk, {b.sent} sent"
    )
    for reason in reasons:
        print(f"  {reason}")


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = parse_args(p, argv)
    if args.example_profile:
        print(EXAMPLE_PROFILE.read_text(), end="")
        return ExitCode.PASS
    if not args.target:
        print("okroute-verify: --target is required (a profile name or file)", file=sys.stderr)
        return ExitCode.USAGE
    try:
        return verify(args)
    except VerifyStop as exc:
        print(f"okroute-verify: stopped: {MASKER.mask(str(exc))}", file=sys.stderr)
        return ExitCode.COULD_NOT_VERIFY
    except OSError as exc:  # a file that could not be read or written: could not verify
        where = f" {exc.filename}" if exc.filename else ""
        print(f"okroute-verify: stopped: {exc.strerror or exc}{where}", file=sys.stderr)
        return ExitCode.COULD_NOT_VERIFY
    except KeyboardInterrupt:
        return ExitCode.ABORTED


if __name__ == "__main__":
    sys.exit(main())
