"""A Locust master and its workers: figures as deltas while the load runs, the last ones at the end.

Workers send their master deltas of their latency book with every Locust report, which the master
adds up as they arrive. At the end the master asks each worker for its last figures and waits for
them before Locust's own quit runs.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import gevent
from locust.runners import MasterRunner, WorkerRunner

from loadtests import options
from loadtests.runstate import RunState

FINAL = "okroute_final"  # the master asks each worker for its last figures; they answer
FIGURES = "okroute"  # the key of our figures in Locust's worker report


def attach_worker(runner: WorkerRunner, run: RunState) -> None:
    runner.environment.events.report_to_master.add_listener(partial(_report_to_master, run))
    runner.register_message(FINAL, partial(_send_final, run), concurrent=True)


def attach_master(runner: MasterRunner, run: RunState) -> None:
    runner.environment.events.worker_report.add_listener(partial(_on_worker_report, run))
    runner.register_message(FINAL, partial(_on_final, run))
    runner.quit = _quit_after_final_figures(run, runner, runner.quit)


def _report_to_master(run: RunState, client_id: str, data: dict[str, Any]) -> None:
    if run.campaign is not None:
        data[FIGURES] = run.campaign.delta()


def _on_worker_report(run: RunState, client_id: str, data: dict[str, Any]) -> None:
    if FIGURES in data and run.live is not None:
        run.live.add(data[FIGURES]["book"])  # a delta: merged once, as it arrives
        run.healths[client_id] = data[FIGURES]["health"]  # cumulative: the latest is complete


def _quit_after_final_figures(run: RunState, runner: MasterRunner, quit: Any) -> Any:
    """Locust's master sends "quit" and then waits a fixed 0.5 s for the workers' last figures;
    on a busy machine they come later, and the report would lack them (or, early in a run,
    have none at all). So the master first asks every worker for its last figures and waits
    for them, at most options.FINAL_WAIT; only then does Locust's quit run."""

    def quit_after_final_figures() -> None:
        if run.final_asked:  # Locust's shutdown quits again, after the report is written
            quit()
            return
        run.final_asked = True
        if run.stopped_at is None:
            run.stopped_at = time.time()  # the wait for figures is not load
        run.final_pending = {client.id for client in runner.clients.all}
        for client_id in sorted(run.final_pending):
            runner.send_message(FINAL, None, client_id)
        deadline = time.monotonic() + options.FINAL_WAIT
        while run.final_pending and time.monotonic() < deadline:
            gevent.sleep(0.05)
        run.final_missing = sorted(run.final_pending)
        quit()

    return quit_after_final_figures


def _send_final(run: RunState, environment: Any, msg: Any, **_: Any) -> None:
    """A worker: end the load and send everything not yet reported."""
    environment.runner.stop()
    data = run.campaign.delta() if run.campaign is not None else None
    environment.runner.send_message(FINAL, data)


def _on_final(run: RunState, environment: Any, msg: Any, **_: Any) -> None:
    if msg.data is not None:
        _on_worker_report(run, msg.node_id, {FIGURES: msg.data})
    run.final_pending.discard(msg.node_id)
