"""`okroute-load`: a load campaign and its report, against the built-in mock or a real platform.

Without --host it starts `okroute-mock` on loopback, runs the campaign against it and stops it:
one command, a complete campaign, on a fresh machine. With --host it needs credentials in
the environment and a number prefix, checks them with one cheap request before any load, and
never submits more numbers than --max-messages. Everything lands in reports/<campaign>/:
index.html, summary.json, junit.xml, charts, Locust's HTML and CSV, logs; nothing there is
secret (the mock's access log and TLS files stay in a private folder, --mock-dir).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil

from contracts import preflight
from loadtests import capacity, embedded, metrics, options, pushrun
from loadtests import summary as campaign_summary
from loadtests.outcome import EXIT_HELP, Exit
from loadtests.supervise import Stopper, run_locust
from loadtests.thresholds import judges_pushes, parse_all
from okroute_model.accounts import Accounts, CredentialsMissing, from_env, made_for_mock
from okroute_model.environment import MOCK_DNIS_PREFIX, Env
from okroute_model.exitcodes import parse_args
from okroute_model.secrets import MASKER
from okroute_model.units import argtype, format_duration, parse_duration

EPILOG = f"""examples:
  okroute-load
      30 s against the built-in mock, closed model, report in reports/<timestamp>/index.html
  okroute-load --model open --arrival poisson:500 --duration 5m \\
      --slo 'submit:p99<250ms:abort-after=30s' --slo 'errors<0.1%' --slo 'dlr:p95<1m'
  okroute-load --find-capacity --slo 'submit:p99<100ms' --capacity-ceiling 2000
      steps the open-model rate up to the highest one at which the SLOs and throttling hold

Against a platform: --host http://HOST:8001 [--https-host https://HOST:8002] with
{Env.USERNAME}, {Env.PASSWORD} and {Env.DNIS_PREFIX} (or --dnis-prefix) in the environment.
Ctrl-C or SIGTERM stops the load, then the mock, and writes the report of what ran (ABORTED).

{EXIT_HELP}"""


def _search_options() -> list[tuple[str, Any, float, str]]:
    """--capacity-*: flag, type, default, help (a table)."""
    rate, share, duration = argtype(_positive), argtype(options.parse_share), _duration
    return [
        ("--capacity-start", rate, 50.0, "first step's rate, requests/s (default 50)"),
        ("--capacity-factor", rate, 1.5,
         "each step's rate is the last one's times this until a step fails (default 1.5)"),
        ("--capacity-step", duration, 10.0, "duration of one step (default 10s)"),
        ("--capacity-ceiling", rate, 5000.0, "highest rate tried, requests/s (default 5000)"),
        ("--capacity-confirm", duration, 30.0,
         "duration of the steady step that confirms the rate found (default 30s)"),
        ("--capacity-max-throttled", share, 0.01,
         "share of due sends throttled or held back above which a step fails (default 1%%)"),
        ("--capacity-precision", share, 0.05,
         "the search ends when the rates that held and failed are this close (default 5%%)"),
    ]  # fmt: skip


def _add_search_arguments(p: argparse.ArgumentParser) -> None:
    search = p.add_argument_group("capacity search (--find-capacity)")
    search.add_argument(
        "--find-capacity",
        action="store_true",
        help="ramp the open-model rate in steps to the highest one that holds (default off)",
    )
    for flag, kind, default, text in _search_options():
        search.add_argument(flag, type=kind, default=default, help=text)


class UsageError(Exception):
    """A mistake in the command line or the environment, told in one line."""


def _campaign_length(text: str) -> float:
    value = parse_duration(text)
    if value < 1:
        raise ValueError("a campaign runs for at least 1s")
    return value


_duration = argtype(_campaign_length)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(f"{text!r}: a positive number")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="okroute-load",
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", help="HTTP base URL of the platform (default: start the mock)")
    p.add_argument(
        "--duration", type=_duration, default=30.0, help="how long the load runs (default 30s)"
    )
    p.add_argument("--users", type=int, default=20, help="closed model: users (default 20)")
    p.add_argument(
        "--spawn-rate",
        type=float,
        default=20.0,
        help="closed model: users started per second (default 20)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        help="Locust worker processes on this machine beside a master (default 0: one process)",
    )
    p.add_argument(
        "--mock-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an option for the built-in mock, e.g. --mock-arg=--stall-every=10s (default none; "
        "its delivery story is --accept-delay=100ms..500ms --final-delay=500ms..2s unless "
        "set here)",
    )
    p.add_argument(
        "--mock-dir",
        help="keep the built-in mock's log, access log and TLS files here, outside the reports "
        "(default: a private temporary folder, removed at the end)",
    )
    options.register(p, prefix="", locust=False)
    pushrun.add_arguments(p)
    _add_search_arguments(p)
    return p


def _describe(values: dict, args: argparse.Namespace, host: str, directory: Path) -> str:
    if values["okroute_model"] == "open":
        load = f"open model {values['okroute_arrival']}"
    else:
        load = f"closed model, {args.users} users"
    targets = " and ".join(u for u in (host, values["okroute_https_host"]) if u)
    workers = f", {args.workers} worker processes" if args.workers else ""
    slos = options.settings(values, args.duration, flag="").slos
    listen = values.get("okroute_metrics_listen")
    metrics = f"; live metrics http://{listen}/metrics" if listen else ""
    return (
        f"okroute-load: {load} for {format_duration(args.duration)}{workers} against {targets}; "
        f"message budget {values['okroute_max_messages']} numbers; SLO {', '.join(slos)}; "
        f"report {directory / 'index.html'}{metrics}"
    )


def run(args: argparse.Namespace, stopper: Stopper, began: float) -> int:
    """The campaign or the capacity search; `began` is when this process started (monotonic)."""
    values = {o.dest: getattr(args, o.dest) for o in options.OPTIONS}
    if not values["okroute_campaign"]:
        values["okroute_campaign"] = time.strftime("%Y%m%d-%H%M%S")
    directory = Path(values["okroute_reports"]) / values["okroute_campaign"]
    in_process_mock = not args.host and not values["okroute_https_host"]
    if in_process_mock and not (values["okroute_dnis_prefix"] or os.environ.get(Env.DNIS_PREFIX)):
        values["okroute_dnis_prefix"] = MOCK_DNIS_PREFIX
    if args.find_capacity:
        values["okroute_model"] = "open"
    try:
        values["okroute_slo"] = pushrun.slos(args, values["okroute_slo"])
        options.settings(values, args.duration, flag="")
        search = _search_config(args) if args.find_capacity else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.workers < 0 or args.users < 1:
        raise UsageError("--users is at least 1 and --workers at least 0")
    accounts = _accounts(in_process_mock)
    if not in_process_mock:  # before any folder is made: a run that sends nothing leaves none
        _preflight(args.host, values, accounts)
    try:
        metrics.check_free(values["okroute_metrics_listen"])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        try:
            push_args, receiver = stack.enter_context(
                pushrun.receiver(args, directory, in_process_mock, accounts.primary.username)
            )
        except pushrun.ReceiverError as exc:
            raise UsageError(str(exc)) from None
        values["okroute_push_receiver"] = receiver or values["okroute_push_receiver"]
        if in_process_mock:
            private = stack.enter_context(embedded.private_dir(args.mock_dir))
            mock_args = [*push_args, *embedded.story_args(args.mock_arg), *args.mock_arg]
            try:
                mock = stack.enter_context(embedded.mock(private, mock_args, directory, accounts))
            except embedded.MockError as exc:
                raise UsageError(str(exc)) from None
            values["okroute_https_host"], values["okroute_ca_bundle"] = mock.https, mock.ca or ""
            host = mock.http
        else:
            host = (args.host or "").rstrip("/")
        directory.mkdir(parents=True, exist_ok=True)
        host = host or values["okroute_https_host"]
        if search is not None:
            step = _stepper(values, host, args, stopper)
            return capacity.find(
                search, step, values["okroute_campaign"], int(values["okroute_max_messages"]),
                directory, lambda: stopper.signal, host,
            )  # fmt: skip
        print(_describe(values, args, host, directory), flush=True)
        code = run_locust(values, host, args, directory, stopper, args.duration)
        return _conclude(directory, code, stopper, began)


def _accounts(in_process_mock: bool) -> Accounts:
    try:
        if in_process_mock:
            return made_for_mock(embedded.MOCK_USER, embedded.new_password)
        return from_env()
    except CredentialsMissing as exc:
        raise UsageError(str(exc)) from None


def _preflight(host: str | None, values: dict, accounts: Accounts) -> None:
    ca = values["okroute_ca_bundle"] or os.environ.get(Env.CA_BUNDLE) or None
    try:
        preflight.check(((host or "").rstrip("/"), values["okroute_https_host"]), accounts, ca)
    except preflight.PreflightError as exc:
        raise UsageError(str(exc)) from None


def _print_summary(data: campaign_summary.CampaignSummary, path: Path) -> None:
    everything = data.scopes.get("all")
    processes = data.generator.processes
    rates = [p.check_rate for p in processes if p.check_rate]
    print(
        f"  {everything.count if everything else 0} answers, "
        f"{everything.rps if everything else 0}/s over {data.duration_s} s of load "
        f"({data.overhead_s} s beside it); errors {everything.errors if everything else 0:.3%}, "
        f"throttled {everything.throttled if everything else 0:.3%}; contract checks ran on "
        f"{min(rates, default=0):.1%} of answers; "
        f"{data.delivery.count if data.delivery else 0} final statuses"
    )
    push_line = pushrun.summary_line(data.push)
    if push_line:
        print(push_line)
    for slo in data.slo:
        print(f"  SLO {slo.line}")
    for reason in data.invalid_because:
        print(f"  INVALID: {reason}")
    for warning in data.warnings:
        print(f"  WARNING: {warning}")
    if data.aborted_because:
        print(f"  ABORTED: {data.aborted_because}")
    print(f"okroute-load: {data.verdict} — {path}")


def _conclude(directory: Path, code: int, stopper: Stopper, began: float) -> int:
    data = campaign_summary.stamp_overhead(directory, time.monotonic() - began)
    if data is not None:
        _print_summary(data, directory / "index.html")
    elif stopper.signal:
        print("okroute-load: ABORTED before any figure was written", file=sys.stderr)
    if stopper.signal:
        return Exit.ABORTED
    return code


def _search_config(args: argparse.Namespace) -> capacity.SearchConfig:
    return capacity.SearchConfig(
        start=args.capacity_start,
        factor=args.capacity_factor,
        step=args.capacity_step,
        ceiling=args.capacity_ceiling,
        confirm=args.capacity_confirm,
        max_throttled=args.capacity_max_throttled,
        precision=args.capacity_precision,
    )


def _stepper(values: dict, host: str, args: argparse.Namespace, stopper: Stopper) -> capacity.Step:
    """The capacity search's step: a steady open-model campaign at one rate. A search step
    waits for the last final pushes only if an SLO judges pushes; the confirmation always does,
    as its summary is the search's report."""
    push_slos = any(judges_pushes(t) for t in parse_all(values["okroute_slo"] or []))

    def step(
        campaign: str, rate: float, duration: float, budget: int
    ) -> campaign_summary.CampaignSummary | None:
        settings = values | {
            "okroute_arrival": f"constant:{rate:.2f}",
            "okroute_campaign": campaign,
            "okroute_max_messages": budget,
            "okroute_max_held": 1.0,  # held sends count as throttling in the search
        }
        if campaign != values["okroute_campaign"] and not push_slos:
            settings["okroute_push_grace"] = 0.0  # a step judged on no push need not wait for any
        directory = Path(values["okroute_reports"]) / campaign
        began = time.monotonic()
        run_locust(settings, host, args, directory, stopper, duration)
        data = campaign_summary.stamp_overhead(directory, time.monotonic() - began)
        return data

    return step


def main(argv: list[str] | None = None) -> int:
    # End to end: from this process's start, its imports too.
    began = time.monotonic() - max(0.0, time.time() - psutil.Process().create_time())
    args = parse_args(parser(), argv)
    stopper = Stopper()
    stopper.install()
    try:
        return run(args, stopper, began)
    except UsageError as exc:
        print(f"okroute-load: {MASKER.mask(str(exc))}", file=sys.stderr)
        return Exit.USAGE
    except OSError as exc:  # a folder or file it cannot write or read: one line, not a traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"okroute-load: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return Exit.USAGE
    except KeyboardInterrupt:
        print("okroute-load: ABORTED before the load started", file=sys.stderr)
        return Exit.ABORTED


if __name__ == "__main__":
    sys.exit(main())
