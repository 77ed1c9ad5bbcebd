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
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import gevent
import gevent.ssl
from gevent.pool import Pool
from geventhttpclient import HTTPClient
from locust import FastHttpUser, events, task
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS
from locust.runners import MasterRunner, WorkerRunner

from contracts import preflight
from loadtests import distributed, finish, metrics, options, pushclient, watch
from loadtests.campaign import Campaign
from loadtests.guard import guard
from loadtests.health import BEHIND_AFTER
from loadtests.latency import LatencyBook
from loadtests.outcome import STOP_REASONS, Exit
from loadtests.pacer import parse_arrival
from loadtests.runstate import RunState
from loadtests.sender import Sender
from okroute_model.accounts import Accounts, from_env
from okroute_model.params import PATH
from okroute_model.secrets import MASKER, install_log_masking
from okroute_model.wire import Transport

log = logging.getLogger("okroute.load")
MAX_LAG = 10.0  # seconds behind schedule after which an open-model send is dropped
DRAIN = 5.0  # seconds the open model waits for answers in flight once the load stops


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    options.register(parser)


def _settings(environment: Any, run: RunState) -> options.Settings:
    return options.settings(vars(environment.parsed_options), run.planned)


@functools.cache
def _accounts() -> Accounts:
    """The run's accounts, read from the environment once per process."""
    return from_env()


def _refuse(message: str) -> None:
    """A mistake in the setup: one line on stderr, never a traceback. Locust speaks as Locust
    (okroute-load checks the same before it starts Locust, and says so as itself)."""
    print(f"locust: {MASKER.mask(message)}", file=sys.stderr, flush=True)
    raise SystemExit(Exit.USAGE)


def _listen(environment: Any, run: RunState) -> None:
    """This process's listeners, each given the run state."""
    events = environment.events
    events.test_start.add_listener(functools.partial(_on_test_start, run))
    events.test_stop.add_listener(functools.partial(_on_test_stop, run))
    events.test_stopping.add_listener(functools.partial(_on_test_stopping, run))
    events.quitting.add_listener(functools.partial(_on_quitting, run))
    _OkrouteUser.okroute = run


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    install_log_masking(("", "locust", "okroute", "geventhttpclient"))
    run = RunState.of(environment.parsed_options)
    try:
        accounts = _accounts()  # the masker knows the passwords before anything is logged
        settings = _settings(environment, run)
    except ValueError as exc:
        _refuse(str(exc))
    _listen(environment, run)
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        distributed.attach_worker(runner, run)
        return
    if {ClosedModelUser, OpenModelUser} <= set(environment.user_classes):
        # Both of ours and no choice on the command line: the model decides which one runs.
        wanted = OpenModelUser if settings.model == "open" else ClosedModelUser
        environment.user_classes = [wanted]
    try:
        preflight.check(
            _bases(environment, settings).values(), accounts, settings.ca_bundle or None
        )
        run.metrics = metrics.start(
            environment.parsed_options, settings.slos, settings.push_receiver,
            lambda: watch.live_view(environment, run, settings),
        )  # fmt: skip
    except (ValueError, preflight.PreflightError) as exc:
        _refuse(str(exc))
    # okroute-load's stop requests: stop the load the way --run-time does, so the workers' last
    # figures arrive, then the report of what ran is written, marked ABORTED.
    for request, reason in STOP_REASONS.items():
        gevent.signal_handler(request, watch.abort, environment, run, reason)
    if isinstance(runner, MasterRunner):
        distributed.attach_master(runner, run)


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


def _on_test_start(run: RunState, environment: Any, **_: Any) -> None:
    run.start()
    settings = _settings(environment, run)
    if not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(watch.watch, environment, run, settings)
    if isinstance(environment.runner, MasterRunner):
        run.live, run.healths = LatencyBook(), {}
        return
    share, offset = 1.0, 0
    if isinstance(environment.runner, WorkerRunner):
        share = 1.0 / max(1, environment.parsed_options.expect_workers)
        offset = 1000 * (environment.runner.worker_index + 1)
    bases = _bases(environment, settings)
    run.campaign = Campaign(settings, _accounts().primary, bases, run.planned, share, offset)
    _OkrouteUser.ssl_context_factory = staticmethod(
        lambda cafile=None: _tls_context(settings.ca_bundle or cafile)
    )
    ClosedModelUser.wait_time = waiting(*settings.wait)
    OpenModelUser.concurrency = max(10, settings.max_in_flight)
    gevent.spawn(watch.sample_cpu, run)
    if settings.push_receiver:
        generator = f"worker-{offset // 1000}" if offset else "local"
        run.campaign.pushes = pushclient.PushReporter(settings.push_receiver, generator)
        gevent.spawn(run.campaign.pushes.run, gevent.sleep)


def _on_test_stop(run: RunState, environment: Any, **_: Any) -> None:
    if run.campaign is not None and run.campaign.pushes is not None:
        run.campaign.pushes.flush()  # the last submits, before the master asks for the figures


def _on_test_stopping(run: RunState, environment: Any, **_: Any) -> None:
    if run.stopped_at is None:
        run.stopped_at = time.time()
    run.stopping = True
    if run.campaign is not None:
        run.campaign.stopped_at = run.stopped_at


def _on_quitting(run: RunState, environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    try:
        settings = _settings(environment, run)
    except ValueError:
        return  # refused at init: nothing ran
    finish.conclude(environment, run, settings)


def waiting(low: float, high: float) -> Callable[[Any], float]:
    """The closed model's wait between a user's sends, as Locust's own `between()`: a closure
    that Locust calls as the user's `wait_time` method."""
    return lambda user: random.uniform(low, high)


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
    okroute: RunState  # this process's campaign, set at init

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guard(self.client)  # tasks that use self.client directly must name their requests

    def on_start(self) -> None:
        campaign = self.okroute.campaign
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

    wait_time = waiting(0.0, 0.0)  # the campaign's --okroute-wait, set at test start

    @task
    def step(self) -> None:
        campaign = self.okroute.campaign
        stream = campaign.pick()
        hold = campaign.throttled(stream, time.time())
        if hold:  # the platform asked for a pause: honour it
            campaign.health.held += 1
            gevent.sleep(hold)
        if campaign.step(self.sender, stream) is None:
            gevent.sleep(0.01)  # nothing to send yet: no ID waiting, or the budget is spent


class OpenModelUser(_OkrouteUser):
    """The arrival driver: keeps the schedule whether or not the platform answers."""

    driven = False  # a driver keeps one schedule: Locust calls its task again once it returns

    @task
    def drive(self) -> None:
        if self.driven:  # the schedule is over or the run stopping: no second schedule
            gevent.sleep(0.2)
            return
        self.driven = True
        campaign = self.okroute.campaign
        settings = campaign.settings
        # Users are spread evenly over the processes, so each driver keeps 1/users of the rate.
        users = max(1, self.environment.parsed_options.num_users or 1)
        seed = campaign.rng.randrange(2**32)
        pacer = parse_arrival(settings.arrival, campaign.run_time, 1.0 / users, seed)
        health = campaign.health
        pool = Pool(max(1, settings.max_in_flight))
        start, n = time.time(), 0
        schedule = campaign.follow(pacer, start)  # what is due is counted from the schedule
        unblocked = start  # when the driver last stopped waiting for a free slot
        while not self.okroute.stopping:
            due = pacer.due(n)
            if due >= campaign.run_time:  # the schedule is over; Locust ends the run
                break
            ahead = due - (time.time() - start)
            if ahead > 0:
                gevent.sleep(ahead)
                if self.okroute.stopping:
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
                if self.okroute.stopping:  # what waited on the platform at the stop is not counted
                    break
                schedule.blocked_since = None
                unblocked = time.time()
                if not available:
                    health.dropped += 1
                    continue
            pool.spawn(campaign.step, self.sender, stream, intended)
        pool.join(timeout=DRAIN)  # answers in flight still count; nothing new is sent
        while not self.okroute.stopping:
            gevent.sleep(0.2)
