"""The end of a Locust run: the figures gathered, judged and written, the exit code by verdict.

On a master the figures are the workers' merged deltas; in one process, its own book. The load
window runs from the first send (or schedule) to the stop: the drain and the wait for the
workers' last figures are not load.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import gevent
from locust.runners import MasterRunner

from loadtests import junit, options, page, pushclient, report
from loadtests import summary as campaign_summary
from loadtests.latency import LatencyBook
from loadtests.outcome import EXIT_CODES, Exit, decide
from loadtests.runstate import RunState
from loadtests.summary import CampaignSummary, SloLine
from loadtests.thresholds import Verdict, parse_all
from okroute_model.wire import Transport

log = logging.getLogger("okroute.load")


def _figures(environment: Any, run: RunState) -> tuple[LatencyBook | None, list[dict]]:
    if isinstance(environment.runner, MasterRunner):
        return run.live, list(run.healths.values())
    if run.campaign is not None:
        snapshot = run.campaign.snapshot()
        book = run.campaign.book
        book.abandoned = snapshot["book"]["abandoned"]
        return book, [snapshot["health"]]
    return None, []


def conclude(environment: Any, run: RunState, settings: options.Settings) -> None:
    """At Locust's quitting: the report of what ran, or INVALID/ABORTED when nothing did."""
    run.stopping = True
    book, healths = _figures(environment, run)
    if book is None or not healths:
        log.error("no generator reported any figures")
        environment.process_exit_code = Exit.ABORTED if run.aborted else Exit.INVALID
        return
    end = run.stopped_at or time.time()
    begin = min((h["load_from"] for h in healths if h.get("load_from")), default=run.started)
    seconds = max(end - begin, 1e-9)
    ran = end - run.started
    if run.aborted is None and run.run_time and ran < run.run_time - 1.0:
        run.aborted = f"stopped after {ran:.1f} s of {run.run_time:g} s (SIGTERM or SIGINT)"
    write(environment, run, settings, book, healths, seconds)


def _describe(
    summary: CampaignSummary,
    environment: Any,
    run: RunState,
    settings: options.Settings,
    processes: int,
) -> None:
    """What ran: the campaign's settings, in its summary."""
    users = environment.parsed_options.num_users
    open_model = settings.model == "open"
    target = summary.generator.total(lambda p: p.target_rps)
    summary.campaign = settings.campaign
    summary.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(run.started))
    summary.target = {Transport.HTTP: environment.host or "", Transport.HTTPS: settings.https_host}
    summary.model = settings.model
    summary.arrival = settings.arrival if open_model else None
    summary.users = users
    summary.load = (
        f"open {settings.arrival} ({target:g}/s)" if open_model else f"closed, {users} users"
    )
    summary.run_time_s = run.run_time
    summary.processes = processes
    summary.mix, summary.variants = settings.mix, settings.variants
    summary.transports, summary.messages = settings.transports, settings.messages
    summary.check_rate, summary.max_messages = settings.check_rate, settings.max_messages
    summary.slos = settings.slos


def _invalid_by_the_run(environment: Any, run: RunState) -> list[str]:
    """What makes the run's figures untrustworthy beyond the generator's own health."""
    reasons = []
    errors = sum(e.get("occurrences", 1) for e in environment.runner.exceptions.values())
    if errors:  # a scenario that crashed did not send what it was asked to: see locust.log
        reasons.append(f"the generator raised {errors} exceptions (locust.log)")
    if run.final_missing:  # their last figures are not in this report
        reasons.append(
            f"the last figures of {len(run.final_missing)} worker(s) never arrived "
            f"(waited {options.FINAL_WAIT:g} s): {', '.join(run.final_missing)}"
        )
    return reasons


def _log(directory: Path, summary: CampaignSummary, verdicts: list[Verdict]) -> None:
    for text in summary.warnings:
        log.warning(text)
    for text in summary.invalid_because:
        log.error("the run is invalid: %s", text)
    for v in verdicts:
        if not v.passed:
            log.error("SLO breached: %s", v.line())
    shown = "; ".join(v.line() for v in verdicts)
    log.info("okroute campaign %s: %s (%s)", directory, summary.verdict, shown)


def write(
    environment: Any,
    run: RunState,
    settings: options.Settings,
    book: LatencyBook,
    healths: list[dict[str, Any]],
    seconds: float,
) -> None:
    """The campaign's report: summary.json, charts and index.html; the exit code by verdict."""
    open_model = settings.model == "open"
    thresholds = parse_all(settings.slos)
    limits = {"dropped": settings.max_dropped, "late": settings.max_late, "held": settings.max_held}
    summary = report.summarize(book, healths, seconds, limits)
    _describe(summary, environment, run, settings, len(healths))
    directory = Path(settings.reports) / (settings.campaign or time.strftime("%Y%m%d-%H%M%S"))
    directory.mkdir(parents=True, exist_ok=True)
    # The charts need no push figures: drawn first, they take their seconds out of the wait
    # for the last final pushes, which the receiver ends once every message has one.
    report.charts(book, directory, summary, thresholds, open_model)
    push_book = None
    if settings.push_receiver:
        push_book, summary.push = pushclient.collect(settings.push_receiver, settings.push_grace)
    verdicts = report.verdicts(book, summary, thresholds, open_model, push_book)
    summary.slo = [SloLine(v.threshold.text, v.passed, v.value, v.line()) for v in verdicts]
    summary.slo_judged_on = "corrected latency" if open_model else "raw latency"
    invalid = _invalid_by_the_run(environment, run)
    if invalid:
        summary.valid = False
        summary.invalid_because += invalid
    everything = summary.scopes.get("all")
    warning = report.omission_warning(book, settings.model, everything.rps if everything else 0)
    summary.warnings = [warning] if warning else []
    breached = any(not v.passed for v in verdicts)
    verdict = decide(summary.valid, breached, run.aborted is not None)
    summary.verdict = str(verdict)
    summary.aborted_because = run.aborted
    environment.process_exit_code = EXIT_CODES[verdict]
    campaign_summary.write(directory, summary)
    page.write(directory, summary)
    junit.write_campaign(directory, summary)
    _log(directory, summary, verdicts)
    if run.metrics is not None:  # the report's figures stay on the endpoint for a last scrape
        run.metrics.finish(summary, gevent.sleep)
