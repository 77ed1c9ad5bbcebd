"""`okroute-load`: a load campaign and its report, against the built-in mock or a real platform.

Without --host it starts `okroute-mock` on loopback, runs the campaign against it and stops it:
one command, a complete campaign, on a fresh machine. With --host it needs credentials in
the environment and a number prefix, checks them with one cheap request before any load, and
never submits more numbers than --max-messages. Everything lands in reports/<campaign>/:
index.html, summary.json, charts, Locust's HTML and CSV, logs; nothing there is secret (the
mock's access log and TLS files stay in a private folder, --mock-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from contracts import preflight
from loadtests import capacity, options, page, pushrun, report
from loadtests.outcome import EXIT_CODES, EXIT_HELP, STOP_REQUESTS, Exit, Outcome
from okroute_mock.launch import LaunchError, MockProcess, free_port, launched, stop
from okroute_model.accounts import Accounts, CredentialsMissing, from_env, made_for_mock
from okroute_model.environment import MOCK_DNIS_PREFIX, Env
from okroute_model.exitcodes import parse_args
from okroute_model.secrets import MASKER
from okroute_model.units import argtype, format_duration, parse_duration

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
MOCK_USER = "load"
GRACE = 120.0  # seconds a campaign may run past its duration before it is stopped
REPORT_WAIT = 30.0  # seconds the Locust master has to write its report once the figures are in
WORKER_WAIT = 15.0
POLL = 0.2
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


class UsageError(Exception):
    """A mistake in the command line or the environment, told in one line."""


def _campaign_length(text: str) -> float:
    value = parse_duration(text)
    if value < 1:
        raise ValueError("a campaign runs for at least 1s")
    return value


_duration, _share = argtype(_campaign_length), argtype(options.parse_share)


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
        help="an option for the built-in mock, e.g. --mock-arg=--stall-every=10s (default none)",
    )
    p.add_argument(
        "--mock-dir",
        help="keep the built-in mock's log, access log and TLS files here, outside the reports "
        "(default: a private temporary folder, removed at the end)",
    )
    options.register(p, prefix="", locust=False)
    pushrun.add_arguments(p)
    search = p.add_argument_group("capacity search (--find-capacity)")
    search.add_argument(
        "--find-capacity",
        action="store_true",
        help="ramp the open-model rate in steps to the highest one that holds (default off)",
    )
    search.add_argument(
        "--capacity-start",
        type=argtype(_positive),
        default=50.0,
        help="first step's rate, requests/s (default 50)",
    )
    search.add_argument(
        "--capacity-factor",
        type=argtype(_positive),
        default=1.5,
        help="each step's rate is the last one's times this until a step fails (default 1.5)",
    )
    search.add_argument(
        "--capacity-step",
        type=_duration,
        default=10.0,
        help="duration of one step (default 10s)",
    )
    search.add_argument(
        "--capacity-ceiling",
        type=argtype(_positive),
        default=5000.0,
        help="highest rate tried, requests/s (default 5000)",
    )
    search.add_argument(
        "--capacity-confirm",
        type=_duration,
        default=30.0,
        help="duration of the steady step that confirms the rate found (default 30s)",
    )
    search.add_argument(
        "--capacity-max-throttled",
        type=_share,
        default=0.01,
        help="share of due sends throttled or held back above which a step fails (default 1%%)",
    )
    search.add_argument(
        "--capacity-precision",
        type=_share,
        default=0.05,
        help="the search ends when the rates that held and failed are this close (default 5%%)",
    )
    return p


class Stopper:
    """Ctrl-C or SIGTERM: stop the load first (SIGTERM to the Locust master, which writes the
    report of what ran), then the workers, then the mock; a second signal forces it."""

    def __init__(self) -> None:
        self.signal: str | None = None
        self.request = signal.SIGUSR2
        self.master: subprocess.Popen | None = None

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        first = self.signal is None
        self.signal = signal.Signals(signum).name
        self.request = STOP_REQUESTS.get(signal.Signals(signum), signal.SIGUSR2)
        master = self.master
        if master is None or master.poll() is not None:
            if first:
                raise KeyboardInterrupt  # no load running: unwind, which stops the mock
            return
        if first:
            print(
                f"\nokroute-load: {self.signal}: stopping the load, then the mock (again to force)",
                file=sys.stderr,
                flush=True,
            )
            master.send_signal(self.request)
        else:
            master.kill()


@contextmanager
def _private_dir(keep: str | None) -> Iterator[Path]:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield Path(keep)
        return
    folder = Path(tempfile.mkdtemp(prefix="okroute-load-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _embedded_mock(
    private: Path, extra: list[str], reports: Path, run_accounts: Accounts
) -> Iterator[MockProcess]:
    """The mock on loopback with the run's accounts (the second too, when the environment has
    one: the generators' preflight checks it); its files stay in `private`, its final counters
    (no numbers, texts or IDs) go to reports/<campaign>/mock-stats.json."""
    # The passwords reach the mock in a private file, never an argument.
    accounts = private / "accounts.toml"
    accounts.touch(0o600)
    accounts.chmod(0o600)  # before the passwords go in, whatever the file was
    accounts.write_text(
        "".join(
            f"[[accounts]]\nusername = {json.dumps(a.username)}\n"
            f"password = {json.dumps(a.password)}\n"
            for a in (run_accounts.primary, run_accounts.secondary)
            if a is not None
        )
    )
    try:
        with launched(private / "mock", ["--config", str(accounts), *extra]) as mock:
            try:
                yield mock
            finally:
                _save_mock_stats(mock, reports)
    except LaunchError as exc:
        raise UsageError(f"the built-in mock did not start: {exc}") from None


def _save_mock_stats(mock: MockProcess, reports: Path) -> None:
    try:
        stats = mock.stats()
    except Exception:  # the mock is gone: its counters with it
        return
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "mock-stats.json").write_text(json.dumps(stats, indent=2) + "\n")


def _locust(
    values: dict, host: str, args: argparse.Namespace, directory: Path, role: list[str],
    duration: float,
) -> list[str]:  # fmt: skip
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", host]
    if "--worker" not in role:
        users = max(1, args.workers) if values["okroute_model"] == "open" else args.users
        spawn = users if values["okroute_model"] == "open" else args.spawn_rate
        command += [
            "--headless", "-u", str(users), "-r", str(spawn), "-t", f"{int(duration)}s",
            "--stop-timeout", "5", "--csv", str(directory / "locust"),
            "--html", str(directory / "locust.html"), "--only-summary",
        ]  # fmt: skip
    return command + role + options.as_locust_args(values)


def _describe(values: dict, args: argparse.Namespace, host: str, directory: Path) -> str:
    if values["okroute_model"] == "open":
        load = f"open model {values['okroute_arrival']}"
    else:
        load = f"closed model, {args.users} users"
    targets = " and ".join(u for u in (host, values["okroute_https_host"]) if u)
    workers = f", {args.workers} worker processes" if args.workers else ""
    return (
        f"okroute-load: {load} for {format_duration(args.duration)}{workers} against {targets}; "
        f"message budget {values['okroute_max_messages']} numbers; "
        f"report {directory / 'index.html'}"
    )


def run(args: argparse.Namespace, stopper: Stopper) -> int:
    values = {o.dest: getattr(args, o.dest) for o in options.OPTIONS}
    if not values["okroute_campaign"]:
        values["okroute_campaign"] = time.strftime("%Y%m%d-%H%M%S")
    directory = Path(values["okroute_reports"]) / values["okroute_campaign"]
    embedded = not args.host and not values["okroute_https_host"]
    if embedded and not (values["okroute_dnis_prefix"] or os.environ.get(Env.DNIS_PREFIX)):
        values["okroute_dnis_prefix"] = MOCK_DNIS_PREFIX
    if args.find_capacity:
        values["okroute_model"] = "open"
    try:
        options.settings(values, args.duration, flag="")
        search = _search_config(args) if args.find_capacity else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.workers < 0 or args.users < 1:
        raise UsageError("--users is at least 1 and --workers at least 0")
    accounts = _accounts(embedded)
    if not embedded:  # before any folder is made: a run that sends nothing leaves none
        _preflight(args.host, values, accounts)
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        try:
            push_args, receiver = stack.enter_context(
                pushrun.receiver(args, directory, embedded, accounts.primary.username)
            )
        except pushrun.ReceiverError as exc:
            raise UsageError(str(exc)) from None
        values["okroute_push_receiver"] = receiver or values["okroute_push_receiver"]
        if embedded:
            private = stack.enter_context(_private_dir(args.mock_dir))
            mock_args = [*push_args, *args.mock_arg]
            mock = stack.enter_context(_embedded_mock(private, mock_args, directory, accounts))
            values["okroute_https_host"], values["okroute_ca_bundle"] = mock.https, mock.ca or ""
            host = mock.http
        else:
            host = (args.host or "").rstrip("/")
        directory.mkdir(parents=True, exist_ok=True)
        host = host or values["okroute_https_host"]
        if search is not None:
            return _find_capacity(values, host, args, directory, stopper, search)
        print(_describe(values, args, host, directory), flush=True)
        code = _run_locust(values, host, args, directory, stopper, args.duration)
        return _conclude(directory, code, stopper)


def _accounts(embedded: bool) -> Accounts:
    try:
        if embedded:
            return made_for_mock(MOCK_USER, lambda: secrets.token_urlsafe(18))
        return from_env()
    except CredentialsMissing as exc:
        raise UsageError(str(exc)) from None


def _preflight(host: str | None, values: dict, accounts: Accounts) -> None:
    ca = values["okroute_ca_bundle"] or os.environ.get(Env.CA_BUNDLE) or None
    try:
        preflight.check(((host or "").rstrip("/"), values["okroute_https_host"]), accounts, ca)
    except preflight.PreflightError as exc:
        raise UsageError(str(exc)) from None


def _run_locust(
    values: dict, host: str, args: argparse.Namespace, directory: Path, stopper: Stopper,
    duration: float,
) -> int:  # fmt: skip
    """One Locust run (a master and its workers, or one process); its exit code."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Own sessions: a Ctrl-C in the terminal reaches this wrapper alone, which stops the
    # children in order (load first, mock last) instead of all of them at once.
    spawn = {"env": env, "stdin": subprocess.DEVNULL, "start_new_session": True}
    logs = []
    role = ["--logfile", str(directory / "locust.log")]
    workers: list[subprocess.Popen] = []
    if args.workers:
        port = free_port()
        role = [
            "--master", "--expect-workers", str(args.workers), "--master-bind-host", "127.0.0.1",
            "--master-bind-port", str(port), "--logfile", str(directory / "locust.log"),
        ]  # fmt: skip
        for i in range(args.workers):
            log = open(directory / f"worker-{i + 1}.log", "wb")  # noqa: SIM115 - closed below
            logs.append(log)
            worker_role = [
                "--worker", "--master-host", "127.0.0.1", "--master-port", str(port),
                "--logfile", str(directory / f"worker-{i + 1}.log"),
            ]  # fmt: skip
            command = _locust(values, host, args, directory, worker_role, duration)
            workers.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **spawn))
    master = subprocess.Popen(_locust(values, host, args, directory, role, duration), **spawn)
    stopper.master = master
    ending = _ending(values)
    deadline = time.monotonic() + duration + GRACE + ending
    try:
        code = _wait(master, stopper, deadline, ending)
    finally:
        stopper.master = None
        for worker in workers:
            try:
                worker.wait(WORKER_WAIT)
            except subprocess.TimeoutExpired:
                stop(worker)
        for log in logs:
            log.close()
    return code


def _ending(values: dict) -> float:
    """Seconds a Locust master may take from the stop to its exit: the workers' last figures,
    the wait for late pushes, then the report. A master killed sooner writes no report."""
    return options.FINAL_WAIT + float(values["okroute_push_grace"]) + REPORT_WAIT


def _wait(master: subprocess.Popen, stopper: Stopper, deadline: float, ending: float) -> int:
    stopped_at = None
    while True:
        try:
            return master.wait(POLL)
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if stopper.signal and stopped_at is None:
            stopped_at = now
        if stopped_at is None and now > deadline:
            print("okroute-load: the campaign overran its time and is stopped", file=sys.stderr)
            master.send_signal(stopper.request)
            stopped_at = now
        if stopped_at is not None and now - stopped_at > ending:
            stop(master)
            return master.wait()


def _print_summary(data: dict[str, Any], path: Path) -> None:
    everything = data["scopes"].get("all") or {}
    rates = [p["check_rate"] for p in data["generator"]["processes"] if p["check_rate"]]
    print(
        f"  {everything.get('count', 0)} answers, {everything.get('rps', 0)}/s over "
        f"{data['duration_s']} s of load; errors {everything.get('errors', 0):.3%}, throttled "
        f"{everything.get('throttled', 0):.3%}; contract checks ran on "
        f"{min(rates, default=0):.1%} of answers; "
        f"{data['delivery']['count']} final statuses"
    )
    push_line = pushrun.summary_line(data)
    if push_line:
        print(push_line)
    for slo in data.get("slo", []):
        print(f"  SLO {slo['line']}")
    for reason in data.get("invalid_because", []):
        print(f"  INVALID: {reason}")
    for warning in data.get("warnings", []):
        print(f"  WARNING: {warning}")
    if data.get("aborted_because"):
        print(f"  ABORTED: {data['aborted_because']}")
    print(f"okroute-load: {data['verdict']} — {path}")


def _conclude(directory: Path, code: int, stopper: Stopper) -> int:
    summary = directory / "summary.json"
    if summary.exists():
        _print_summary(json.loads(summary.read_text()), directory / "index.html")
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


def _step(
    values: dict, host: str, args: argparse.Namespace, stopper: Stopper, campaign: str,
    rate: float, duration: float, budget: int,
) -> dict[str, Any] | None:  # fmt: skip
    step = values | {
        "okroute_arrival": f"constant:{rate:.2f}",
        "okroute_campaign": campaign,
        "okroute_max_messages": budget,
        "okroute_max_held": 1.0,  # held sends count as throttling in the search
    }
    directory = Path(values["okroute_reports"]) / campaign
    _run_locust(step, host, args, directory, stopper, duration)
    summary = directory / "summary.json"
    return json.loads(summary.read_text()) if summary.exists() else None


class _Spent:
    """The search's message budget: what is left, and numbers submitted per request due."""

    def __init__(self, budget: int) -> None:
        self.left = budget
        self.per_send: float | None = None  # unknown before the first step

    def affords(self, sends: float) -> bool:
        return self.per_send is None or self.per_send * sends <= self.left

    def count(self, numbers: int, sends: float) -> None:
        self.left = max(0, self.left - numbers)
        self.per_send = numbers / max(sends, 1e-9)


def _show(
    search: capacity.Search, spent: _Spent, name: str, rate: float, summary: dict[str, Any],
    limit: capacity.Limit | None,
) -> None:  # fmt: skip
    """Every step run is shown in the report, and its numbers counted against the budget."""
    row = capacity.step_row(name, rate, summary, limit)
    search.rows.append(row)
    spent.count(row["numbers"], rate * summary["duration_s"])


def _find_capacity(
    values: dict, host: str, args: argparse.Namespace, directory: Path, stopper: Stopper,
    config: capacity.SearchConfig,
) -> int:  # fmt: skip
    base = values["okroute_campaign"]
    budget = int(values["okroute_max_messages"])
    print(
        f"okroute-load: capacity search against {host}: from {config.start:g}/s times "
        f"{config.factor:g} up to {config.ceiling:g}/s, {format_duration(config.step)} a step, "
        f"confirmed for {format_duration(config.confirm)}; message budget {budget} numbers; "
        f"report {directory / 'index.html'}",
        flush=True,
    )
    search = capacity.Search(config)
    spent = _Spent(budget)
    while (rate := search.next_rate()) is not None:
        limit = None
        for attempt in range(1, capacity.GENERATOR_TRIES + 1):  # the generator's noise: again
            if not spent.affords(rate * config.step):
                limit = search.stopped_by = capacity.Limit.BUDGET
                break
            again = f"-try{attempt}" if attempt > 1 else ""
            name = f"{search.steps + 1:02d}-{rate:.0f}rps{again}"
            summary = _step(
                values, host, args, stopper, f"{base}/steps/{name}", rate, config.step, spent.left
            )
            limit = capacity.judge_step(summary, config) if summary else capacity.Limit.ABORTED
            if stopper.signal:
                limit = capacity.Limit.ABORTED
            if summary is not None:
                _show(search, spent, name, rate, summary, limit)
            print(f"  step {name}: {limit or 'held'}", flush=True)
            if limit is not capacity.Limit.GENERATOR:
                break
        if limit is capacity.Limit.BUDGET:
            break
        search.record(rate, limit)
    confirmed, last = None, None
    if search.good is not None and search.stopped_by not in (capacity.Limit.ABORTED,):
        for _attempt in range(3):
            rate = search.good
            last = _step(values, host, args, stopper, base, rate, config.confirm, spent.left)
            limit = capacity.judge_step(last, config) if last else capacity.Limit.ABORTED
            if last is not None:
                _show(search, spent, f"confirm-{rate:.0f}rps", rate, last, limit)
            if limit is None:
                confirmed = rate
                break
            if stopper.signal or limit is capacity.Limit.ABORTED:
                search.stopped_by = capacity.Limit.ABORTED
                break
            if limit is not capacity.Limit.GENERATOR:  # the generator's noise: the same again
                search.step_down()
        if confirmed is None and limit is capacity.Limit.GENERATOR:
            search.stopped_by = limit  # no try held, and the last was the generator's
    return _capacity_report(directory, search, confirmed, last, stopper)


def _capacity_report(
    directory: Path, search: capacity.Search, confirmed: float | None,
    last: dict[str, Any] | None, stopper: Stopper,
) -> int:  # fmt: skip
    stopped_by = search.stopped_by or capacity.Limit.STEPS
    summary = last or {"scopes": {}, "groups": {}, "generator": {"processes": []}, "slo": []}
    summary["capacity"] = {
        "capacity_rps": confirmed,
        "stopped_by": str(stopped_by),
        "steps": search.rows,
        "config": vars(search.config),
    }
    if stopper.signal or stopped_by is capacity.Limit.ABORTED:
        verdict, why = Outcome.ABORTED, f"stopped by {stopper.signal or 'a signal'}"
    elif stopped_by is capacity.Limit.GENERATOR:  # the generator's figure, not the platform's
        verdict, why = (
            Outcome.INVALID,
            "the generator could not apply more"
            + (": the platform holds at least this" if confirmed else ""),
        )
    elif confirmed is None:
        verdict, why = Outcome.FAIL, "no rate held (even the first step, or the confirmation)"
    else:
        verdict, why = Outcome.PASS, None
    summary["verdict"] = str(verdict)
    summary["aborted_because"] = (
        why if verdict is Outcome.ABORTED else summary.get("aborted_because")
    )
    if verdict is Outcome.INVALID:
        summary["invalid_because"] = [why]
    if verdict is Outcome.FAIL:
        summary.setdefault("slo", [])
    summary.setdefault("campaign", directory.name)
    directory.mkdir(parents=True, exist_ok=True)
    report.capacity_chart(search.rows, directory)
    report.write_summary(directory, summary)
    page.write(directory, summary)
    print(
        f"okroute-load: capacity {confirmed:.1f} requests/s"
        if confirmed
        else "okroute-load: no capacity found",
        f"(stopped by {stopped_by}) — {verdict} — {directory / 'index.html'}",
    )
    return EXIT_CODES[verdict]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(parser(), argv)
    stopper = Stopper()
    stopper.install()
    try:
        return run(args, stopper)
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
