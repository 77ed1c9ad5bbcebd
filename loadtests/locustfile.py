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

import logging
import os
import random
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

from loadtests import options, pushclient, report
from loadtests.campaign import Campaign
from loadtests.guard import guard
from loadtests.health import LATE_AFTER
from loadtests.latency import LatencyBook
from loadtests.pacer import parse_arrival
from loadtests.sender import Sender
from loadtests.thresholds import parse_all
from okroute_model.environment import Env
from okroute_model.params import PATH
from okroute_model.secrets import MASKER, Credentials, install_log_masking
from okroute_model.wire import Transport

log = logging.getLogger("okroute.load")
EXIT_FAIL, EXIT_INVALID = 1, 3
MAX_LAG = 10.0  # seconds behind schedule after which an open-model send is dropped

_campaign: Campaign | None = None
_worker_snapshots: dict[str, dict[str, Any]] = {}
_started = 0.0


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


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    install_log_masking(("", "locust", "okroute", "geventhttpclient"))
    _credentials()  # register the password with the masker before anything is logged
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.environment.events.report_to_master.add_listener(_report_to_master)
        return
    settings = _settings(environment)
    if {ClosedModelUser, OpenModelUser} <= set(environment.user_classes):
        # Both of ours and no choice on the command line: the model decides which one runs.
        wanted = OpenModelUser if settings.model == "open" else ClosedModelUser
        environment.user_classes = [wanted]
    if isinstance(runner, MasterRunner):
        environment.events.worker_report.add_listener(_on_worker_report)


def _report_to_master(client_id: str, data: dict[str, Any]) -> None:
    if _campaign is not None:
        data["okroute"] = _campaign.snapshot()


def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    if "okroute" in data:
        _worker_snapshots[client_id] = data["okroute"]  # cumulative: the latest is complete


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    global _campaign, _started
    _started = time.time()
    if isinstance(environment.runner, MasterRunner):
        return
    settings = _settings(environment)
    parsed = environment.parsed_options
    share, offset = 1.0, 0
    if isinstance(environment.runner, WorkerRunner):
        share = 1.0 / max(1, parsed.expect_workers)
        offset = 1000 * (environment.runner.worker_index + 1)
    bases = {}
    for url in (environment.host or "", settings.https_host):
        if url.startswith(("http://", "https://")):
            bases[Transport(url.split(":", 1)[0])] = url.rstrip("/").removesuffix(PATH)
    _campaign = Campaign(
        settings, _credentials(), bases, float(parsed.run_time or 60), share, offset
    )
    if settings.ca_bundle:
        cafile = settings.ca_bundle
        _OkrouteUser.ssl_context_factory = staticmethod(
            lambda: gevent.ssl.create_default_context(cafile=cafile)
        )
    OpenModelUser.concurrency = max(10, settings.max_in_flight)
    gevent.spawn(_sample_cpu, environment)
    if settings.push_receiver:
        generator = f"worker-{offset // 1000}" if offset else "local"
        _campaign.pushes = pushclient.PushReporter(settings.push_receiver, generator)
        gevent.spawn(_campaign.pushes.run, gevent.sleep)


@events.test_stop.add_listener
def _on_test_stop(environment: Any, **_: Any) -> None:
    if _campaign is not None and _campaign.pushes is not None:
        _campaign.pushes.flush()  # the last submits, before the master asks for the figures


def _sample_cpu(environment: Any) -> None:
    process = psutil.Process()
    process.cpu_percent(None)  # the first reading only starts the clock
    while True:
        gevent.sleep(1.0)
        if _campaign is not None:
            _campaign.health.cpu.append(process.cpu_percent(None))


class _OkrouteUser(FastHttpUser):
    abstract = True
    insecure = False  # TLS verification stays on; a private CA comes with --okroute-ca-bundle
    concurrency = 1  # a closed-model user has one request in flight

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guard(self.client)  # tasks that use self.client directly must name their requests

    def on_start(self) -> None:
        campaign = _campaign
        # geventhttpclient's own pooled client, as FastHttpUser uses underneath: one pool per
        # base URL, as many connections as this user may have requests in flight.
        self.pools = {
            transport: HTTPClient.from_url(
                base,
                concurrency=self.concurrency,
                connection_timeout=self.connection_timeout,
                network_timeout=self.network_timeout,
                insecure=self.insecure,
                ssl_context_factory=self.ssl_context_factory or gevent.ssl.create_default_context,
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
        low, high = _campaign.settings.wait
        return random.uniform(low, high)

    @task
    def step(self) -> None:
        campaign = _campaign
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
        campaign = _campaign
        settings = campaign.settings
        # Users are spread evenly over the processes, so each driver keeps 1/users of the rate.
        users = max(1, self.environment.parsed_options.num_users or 1)
        pacer = parse_arrival(
            settings.arrival, campaign.run_time, 1.0 / users, campaign.rng.randrange(2**32)
        )
        health = campaign.health
        health.target_rps = (health.target_rps or 0) + pacer.expected(
            campaign.run_time
        ) / campaign.run_time
        pool = Pool(max(1, settings.max_in_flight))
        start, n = time.time(), 0
        unblocked = start  # when the driver last stopped waiting for a free slot
        while True:
            due = pacer.due(n)
            if due >= campaign.run_time:  # the schedule is over; Locust ends the run
                gevent.sleep(campaign.run_time)
                continue
            ahead = due - (time.time() - start)
            if ahead > 0:
                gevent.sleep(ahead)
            n += 1
            health.due += 1
            intended = start + due
            if time.time() - intended > LATE_AFTER and intended > unblocked:
                health.behind += 1  # late, and not because the platform held every slot
            stream = campaign.pick()
            if campaign.throttled(stream, time.time()):
                health.held += 1
                continue
            # All slots busy (a stalled platform): wait for one, and send late, which the
            # corrected latency shows; a send that falls MAX_LAG behind is dropped instead.
            if pool.full():
                available = pool.wait_available(max(0.0, intended + MAX_LAG - time.time()))
                unblocked = time.time()
                if not available:
                    health.dropped += 1
                    continue
            pool.spawn(campaign.step, self.sender, stream, intended)


@events.quitting.add_listener
def _on_quitting(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    settings = _settings(environment)
    if isinstance(environment.runner, MasterRunner):
        snapshots = list(_worker_snapshots.values())
    else:
        snapshots = [_campaign.snapshot()] if _campaign is not None else []
    if not snapshots:
        log.error("no generator reported any figures")
        environment.process_exit_code = EXIT_INVALID
        return
    seconds = max(time.time() - _started, 1e-9)
    book = LatencyBook.merged([s["book"] for s in snapshots])
    parsed = environment.parsed_options
    meta = {
        "campaign": settings.campaign,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_started)),
        "target": {"http": environment.host or "", "https": settings.https_host},
        "model": settings.model,
        "arrival": settings.arrival if settings.model == "open" else None,
        "users": parsed.num_users,
        "processes": len(snapshots),
        "mix": settings.mix,
        "variants": settings.variants,
        "transports": settings.transports,
        "messages": settings.messages,
        "check_rate": settings.check_rate,
    }
    summary = report.summarize(book, [s["health"] for s in snapshots], seconds, meta)
    push_book = None
    if settings.push_receiver:
        push_book, summary["push"] = pushclient.collect(settings.push_receiver, settings.push_grace)
    corrected = settings.model == "open"
    verdicts = report.verdicts(book, summary, parse_all(settings.slos), corrected, push_book)
    summary["slo"] = [
        {"threshold": v.threshold.text, "value": v.value, "passed": v.passed, "line": v.line()}
        for v in verdicts
    ]
    summary["slo_judged_on"] = "corrected latency" if corrected else "raw latency"
    breached = [v.line() for v in verdicts if not v.passed]
    if not summary["valid"]:
        summary["verdict"] = "INVALID"
        environment.process_exit_code = EXIT_INVALID
    elif breached:
        summary["verdict"] = "FAIL"
        environment.process_exit_code = EXIT_FAIL
    else:
        summary["verdict"] = "PASS"
        environment.process_exit_code = 0
    directory = Path(settings.reports) / (settings.campaign or time.strftime("%Y%m%d-%H%M%S"))
    directory.mkdir(parents=True, exist_ok=True)
    report.write_summary(directory, summary)
    report.charts(book, directory)
    for line in summary["invalid_because"]:
        log.error("generator saturated, the run is invalid: %s", line)
    for line in breached:
        log.error("SLO breached: %s", line)
    log.info(
        "okroute campaign %s: %s (%s)",
        directory,
        summary["verdict"],
        "; ".join(v.line() for v in verdicts),
    )
