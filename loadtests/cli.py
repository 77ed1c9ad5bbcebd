"""`okroute-load`: a load campaign and its report, against the built-in mock or a real platform.

Without --host it starts `okroute-mock` on loopback, runs the campaign against it and stops it:
one command, a complete campaign, on a fresh machine. With --host it needs credentials in
the environment and a number prefix, and never submits more numbers than --max-messages.
Everything lands in reports/<campaign>/: summary.json, charts, Locust's HTML and CSV, logs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from loadtests import options
from okroute_mock.launch import LaunchError, launched, stop
from okroute_model.environment import MOCK_DNIS_PREFIX, Env
from okroute_model.params import PATH
from okroute_model.units import argtype, parse_duration

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
MOCK_USER = "load"
GRACE = 120.0  # seconds a campaign may run past its duration before it is stopped


class UsageError(Exception):
    """A mistake in the command line or the environment, told in one line."""


def _campaign_length(text: str) -> float:
    value = parse_duration(text)
    if value < 1:
        raise ValueError("a campaign runs for at least 1s")
    return value


_duration = argtype(_campaign_length)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="okroute-load",
        description=__doc__.splitlines()[0],
        epilog=f"Credentials: {Env.USERNAME}, {Env.PASSWORD}.",
    )
    p.add_argument("--host", help="HTTP base URL of the platform (default: start the mock)")
    p.add_argument("--duration", type=_duration, default=30.0, help="e.g. 30s, 5m (default 30s)")
    p.add_argument("--users", type=int, default=20, help="closed model: users (default 20)")
    p.add_argument("--spawn-rate", type=float, default=20.0, help="closed model: users started/s")
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        help="run a Locust master and this many worker processes on this machine",
    )
    p.add_argument(
        "--mock-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an option for the built-in mock, e.g. --mock-arg=--stall-every=10s",
    )
    options.register(p, prefix="", locust=False)
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _probe(url: str, ca: str | None) -> None:
    import ssl

    verify = ssl.create_default_context(cafile=ca) if ca else True
    try:
        httpx.get(f"{url}{PATH}?", timeout=5, verify=verify)
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot reach {url}: {exc}") from None


@contextmanager
def _embedded_mock(directory: Path, extra: list[str]) -> Iterator[tuple[str, str, str]]:
    """The mock on loopback with one account; yields (http URL, https URL, CA file)."""
    username = os.environ.get(Env.USERNAME) or MOCK_USER
    password = os.environ.get(Env.PASSWORD) or secrets.token_urlsafe(18)
    os.environ[Env.USERNAME], os.environ[Env.PASSWORD] = username, password
    # The password reaches the mock in a private file outside the reports, never an argument.
    with tempfile.TemporaryDirectory(prefix="okroute-load-") as private:
        accounts = Path(private) / "accounts.toml"
        accounts.write_text(
            f"[[accounts]]\nusername = {json.dumps(username)}\npassword = {json.dumps(password)}\n"
        )
        accounts.chmod(0o600)
        try:
            with launched(directory, ["--config", str(accounts), *extra]) as mock:
                yield mock.http, mock.https, mock.ca or ""
        except LaunchError as exc:
            raise UsageError(f"the built-in mock did not start: {exc}") from None


def _locust(
    values: dict, host: str, args: argparse.Namespace, directory: Path, role: list[str]
) -> list[str]:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", host]
    if "--worker" not in role:
        users = max(1, args.workers) if values["okroute_model"] == "open" else args.users
        spawn = users if values["okroute_model"] == "open" else args.spawn_rate
        command += [
            "--headless",
            "-u",
            str(users),
            "-r",
            str(spawn),
            "-t",
            f"{int(args.duration)}s",
            "--stop-timeout",
            "5",
            "--csv",
            str(directory / "locust"),
            "--html",
            str(directory / "locust.html"),
            "--only-summary",
        ]
    return command + role + options.as_locust_args(values)


def run(args: argparse.Namespace) -> int:
    values = {o.dest: getattr(args, o.dest) for o in options.OPTIONS}
    if not values["okroute_campaign"]:
        values["okroute_campaign"] = time.strftime("%Y%m%d-%H%M%S")
    directory = Path(values["okroute_reports"]) / values["okroute_campaign"]
    embedded = not args.host and not values["okroute_https_host"]
    if embedded and not (values["okroute_dnis_prefix"] or os.environ.get(Env.DNIS_PREFIX)):
        values["okroute_dnis_prefix"] = MOCK_DNIS_PREFIX
    if not embedded and not (os.environ.get(Env.USERNAME) and os.environ.get(Env.PASSWORD)):
        raise UsageError(f"set {Env.USERNAME} and {Env.PASSWORD} for the platform")
    try:
        options.settings(values, args.duration)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.workers < 0 or args.users < 1:
        raise UsageError("--users is at least 1 and --workers at least 0")
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if embedded:
            http, https, ca = stack.enter_context(_embedded_mock(directory / "mock", args.mock_arg))
            values["okroute_https_host"], values["okroute_ca_bundle"] = https, ca
            host = http
        else:
            host = (args.host or "").rstrip("/")
            ca = values["okroute_ca_bundle"] or os.environ.get(Env.CA_BUNDLE) or None
            for url in (host, values["okroute_https_host"]):
                if url:
                    _probe(url, ca)
        print(
            f"okroute-load: campaign {directory} against {host} "
            f"{values['okroute_https_host']}".rstrip(),
            flush=True,
        )
        return _run_locust(values, host or values["okroute_https_host"], args, directory)


def _run_locust(values: dict, host: str, args: argparse.Namespace, directory: Path) -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    deadline = args.duration + GRACE
    logs = []
    roles = [["--logfile", str(directory / "locust.log")]]
    workers: list[subprocess.Popen] = []
    if args.workers:
        port = _free_port()
        roles = [
            [
                "--master",
                "--expect-workers",
                str(args.workers),
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(port),
                "--logfile",
                str(directory / "locust.log"),
            ]
        ]
        for i in range(args.workers):
            log = open(directory / f"worker-{i + 1}.log", "wb")  # noqa: SIM115 - closed below
            logs.append(log)
            role = [
                "--worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(port),
                "--logfile",
                str(directory / f"worker-{i + 1}.log"),
            ]
            workers.append(
                subprocess.Popen(
                    _locust(values, host, args, directory, role),
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    master = subprocess.Popen(_locust(values, host, args, directory, roles[0]), env=env)
    try:
        code = master.wait(deadline)
    except subprocess.TimeoutExpired:
        stop(master)
        raise UsageError(
            f"the campaign did not end within {deadline:g} s and was stopped"
        ) from None
    finally:
        for worker in workers:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                stop(worker)
        for log in logs:
            log.close()
    summary = directory / "summary.json"
    if summary.exists():
        data = json.loads(summary.read_text())
        everything = data["scopes"].get("all") or {}
        rates = [p["check_rate"] for p in data["generator"]["processes"] if p["check_rate"]]
        print(
            f"  {everything.get('count', 0)} answers, {everything.get('rps', 0)}/s; "
            f"errors {everything.get('errors', 0):.3%}, throttled "
            f"{everything.get('throttled', 0):.3%}; contract checks ran on "
            f"{min(rates, default=0):.1%} of answers; "
            f"{data['delivery']['count']} final statuses"
        )
        for slo in data.get("slo", []):
            print(f"  SLO {slo['line']}")
        for reason in data.get("invalid_because", []):
            print(f"  INVALID: {reason}")
        print(f"okroute-load: {data['verdict']} — {summary}")
    return code


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as exc:
        print(f"okroute-load: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder or file it cannot write or read: one line, not a traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"okroute-load: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
