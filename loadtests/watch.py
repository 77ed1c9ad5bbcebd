"""What runs beside the load in a Locust process: the SLO abort rule, the progress line, and the
generator's own health (CPU, and how late its event loop wakes a sleeper)."""

from __future__ import annotations

import logging
import time
from typing import Any

import gevent
import psutil
from locust.runners import MasterRunner

from loadtests import options, report
from loadtests.health import Health
from loadtests.live import AbortWatch, Console, View, line
from loadtests.runstate import RunState
from loadtests.thresholds import parse_all

log = logging.getLogger("okroute.load")
WATCH_EVERY = 1.0  # seconds between SLO abort checks
LAG_TICK = 0.2  # seconds between event-loop lag samples


def abort(environment: Any, run: RunState, reason: str) -> None:
    if run.aborted is not None:
        return  # already stopping
    run.aborted = reason
    log.warning("okroute campaign aborted: %s", reason)
    gevent.spawn(environment.runner.quit)


def live_view(environment: Any, run: RunState, settings: options.Settings) -> View | None:
    if isinstance(environment.runner, MasterRunner):
        book, healths = run.live, list(run.healths.values())
    elif run.campaign is not None:
        book, healths = run.campaign.book, [run.campaign._health()]
    else:
        return None
    elapsed = run.elapsed()
    return View(
        book,
        healths,
        elapsed,
        run.run_time or elapsed,
        settings.model == "open",
        settings.max_messages,
    )


def watch(environment: Any, run: RunState, settings: options.Settings) -> None:
    """Every second: the SLO abort rule; every --progress: the progress line."""
    rule = AbortWatch(parse_all(settings.slos))
    console = Console()
    last_print, last_count = time.time(), 0
    while not run.stopping:
        gevent.sleep(WATCH_EVERY)
        view = live_view(environment, run, settings)
        if view is None:
            continue
        now = time.time()
        if rule.active:
            summary = view.summary()
            reason = rule.check(now, report.lookup(view.book, summary, view.corrected))
            if reason is not None:
                abort(environment, run, reason)
                break
        if settings.progress and now - last_print >= settings.progress:
            count = view.book.count
            achieved = (count - last_count) / (now - last_print)
            target = sum(Health.from_snapshot(h).target_rps or 0 for h in view.healths) or None
            console.show(line(view, achieved, target))
            last_print, last_count = now, count
    console.done()


def sample_cpu(run: RunState) -> None:
    """CPU once a second, and how late the event loop wakes a sleeper (a starved generator)."""
    process = psutil.Process()
    process.cpu_percent(None)  # the first reading only starts the clock
    ticks = 0
    while True:
        asleep = time.perf_counter()
        gevent.sleep(LAG_TICK)
        lag = time.perf_counter() - asleep - LAG_TICK
        ticks += 1
        if run.campaign is not None:
            run.campaign.health.sample_lag(lag)
            if ticks % round(1 / LAG_TICK) == 0:
                run.campaign.health.sample_cpu(process.cpu_percent(None))
