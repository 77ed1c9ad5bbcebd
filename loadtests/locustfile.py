"""Locust scenarios of submit, status-query and mo traffic against an OKRoute platform.

    okroute-load                                    (the wrapper: reports, embedded mock, workers)
    locust -f loadtests/locustfile.py --headless --host http://HOST:8001 -u 50 -t 60s \\
        --okroute-https-host https://HOST:8002 --okroute-mix submit=3,query=1

Credentials come from the environment (`okroute_model.environment.Env`), numbers start with the
configured prefix.
Closed model: `ClosedModelUser`, users with wait times. Open model (`--okroute-model open`): one
`OpenModelUser` per process keeps the arrival schedule whether or not the platform answers.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import gevent.ssl
import psutil
from gevent.pool import Pool
from geventhttpclient import HTTPClient
from locust import FastHttpUser, events, task
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS
from locust.runners import MasterRunner, WorkerRunner

from loadtests import junit, metrics, options, page, preflight, pushclient, report
from loadtests.campaign import Campaign
from loadtests.guard import guard
from loadtests.health import BEHIND_AFTER
from loadtests.latency import LatencyBook
from loadtests.live import AbortWatch, Console, View, line
from loadtests.outcome import EXIT_CODES, STOP_REASONS, Exit, decide
from loadtests.pacer import parse_arrival
from loadtests.sender import Sender
from loadtests.thresholds import parse_all
from okroute_model.environment import Env
from okroute_model.params import PATH
from okroute_model.secrets import MASKER, Credentials, install_log_masking
from okroute_model.wire import Transport

log = logging.getLogger("okroute.load")
MAX_LAG = 10.0  # seconds behind schedule after which an open-model send is dropped
DRAIN = 5.0  # seconds the open model waits for answers in flight once the load stops
WATCH_EVERY = 1.0  # seconds between SLO abort checks
LAG_TICK = 0.2  # seconds between event-loop lag samples
FINAL = "okroute_final"  # the master asks each worker for its last figures; they answer


class _Run:
    """This process's state of the campaign."""

    def __init__(self) -> None:
        self.campaign: Campaign | None = None
        self.live: LatencyBook | None = None  # master: worker deltas, merged as they arrive
        self.healths: dict[str, dict[str, Any]] = {}  # master: each worker's latest health
        self.started = 0.0
        self.stopped_at: float | None = None  # when the load window closed
        self.aborted: str | None = None  # why the run was stopped early
        self.stopping = False
        self.final_asked = False  # master: the workers were asked for their last figures
        self.final_pending: set[str] = set()  # master: workers whose last figures are due
        self.final_missing: list[str] = []  # master: workers whose last figures never came
        self.metrics: metrics.Exporter | None = None  # --metrics-listen: the live endpoint


_run = _Run()


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    options.register(parser)


def _settings(environment: Any) -> options.Settings:
    parsed = vars(environment.parsed_options)
    return options.settings(parsed, float(parsed.get("run_time") or 60))


def _credentials() -> Credentials:
    username = os.environ.get(Env.USERNAME, "")
    password = os.environ.get(Env.PASSWORD, "")
    if not username or not password:
        raise ValueError(f"set {Env.USERNAME} and {Env.PASSWORD} in every generator process")
    MASKER.add(password)
    return Credentials(username, password)


def _refuse(message: str) -> None:
    """A mistake in the setup: one line on stderr and exit 2, never a traceback."""
    print(f"okroute-load: {MASKER.mask(message)}", file=sys.stderr, flush=True)
    raise SystemExit(Exit.USAGE)


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    install_log_masking(("", "locust", "okroute", "geventhttpclient"))
    try:
        credentials = _credentials()  # the masker knows the password before anything is logged
        settings = _settings(environment)
    except ValueError as exc:
        _refuse(str(exc))
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.environment.events.report_to_master.add_listener(_report_to_master)
        runner.register_message(FINAL, _send_final, concurrent=True)
        return
    if {ClosedModelUser, OpenModelUser} <= set(environment.user_classes):
        # Both of ours and no choice on the command line: the model decides which one runs.
        wanted = OpenModelUser if settings.model == "open" else ClosedModelUser
        environment.user_classes = [wanted]
    try:
        for url in _bases(environment, settings).values():
            preflight.check(url, credentials, settings.ca_bundle or None)
        _run.metrics = metrics.start(
            environment.parsed_options, settings.slos, settings.push_receiver,
            lambda: _view(environment, settings),
        )  # fmt: skip
    except (ValueError, preflight.PreflightError) as exc:
        _refuse(str(exc))
    # okroute-load's stop requests: stop the load the way --run-time does, so the workers' last
    # figures arrive, then the report of what ran is written, marked ABORTED.
    for request, reason in STOP_REASONS.items():
        gevent.signal_handler(request, _abort, environment, reason)
    if isinstance(runner, MasterRunner):
        environment.events.worker_report.add_listener(_on_worker_report)
        runner.register_message(FINAL, _on_final)
        runner.quit = _quit_after_final_figures(runner, runner.quit)


def _bases(environment: Any, settings: options.Settings) -> dict[Transport, str]:
    bases = {}
    for url in (environment.host or "", settings.https_host):
        if url.startswith(("http://", "https://")):
            bases[Transport(url.split(":", 1)[0])] = url.rstrip("/").removesuffix(PATH)
    if not bases:
        raise ValueError(
            "give the platform's URL: --host http://HOST:PORT (or --okroute-https-host)"
        )
    return bases


def _report_to_master(client_id: str, data: dict[str, Any]) -> None:
    if _run.campaign is not None:
        data["okroute"] = _run.campaign.delta()


def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    if "okroute" in data and _run.live is not None:
        _run.live.add(data["okroute"]["book"])  # a delta: merged once, as it arrives
        _run.healths[client_id] = data["okroute"]["health"]  # cumulative: the latest is complete


def _quit_after_final_figures(runner: MasterRunner, quit: Any) -> Any:
    """Locust's master sends "quit" and then waits a fixed 0.5 s for the workers' last figures;
    on a busy machine they come later, and the report would lack them (or, early in a run,
    have none at all). So the master first asks every worker for its last figures and waits
    for them, at most options.FINAL_WAIT; only then does Locust's quit run."""

    def quit_after_final_figures() -> None:
        if _run.final_asked:  # Locust's shutdown quits again, after the report is written
            quit()
            return
        _run.final_asked = True
        if _run.stopped_at is None:
            _run.stopped_at = time.time()  # the wait for figures is not load
        _run.final_pending = {client.id for client in runner.clients.all}
        for client_id in sorted(_run.final_pending):
            runner.send_message(FINAL, None, client_id)
        deadline = time.monotonic() + options.FINAL_WAIT
        while _run.final_pending and time.monotonic() < deadline:
            gevent.sleep(0.05)
        _run.final_missing = sorted(_run.final_pending)
        quit()

    return quit_after_final_figures


def _send_final(environment: Any, msg: Any, **_: Any) -> None:
    """A worker: end the load and send everything not yet reported."""
    environment.runner.stop()
    data = _run.campaign.delta() if _run.campaign is not None else None
    environment.runner.send_message(FINAL, data)


def _on_final(environment: Any, msg: Any, **_: Any) -> None:
    if msg.data is not None:
        _on_worker_report(msg.node_id, {"okroute": msg.data})
    _run.final_pending.discard(msg.node_id)


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    _run.started, _run.stopped_at, _run.stopping = time.time(), None, False
    settings = _settings(environment)
    parsed = environment.parsed_options
    if not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_watch, environment, settings)
    if isinstance(environment.runner, MasterRunner):
        _run.live, _run.healths = LatencyBook(), {}
        return
    share, offset = 1.0, 0
    if isinstance(environment.runner, WorkerRunner):
        share = 1.0 / max(1, parsed.expect_workers)
        offset = 1000 * (environment.runner.worker_index + 1)
    _run.campaign = Campaign(
        settings,
        _credentials(),
        _bases(environment, settings),
        float(parsed.run_time or 60),
        share,
        offset,
    )
    _OkrouteUser.ssl_context_factory = staticmethod(
        lambda cafile=None: _tls_context(settings.ca_bundle or cafile)
    )
    OpenModelUser.concurrency = max(10, settings.max_in_flight)
    gevent.spawn(_sample_cpu)
    if settings.push_receiver:
        generator = f"worker-{offset // 1000}" if offset else "local"
        _run.campaign.pushes = pushclient.PushReporter(settings.push_receiver, generator)
        gevent.spawn(_run.campaign.pushes.run, gevent.sleep)


@events.test_stop.add_listener
def _on_test_stop(environment: Any, **_: Any) -> None:
    if _run.campaign is not None and _run.campaign.pushes is not None:
        _run.campaign.pushes.flush()  # the last submits, before the master asks for the figures


@events.test_stopping.add_listener
def _on_test_stopping(environment: Any, **_: Any) -> None:
    if _run.stopped_at is None:
        _run.stopped_at = time.time()
    _run.stopping = True
    if _run.campaign is not None:
        _run.campaign.stopped_at = _run.stopped_at


def _abort(environment: Any, reason: str) -> None:
    if _run.aborted is not None:
        return  # already stopping
    _run.aborted = reason
    log.warning("okroute campaign aborted: %s", reason)
    gevent.spawn(environment.runner.quit)


def _view(environment: Any, settings: options.Settings) -> View | None:
    if isinstance(environment.runner, MasterRunner):
        book, healths = _run.live, list(_run.healths.values())
    elif _run.campaign is not None:
        book, healths = _run.campaign.book, [_run.campaign._health()]
    else:
        return None
    total = float(environment.parsed_options.run_time or 0)
    elapsed = time.time() - _run.started
    return View(
        book, healths, elapsed, total or elapsed, settings.model == "open", settings.max_messages
    )


def _watch(environment: Any, settings: options.Settings) -> None:
    """Every second: the SLO abort rule; every --progress: the progress line."""
    watch = AbortWatch(parse_all(settings.slos))
    console = Console()
    last_print, last_count = time.time(), 0
    while not _run.stopping:
        gevent.sleep(WATCH_EVERY)
        view = _view(environment, settings)
        if view is None:
            continue
        now = time.time()
        if watch.active:
            summary = view.summary()
            reason = watch.check(now, report.lookup(view.book, summary, view.corrected))
            if reason is not None:
                _abort(environment, reason)
                break
        if settings.progress and now - last_print >= settings.progress:
            count = view.book.count
            achieved = (count - last_count) / (now - last_print)
            target = sum(h.get("target_rps") or 0 for h in view.healths) or None
            console.show(line(view, achieved, target))
            last_print, last_count = now, count
    console.done()


def _sample_cpu() -> None:
    """CPU once a second, and how late the event loop wakes a sleeper (a starved generator)."""
    process = psutil.Process()
    process.cpu_percent(None)  # the first reading only starts the clock
    ticks = 0
    while True:
        asleep = time.perf_counter()
        gevent.sleep(LAG_TICK)
        lag = time.perf_counter() - asleep - LAG_TICK
        ticks += 1
        if _run.campaign is not None:
            _run.campaign.health.sample_lag(lag)
            if ticks % round(1 / LAG_TICK) == 0:
                _run.campaign.health.sample_cpu(process.cpu_percent(None))


@functools.cache
def _tls_context(cafile: str | None) -> gevent.ssl.SSLContext:
    """One TLS context per process and CA file, shared by every user's pool: each pool would
    otherwise build its own and load the CA file again, tens of milliseconds apiece (about a
    second of a short campaign's start). A private CA (--okroute-ca-bundle) replaces the public
    ones: the platform's certificate must chain to it."""
    return gevent.ssl.create_default_context(cafile=cafile)


class _OkrouteUser(FastHttpUser):
    abstract = True
    insecure = False  # TLS verification stays on; a private CA comes with --okroute-ca-bundle
    concurrency = 1  # a closed-model user has one request in flight

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guard(self.client)  # tasks that use self.client directly must name their requests

    def on_start(self) -> None:
        campaign = _run.campaign
        # geventhttpclient's own pooled client, as FastHttpUser uses underneath: one pool per
        # base URL, as many connections as this user may have requests in flight.
        self.pools = {
            transport: HTTPClient.from_url(
                base,
                concurrency=self.concurrency,
                connection_timeout=self.connection_timeout,
                network_timeout=self.network_timeout,
                insecure=self.insecure,
                ssl_context_factory=self.ssl_context_factory,
            )
            for transport, base in campaign.bases.items()
        }
        self.sender = Sender(
            self.pools,
            self.environment.events.request.fire,
            campaign.bases,
            campaign.ctx,
            campaign.book,
            campaign.settings.check_rate,
            FAILURE_EXCEPTIONS,
            campaign.health,
            seed=random.randrange(2**32),
        )

    def on_stop(self) -> None:
        for pool in self.pools.values():
            pool.close()


class ClosedModelUser(_OkrouteUser):
    """A user that sends, waits a little, and sends again: the closed model."""

    def wait_time(self) -> float:
        low, high = _run.campaign.settings.wait
        return random.uniform(low, high)

    @task
    def step(self) -> None:
        campaign = _run.campaign
        stream = campaign.pick()
        hold = campaign.throttled(stream, time.time())
        if hold:  # the platform asked for a pause: honour it
            campaign.health.held += 1
            gevent.sleep(hold)
        if campaign.step(self.sender, stream) is None:
            gevent.sleep(0.01)  # nothing to send yet: no ID waiting, or the budget is spent


class OpenModelUser(_OkrouteUser):
    """The arrival driver: keeps the schedule whether or not the platform answers."""

    @task
    def drive(self) -> None:
        campaign = _run.campaign
        settings = campaign.settings
        # Users are spread evenly over the processes, so each driver keeps 1/users of the rate.
        users = max(1, self.environment.parsed_options.num_users or 1)
        pacer = parse_arrival(
            settings.arrival, campaign.run_time, 1.0 / users, campaign.rng.randrange(2**32)
        )
        health = campaign.health
        pool = Pool(max(1, settings.max_in_flight))
        start, n = time.time(), 0
        schedule = campaign.follow(pacer, start)  # what is due is counted from the schedule
        unblocked = start  # when the driver last stopped waiting for a free slot
        while not _run.stopping:
            due = pacer.due(n)
            if due >= campaign.run_time:  # the schedule is over; Locust ends the run
                break
            ahead = due - (time.time() - start)
            if ahead > 0:
                gevent.sleep(ahead)
                if _run.stopping:
                    break
            n += 1
            intended = start + due
            if time.time() - intended > BEHIND_AFTER and intended > unblocked:
                health.behind += 1  # late, and not because the platform held every slot
            stream = campaign.pick()
            if campaign.throttled(stream, time.time()):
                health.held += 1
                continue
            # All slots busy (a stalled platform): wait for one, and send late, which the
            # corrected latency shows; a send that falls MAX_LAG behind is dropped instead.
            if pool.full():
                # What falls due from now on waits on the platform; what was due before and
                # not reached yet is the generator's own backlog.
                schedule.blocked_since = time.time()
                available = pool.wait_available(max(0.0, intended + MAX_LAG - time.time()))
                if _run.stopping:  # what waited on the platform at the stop is not counted
                    break
                schedule.blocked_since = None
                unblocked = time.time()
                if not available:
                    health.dropped += 1
                    continue
            pool.spawn(campaign.step, self.sender, stream, intended)
        pool.join(timeout=DRAIN)  # answers in flight still count; nothing new is sent
        while not _run.stopping:
            gevent.sleep(0.2)


@events.quitting.add_listener
def _on_quitting(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    try:
        settings = _settings(environment)
    except ValueError:
        return  # refused at init: nothing ran
    _run.stopping = True
    if isinstance(environment.runner, MasterRunner):
        book, healths = _run.live, list(_run.healths.values())
    elif _run.campaign is not None:
        snapshot = _run.campaign.snapshot()
        book, healths = _run.campaign.book, [snapshot["health"]]
        book.abandoned = snapshot["book"]["abandoned"]
    else:
        book, healths = None, []
    if book is None or not healths:
        log.error("no generator reported any figures")
        environment.process_exit_code = Exit.ABORTED if _run.aborted else Exit.INVALID
        return
    parsed = environment.parsed_options
    run_time = float(parsed.run_time or 0)
    end = _run.stopped_at or time.time()
    # The load window: from the first send (or schedule) to the stop; the drain is not load.
    begin = min((h["load_from"] for h in healths if h.get("load_from")), default=_run.started)
    seconds = max(end - begin, 1e-9)
    ran = end - _run.started
    if _run.aborted is None and run_time and ran < run_time - 1.0:
        _run.aborted = f"stopped after {ran:.1f} s of {run_time:g} s (SIGTERM or SIGINT)"
    write(environment, settings, book, healths, seconds)


def write(
    environment: Any,
    settings: options.Settings,
    book: LatencyBook,
    healths: list[dict[str, Any]],
    seconds: float,
) -> None:
    """The campaign's report: summary.json, charts and index.html; the exit code by verdict."""
    parsed = environment.parsed_options
    open_model = settings.model == "open"
    thresholds = parse_all(settings.slos)
    target = sum(h.get("target_rps") or 0 for h in healths)
    meta = {
        "campaign": settings.campaign,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_run.started)),
        "target": {"http": environment.host or "", "https": settings.https_host},
        "model": settings.model,
        "arrival": settings.arrival if open_model else None,
        "users": parsed.num_users,
        "load": f"open {settings.arrival} ({target:g}/s)"
        if open_model
        else f"closed, {parsed.num_users} users",
        "run_time_s": float(parsed.run_time or 0) or None,
        "processes": len(healths),
        "mix": settings.mix,
        "variants": settings.variants,
        "transports": settings.transports,
        "messages": settings.messages,
        "check_rate": settings.check_rate,
        "max_messages": settings.max_messages,
        "slos": settings.slos,
    }
    limits = {"dropped": settings.max_dropped, "late": settings.max_late, "held": settings.max_held}
    summary = report.summarize(book, healths, seconds, meta, limits)
    push_book = None
    if settings.push_receiver:
        push_book, summary["push"] = pushclient.collect(settings.push_receiver, settings.push_grace)
    verdicts = report.verdicts(book, summary, thresholds, open_model, push_book)
    summary["slo"] = [
        {"threshold": v.threshold.text, "value": v.value, "passed": v.passed, "line": v.line()}
        for v in verdicts
    ]
    summary["slo_judged_on"] = "corrected latency" if open_model else "raw latency"
    errors = sum(e.get("occurrences", 1) for e in environment.runner.exceptions.values())
    if errors:  # a scenario that crashed did not send what it was asked to: see locust.log
        summary["valid"] = False
        summary["invalid_because"].append(f"the generator raised {errors} exceptions (locust.log)")
    if _run.final_missing:  # their last figures are not in this report
        summary["valid"] = False
        summary["invalid_because"].append(
            f"the last figures of {len(_run.final_missing)} worker(s) never arrived "
            f"(waited {options.FINAL_WAIT:g} s): {', '.join(_run.final_missing)}"
        )
    rate = (summary["scopes"].get("all") or {}).get("rps", 0)
    warning = report.omission_warning(book, settings.model, rate)
    summary["warnings"] = [warning] if warning else []
    breached = [v.line() for v in verdicts if not v.passed]
    verdict = decide(summary["valid"], bool(breached), _run.aborted is not None)
    summary["verdict"] = str(verdict)
    summary["aborted_because"] = _run.aborted
    environment.process_exit_code = EXIT_CODES[verdict]
    directory = Path(settings.reports) / (settings.campaign or time.strftime("%Y%m%d-%H%M%S"))
    directory.mkdir(parents=True, exist_ok=True)
    report.write_summary(directory, summary)
    report.charts(book, directory, meta, thresholds, open_model)
    page.write(directory, summary)
    junit.write_campaign(directory, summary)
    for text in summary["warnings"]:
        log.warning(text)
    for text in summary["invalid_because"]:
        log.error("the run is invalid: %s", text)
    for text in breached:
        log.error("SLO breached: %s", text)
    log.info(
        "okroute campaign %s: %s (%s)",
        directory,
        summary["verdict"],
        "; ".join(v.line() for v in verdicts),
    )
    if _run.metrics is not None:
        _run.metrics.finish(summary, gevent.sleep)
