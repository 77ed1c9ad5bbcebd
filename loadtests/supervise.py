"""`okroute-load`'s child processes: the Locust master, its workers, and how they are stopped.

Each child runs in its own session: a Ctrl-C in the terminal reaches the wrapper alone, which
stops the children in order (load first, mock last) instead of all of them at once. A Locust
master is given the time its report needs after a stop (`ending`), then forced.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from loadtests import options
from loadtests.outcome import STOP_REQUESTS
from okroute_mock.launch import free_port, stop

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
GRACE = 120.0  # seconds a campaign may run past its duration before it is stopped
REPORT_WAIT = 30.0  # seconds the Locust master has to write its report once the figures are in
WORKER_WAIT = 15.0
POLL = 0.2


class Stopper:
    """Ctrl-C or SIGTERM: stop the load first (a stop request to the Locust master, which writes
    the report of what ran), then the workers, then the mock; a second signal forces it."""

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


def locust_command(
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


def _roles(directory: Path, workers: int) -> tuple[list[str], list[list[str]]]:
    """The master's role arguments and each worker's."""
    master = ["--logfile", str(directory / "locust.log")]
    if not workers:
        return master, []
    port = str(free_port())
    master = [
        "--master", "--expect-workers", str(workers), "--master-bind-host", "127.0.0.1",
        "--master-bind-port", port, *master,
    ]  # fmt: skip
    return master, [
        ["--worker", "--master-host", "127.0.0.1", "--master-port", port,
         "--logfile", str(directory / f"worker-{i + 1}.log")]
        for i in range(workers)
    ]  # fmt: skip


def run_locust(
    values: dict, host: str, args: argparse.Namespace, directory: Path, stopper: Stopper,
    duration: float,
) -> int:  # fmt: skip
    """One Locust run (a master and its workers, or one process); its exit code."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    spawn = {"env": env, "stdin": subprocess.DEVNULL, "start_new_session": True}
    role, worker_roles = _roles(directory, args.workers)
    logs, workers = [], []
    for i, worker_role in enumerate(worker_roles):
        log = open(directory / f"worker-{i + 1}.log", "wb")  # noqa: SIM115 - closed below
        logs.append(log)
        command = locust_command(values, host, args, directory, worker_role, duration)
        workers.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **spawn))
    command = locust_command(values, host, args, directory, role, duration)
    master = subprocess.Popen(command, **spawn)
    stopper.master = master
    allowance = ending(values)
    deadline = time.monotonic() + duration + GRACE + allowance
    try:
        code = wait(master, stopper, deadline, allowance)
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


def ending(values: dict) -> float:
    """Seconds a Locust master may take from the stop to its exit: the workers' last figures,
    the wait for late pushes, then the report. A master killed sooner writes no report."""
    return options.FINAL_WAIT + float(values["okroute_push_grace"]) + REPORT_WAIT


def wait(master: subprocess.Popen, stopper: Stopper, deadline: float, ending: float) -> int:
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
