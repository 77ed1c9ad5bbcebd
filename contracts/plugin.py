"""pytest plugin of the contract suite: options, fixtures, masking, seeds, the plan and reports.

Loaded by the repository's `conftest.py`. Offline by default; live when a URL is given:

    pytest contracts --okroute-url http://HOST:8001 --okroute-https-url https://HOST:8002

Before anything is sent, the run is planned within its message budget (`contracts/planner.py`);
`--okroute-plan` prints the plan and sends nothing. Exit codes: `planner.ExitCode`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, is_hypothesis_test, settings
from hypothesis.configuration import set_hypothesis_home_dir

from contracts import aging, failure_report, gc_settle, invoke, known, preflight, push_setup
from contracts.checks import ALL_CHECK_NAMES, CHECKS, GROUP_CHECKS, CheckContext
from contracts.client import ContractClient
from contracts.exercise import Exerciser
from contracts.planner import COST_MARKER, ExitCode, Item, Plan, context, make_plan
from contracts.push_stream import SecondStream, reserve
from contracts.pushes import live_collector
from contracts.receiver import ThreadedReceiver, parse_listen
from contracts.recorder import RunRecorder, unwritable
from contracts.strategies import Config
from contracts.target import (
    Target,
    TargetError,
    live_target,
    offline_target,
    wants_live,
)
from okroute_mock.breaks import parse_breaks
from okroute_mock.quirks import parse_flips
from okroute_model.accounts import Accounts
from okroute_model.environment import Env
from okroute_model.flags import Flag, add_flags
from okroute_model.profile import Profile, ProfileError, load_profile
from okroute_model.rules import RULES
from okroute_model.secrets import MASKER, install_log_masking

OFFLINE_PROFILE, LIVE_PROFILE = "okroute-offline", "live"

# No explain phase: for a contract failure it adds about 100 more requests and ten seconds
# per failing test, to say which parts of an already shrunk case did not matter.
settings.register_profile(
    OFFLINE_PROFILE,
    max_examples=30,
    deadline=None,
    print_blob=True,
    phases=tuple(p for p in Phase if p is not Phase.explain),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Every live example may be a real SMS: few, the same ones every run, no shrinking (which would
# send more), and nothing replayed from a database of earlier runs.
settings.register_profile(
    LIVE_PROFILE,
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)

_RECORDER = pytest.StashKey[RunRecorder]()
_CLIENT = pytest.StashKey[ContractClient]()
_PROFILE = pytest.StashKey[Profile]()
_SEED = pytest.StashKey[str]()
_PLAN = pytest.StashKey[Plan]()
_TARGET = pytest.StashKey[Target]()
_SEEN = pytest.StashKey[tuple[int, int, int]]()  # the client's counts after the last test
_ACTUAL = pytest.StashKey[dict[str, tuple[int, int, int]]]()  # test -> requests, at risk, sent
_EXIT = pytest.StashKey[int]()  # the run's exit code, from the table
_STOPPED_ON = pytest.StashKey[str]()  # the test after which --okroute-stop-on stopped the run


# The suite's options, in the order --help shows them (then --okroute-known, `known.py`'s).
_FLAGS: tuple[Flag, ...] = (
    Flag(
        "--okroute-url", help=f"live HTTP endpoint, e.g. http://10.0.0.5:8001 (env {Env.HTTP_URL})"
    ),
    Flag("--okroute-https-url", help=f"live HTTPS endpoint (env {Env.HTTPS_URL})"),
    Flag("--okroute-profile", help="deployment profile (TOML) over the defaults"),
    Flag(
        "--okroute-reports",
        default="reports",
        help="where results, coverage and JUnit XML go (default: reports)",
    ),
    Flag(
        "--okroute-warn",
        action="append",
        default=[],
        metavar="RULE",
        help="lower one SHOULD rule to a warning (repeatable)",
    ),
    Flag(
        "--okroute-dlr-listen",
        metavar="HOST:PORT",
        help="live: receive the platform's DLR and MO pushes here and check them (set every "
        "account's URLs to the templates the run prints at its start and in --okroute-plan)",
    ),
    Flag(
        "--okroute-dlr-public-url",
        metavar="URL",
        help="live: base URL the platform reaches the push receiver at, in the printed templates "
        "(default http://HOST:PORT of --okroute-dlr-listen)",
    ),
    Flag(
        "--okroute-push-wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long a final status may take to be pushed after query shows it (default 30)",
    ),
    Flag(
        "--okroute-age-wait",
        type=float,
        default=aging.DEFAULT_WAIT,
        metavar="SECONDS",
        help="time phase: query the run's earliest IDs again this long after their final status "
        f"(default {aging.DEFAULT_WAIT:g}; longer for a soak)",
    ),
    Flag(
        "--okroute-break",
        action="append",
        default=[],
        metavar="FAULT",
        help="offline only: break the fake with a catalogue fault (repeatable)",
    ),
    Flag(
        "--okroute-plan",
        action="store_true",
        help="print the run's plan within the message budget (per test and phase: requests, "
        "numbers at risk) and send nothing",
    ),
    Flag(
        "--okroute-stop-on",
        action="append",
        default=[],
        metavar="RULE",
        help="stop the run after the test in which RULE failed (repeatable): enough to show a "
        "known fault is caught, as the detection run does",
    ),
    Flag(
        "--okroute-strict",
        action="store_true",
        help=f"a rule lowered to a warning that failed ends the run with exit "
        f"{int(ExitCode.WARN)} instead of 0",
    ),
    Flag(
        "--okroute-may-flip",
        action="append",
        default=[],
        metavar="POINT",
        help="offline only: flip the fake's answer at a MAY point ('all' for every one)",
    ),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("okroute", "OKRoute contract suite")
    add_flags(group.addoption, _FLAGS)
    known.add_option(group)


def _options(config: pytest.Config) -> dict[str, object]:
    return {
        "http_url": config.getoption("okroute_url"),
        "https_url": config.getoption("okroute_https_url"),
    }


def _profile(config: pytest.Config) -> Profile:
    """The run's profile, read once."""
    if _PROFILE not in config.stash:
        try:
            config.stash[_PROFILE] = load_profile(config.getoption("okroute_profile"))
        except ProfileError as exc:
            raise pytest.UsageError(str(exc)) from None
    return config.stash[_PROFILE]


def _live(config: pytest.Config) -> bool:
    return wants_live(_options(config), os.environ, _profile(config))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RECORDER] = RunRecorder()
    reports = Path(config.getoption("okroute_reports"))
    problem = unwritable(reports)
    if problem:
        raise pytest.UsageError(f"okroute: cannot write the reports to {reports}: {problem}")
    unknown = [name for name in config.getoption("okroute_stop_on") if name not in RULES]
    if unknown:
        raise pytest.UsageError(
            f"okroute: --okroute-stop-on: unknown rule {unknown[0]!r}; known: {', '.join(RULES)}"
        )
    profile = _profile(config)
    known.configure(config, profile.checks.known, profile.source, config.stash[_RECORDER])
    if config.getoption("okroute_age_wait") < 0:
        raise pytest.UsageError("okroute: --okroute-age-wait must not be negative")
    live = _live(config)
    _check_options(config, live)
    if live and not config.getoption("okroute_plan") and not hasattr(config, "workerinput"):
        _preflight(config)  # before JUnit is set up: a run that judged nothing writes nothing
    planning = config.getoption("okroute_plan")  # a plan keeps the last run's junit.xml
    if getattr(config.option, "xmlpath", None) is None and not hasattr(config, "workerinput"):
        config.option.xmlpath = None if planning else str(reports / "junit.xml")
    if live or planning:
        _private_hypothesis_home(config)
    if live:
        seed = "derandomized (the live profile sends the same examples every run)"
    else:
        if config.getoption("hypothesis_seed", None) is None:
            config.option.hypothesis_seed = str(random.randrange(2**32))
        seed = str(config.option.hypothesis_seed)
    config.stash[_SEED] = seed
    install_log_masking()


def _private_hypothesis_home(config: pytest.Config) -> None:
    """A live run keeps no example database, and a plan sends nothing: neither leaves a
    `.hypothesis/` (Hypothesis's cache of the suite's constants) in the user's directory."""
    home = Path(tempfile.mkdtemp(prefix="okroute-hypothesis-"))
    set_hypothesis_home_dir(home)
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if config.getoption("hypothesis_profile", None) is None:
        settings.load_profile(LIVE_PROFILE if _live(config) else OFFLINE_PROFILE)


def pytest_report_header(config: pytest.Config) -> list[str]:
    mode = "live" if _live(config) else "offline (respx fake)"
    return [
        f"okroute: {mode}; hypothesis profile {settings.get_current_profile_name()!r}",
        f"okroute: hypothesis seed {config.stash[_SEED]}",
    ]


def _check_options(config: pytest.Config, live: bool) -> None:
    """Mistakes in the okroute options, told before the session as one usage line (a fixture
    that stopped the run would show pytest's own `Exit` text)."""
    try:
        CheckContext(_profile(config).platform, warn=_warned(config))
        listen = config.getoption("okroute_dlr_listen")
        if listen and not live:
            raise TargetError("--okroute-dlr-listen is for a live run; offline the fake pushes")
        if listen:
            parse_listen(listen)
    except ValueError as exc:
        raise pytest.UsageError(f"okroute: {exc}") from None


def _warned(config: pytest.Config) -> frozenset[str]:
    """The SHOULD rules lowered to warnings: the profile's and --okroute-warn's."""
    return frozenset(_profile(config).checks.warn) | frozenset(config.getoption("okroute_warn"))


def _preflight(config: pytest.Config) -> None:
    """The shared preflight (`contracts.preflight`) before any test: a setup mistake is one
    line and the could-not-verify code (pytest's usage error, 4), never a failed rule."""
    try:
        target = _target(config)
        accounts = Accounts(target.primary, target.secondary)
        preflight.check(target.urls.values(), accounts, target.ca_bundle)
    except (preflight.PreflightError, TargetError, ValueError) as exc:
        raise pytest.UsageError(f"okroute: {MASKER.mask(str(exc))}") from None


def _push_listen(config: pytest.Config, live: bool) -> tuple[str, str]:
    """(HOST:PORT, public URL) of the push receiver: the options, else the profile's (for
    okroute-verify); ("", "") when none is asked for."""
    t = _profile(config).target
    listen = config.getoption("okroute_dlr_listen") or (t.push_listen if live else "")
    return listen, config.getoption("okroute_dlr_public_url") or t.push_public_url


def _receiver(pytestconfig: pytest.Config, target) -> ThreadedReceiver | None:
    """The live receiver, when one is asked for; offline the fake pushes in process."""
    listen, public = _push_listen(pytestconfig, target.live)
    if not listen:
        return None
    if not target.live:
        raise TargetError("--okroute-dlr-listen is for a live run; offline the fake pushes itself")
    try:
        target.pushes, receiver = live_collector(*parse_listen(listen))
    except OSError as exc:
        raise TargetError(f"cannot listen for pushes on {listen}: {exc.strerror or exc}") from None
    target.pushes.url = push_setup.public_base(listen, public, receiver.port)
    return receiver


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    """Before anything is sent (and in --okroute-plan): the push URLs to set on every account."""
    if not _live(config):
        return []
    listen, public = _push_listen(config, True)
    if not listen:
        return []
    try:
        target = _target(config)
        push_setup.parse_listen(listen)
    except ValueError:
        return []  # the run's own setup error says what is wrong
    accounts = [c.username for c in (target.primary, target.secondary) if c is not None]
    return push_setup.template_lines(listen, public, accounts)


def _target(config: pytest.Config) -> Target:
    """The run's target, made once (the plan needs it before any fixture)."""
    if _TARGET not in config.stash:
        profile = _profile(config)
        breaks, flips = config.getoption("okroute_break"), config.getoption("okroute_may_flip")
        try:
            if _live(config):
                if breaks or flips:
                    raise TargetError(
                        "--okroute-break and --okroute-may-flip act on the offline fake"
                    )
                target = live_target(_options(config), profile)
                if hasattr(config, "workerinput"):  # xdist: the budget is shared by the workers
                    count = int(config.workerinput.get("workercount", 1))
                    target.max_messages //= max(count, 1)
            else:
                target = offline_target(profile, parse_breaks(breaks), parse_flips(flips))
        except (TargetError, ValueError) as exc:
            raise pytest.UsageError(f"okroute: {exc}") from None
        config.stash[_TARGET] = target
    return config.stash[_TARGET]


def _cfg(target: Target) -> Config:
    t = target
    return Config(
        t.primary, t.knobs, t.dnis_prefix, ani=t.ani, live=t.live, no_route_prefix=t.no_route_prefix
    )


@pytest.fixture(scope="session")
def okroute_target(pytestconfig: pytest.Config):
    target = _target(pytestconfig)
    try:
        receiver = _receiver(pytestconfig, target)
    except (TargetError, ValueError) as exc:
        pytest.exit(f"okroute: {exc}", returncode=ExitCode.COULD_NOT_VERIFY)
    yield target
    if receiver is not None:
        receiver.stop()


@pytest.fixture(scope="session")
def okroute_cfg(okroute_target) -> Config:
    return _cfg(okroute_target)


# -- the plan --------------------------------------------------------------------------------


def _plan_item(item: pytest.Item) -> Item:
    marker = item.get_closest_marker(COST_MARKER)
    declared = None
    if marker is not None:
        declared = (int(marker.kwargs.get("at_risk", 0)), int(marker.kwargs.get("requests", 1)))
    return Item(
        test=item.nodeid,
        phase=Path(str(item.path)).stem.removeprefix("test_"),
        function=getattr(item, "originalname", item.name),
        params=dict(getattr(getattr(item, "callspec", None), "params", {})),
        hypothesis=is_hypothesis_test(getattr(item, "obj", None)),
        declared=declared,
    )


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    suite = [i for i in items if "okroute" in getattr(i, "fixturenames", ())]
    if not suite:
        return
    target = _target(config)
    planned = [_plan_item(i) for i in suite]
    stream = reserve((i.phase for i in planned), target.secondary is not None)
    plan = make_plan(planned, context(_cfg(target), target), target.max_messages, stream)
    config.stash[_PLAN] = plan
    for item in suite:
        estimate = plan.get(item.nodeid)
        if estimate is not None and estimate.dropped:
            item.add_marker(pytest.mark.skip(reason=f"budget: {item.nodeid}: {estimate.dropped}"))


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.stash.get(_PLAN, None) is not None:  # contract tests run in this process
        gc_settle.settle_startup()
        gc_settle.settle_exit()


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> object:
    """`--okroute-plan`: print the plan, send nothing."""
    config = session.config
    if not config.getoption("okroute_plan"):
        return None
    plan = config.stash.get(_PLAN, None)
    tr = config.pluginmanager.get_plugin("terminalreporter")
    lines = plan.lines() if plan is not None else ["okroute plan: no contract test was selected"]
    if plan is not None:
        lines.append(aging.plan_line(config.getoption("okroute_age_wait")))
    if plan is not None:
        reports = Path(config.getoption("okroute_reports"))
        reports.mkdir(parents=True, exist_ok=True)
        (reports / invoke.PLAN).write_text(json.dumps(plan.as_dict(), indent=2) + "\n")
    for line in lines:
        if tr is not None:
            tr.write_line(line)
        else:
            print(line)
    return True


@pytest.fixture(scope="session")
def okroute(pytestconfig: pytest.Config, okroute_target, okroute_cfg):
    recorder = pytestconfig.stash[_RECORDER]
    ctx = CheckContext(okroute_target.knobs, warn=_warned(pytestconfig), recorder=recorder)
    exerciser: Exerciser | None = None
    client = ContractClient(
        okroute_target, on_throttle=lambda ex, s: exerciser.observe_throttle(ex, s)
    )
    exerciser = Exerciser(okroute_target, client, ctx, recorder, okroute_cfg)
    plan = pytestconfig.stash.get(_PLAN, None)
    if plan is not None:
        exerciser.limit_for = plan.limit
    exerciser.after_submit.append(aging.Anchor(exerciser))
    if okroute_target.pushes is not None:
        exerciser.after_submit.append(SecondStream(exerciser))
    pytestconfig.stash[_CLIENT] = client
    yield exerciser
    client.close()


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_RECORDER].current_test = item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A Hypothesis test runs the examples the plan gave it."""
    plan = item.config.stash.get(_PLAN, None)
    estimate = plan.get(item.nodeid) if plan is not None else None
    test = getattr(item, "obj", None)
    if estimate is None or estimate.examples is None or not is_hypothesis_test(test):
        return (yield)
    original = test._hypothesis_internal_use_settings
    if estimate.examples < original.max_examples:
        test._hypothesis_internal_use_settings = settings(original, max_examples=estimate.examples)
    try:
        return (yield)
    finally:
        test._hypothesis_internal_use_settings = original


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """What the test cost; and a platform that went away stops the run after it."""
    config = item.config
    client = config.stash.get(_CLIENT, None)
    if client is not None:
        now = (client.requests, client.at_risk, client.sent)
        before = config.stash.get(_SEEN, (0, 0, 0))
        config.stash.setdefault(_ACTUAL, {})[item.nodeid] = tuple(  # type: ignore[assignment]
            a - b for a, b in zip(now, before, strict=True)
        )
        config.stash[_SEEN] = now
    recorder = config.stash[_RECORDER]
    if recorder.stopped is not None:
        item.session.shouldstop = "okroute: the run stopped (see the okroute section)"
    wanted = config.getoption("okroute_stop_on")
    failed = sorted(set(wanted) & set(recorder.failed_rules())) if wanted else []
    if failed:
        item.session.shouldstop = f"okroute: {', '.join(failed)} failed (--okroute-stop-on)"
        config.stash[_STOPPED_ON] = item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when == "call":
        _shape_failure(item, call, report)
    _mask_report(report)


def _shape_failure(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
    hypothesis = is_hypothesis_test(getattr(item, "obj", None))
    env = failure_report.rerun_env(item.config.stash.get(_TARGET, None))
    reproduce = failure_report.reproduce_line(item, item.config.stash[_SEED], hypothesis, env)
    violations = failure_report.violations_in(call.excinfo.value if call.excinfo else None)
    if violations:
        failure_report.record(report, violations, reproduce)
    shaped = failure_report.compact(item, call, reproduce)
    if shaped is not None:
        report.longrepr = shaped
    elif hypothesis:
        report.sections.append((failure_report.SECTION, reproduce))


def _mask_report(report: pytest.TestReport) -> None:
    """No secret leaves through a report: terminal, JUnit XML or any other plugin."""
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason), as JUnit needs it
        report.longrepr = tuple(  # type: ignore[assignment]
            MASKER.mask(part) if isinstance(part, str) else part for part in report.longrepr
        )
    elif report.longrepr is not None:
        text = str(report.longrepr)
        if text in MASKER:
            report.longrepr = MASKER.mask(text)
    report.sections = [(title, MASKER.mask(content)) for title, content in report.sections]


def _not_run(session: pytest.Session, recorder: RunRecorder) -> list[str]:
    """The tests a stopped run did not get to: after the one --okroute-stop-on stopped after, or
    from the one in which the platform went away."""
    ids = [i.nodeid for i in session.items]
    after = session.config.stash.get(_STOPPED_ON, None)
    if after in ids:
        return ids[ids.index(after) + 1 :]
    at = recorder.stopped_at
    return ids[ids.index(at) :] if at in ids else []


def _unchecked(recorder: RunRecorder) -> list[tuple[str, str]]:
    """(rule, check) of every check that judged nothing in this run."""
    rules = {**{n: c.rule.name for n, c in CHECKS.items()}}
    rules |= {n: c.rule.name for n, c in GROUP_CHECKS.items()}
    return sorted((rules[c], c) for c in ALL_CHECK_NAMES if c not in recorder.coverage)


def _budget(config: pytest.Config) -> dict[str, object]:
    plan = config.stash.get(_PLAN, None)
    client = config.stash.get(_CLIENT, None)
    target = config.stash.get(_TARGET, None)
    actual = config.stash.get(_ACTUAL, {})
    phases: dict[str, dict[str, int]] = {}
    if plan is not None:
        for e in plan.estimates:
            p = phases.setdefault(
                e.phase, {"planned_requests": 0, "planned_at_risk": 0, "requests": 0,
                          "at_risk": 0, "sent": 0}
            )  # fmt: skip
            p["planned_requests"] += e.total_requests
            p["planned_at_risk"] += e.total_at_risk
            requests, at_risk, sent = actual.get(e.test, (0, 0, 0))
            p["requests"] += requests
            p["at_risk"] += at_risk
            p["sent"] += sent
    return {
        "cap": target.max_messages if target is not None else None,
        "planned_at_risk": plan.at_risk if plan is not None else None,
        "planned_requests": plan.requests if plan is not None else None,
        "at_risk": client.at_risk if client is not None else 0,
        "sent": client.sent if client is not None else 0,
        "requests": client.requests if client is not None else 0,
        "phases": phases,
        "not_run_for_budget": {e.test: e.dropped for e in plan.dropped} if plan else {},
        "cases": {k: t.as_dict() for k, t in sorted(client.tallies.items())} if client else {},
        "throttled": dict(client.throttled) if client is not None else {},
    }


def _exit_code(session: pytest.Session, recorder: RunRecorder) -> int:
    """The run's verdict as an exit code (`planner.ExitCode`)."""
    status = int(session.exitstatus)
    if session.config.stash.get(_STOPPED_ON, None):
        return ExitCode.CONTRACT_FAILURE  # pytest says "interrupted": it was asked to stop
    if recorder.stopped is not None:
        sick = "unreachable" not in recorder.stopped
        return (
            ExitCode.CONTRACT_FAILURE
            if sick and recorder.failed_rules()
            else ExitCode.COULD_NOT_VERIFY
        )
    plan = session.config.stash.get(_PLAN, None)
    incomplete = (plan is not None and not plan.complete) or bool(recorder.unjudged)
    if status == ExitCode.CONFORMS and incomplete:
        return ExitCode.INCOMPLETE
    warned = any(v["warning"] for v in recorder.violations)
    if status == ExitCode.CONFORMS and warned and session.config.getoption("okroute_strict"):
        return ExitCode.WARN
    return status


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    recorder = config.stash[_RECORDER]
    if config.getoption("okroute_plan"):
        return
    if _live(config):  # push rules judged on no push at all were not checked
        push_setup.judge_silence(config.stash.get(_TARGET, None), recorder)
    session.exitstatus, known_findings = known.finish(
        session, recorder, _exit_code(session, recorder), ExitCode.CONTRACT_FAILURE
    )
    config.stash[_EXIT] = session.exitstatus
    if not recorder.coverage and recorder.stopped is None:
        return
    reports = Path(config.getoption("okroute_reports"))
    budget = _budget(config)
    extra = {
        "mode": "live" if _live(config) else "offline",
        "seed": config.stash[_SEED],
        "hypothesis_profile": settings.get_current_profile_name(),
        "sent_numbers": budget["sent"],
        "at_risk_numbers": budget["at_risk"],
        "budget": budget,
        "exit_code": int(session.exitstatus),
        "not_run": _not_run(session, recorder),
        "unchecked": [{"rule": r, "check": c} for r, c in _unchecked(recorder)],
        "known_findings": known_findings,
    }
    recorder.write(reports, extra)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    recorder = config.stash[_RECORDER]
    if config.getoption("okroute_plan") or (not recorder.coverage and recorder.stopped is None):
        return
    tr = terminalreporter
    tr.section("okroute contract")
    if recorder.stopped is not None:
        tr.write_line(f"okroute: {recorder.stopped}", red=True)
        not_run = _not_run(tr._session, recorder) if hasattr(tr, "_session") else []
        if not_run:
            tr.write_line(f"not run ({len(not_run)}): " + ", ".join(not_run), red=True)
    rules = {recorder.check_rules[c] for c in recorder.coverage}
    tr.write_line(
        f"{len(rules)} rules checked by {len(recorder.coverage)} checks; "
        f"hypothesis seed {config.stash[_SEED]}"
    )
    tally = failure_report.Tally(tr.stats.get("failed", []))
    lines = tally.lines(also_failed=recorder.failed_rules(), variants=recorder.failed_variants())
    for line in lines:
        tr.write_line(line, red=True)
    if _live(config):
        for line in push_setup.silence_lines(config.stash.get(_TARGET, None), recorder):
            tr.write_line(line, red=True)
    warned = {v["rule"] for v in recorder.violations if v["warning"]}
    for rule in sorted(warned):
        tr.write_line(f"WARNING (lowered) rule {rule}", yellow=True)
    if recorder.aging is not None:
        tr.write_line(aging.Aging(**recorder.aging).line())
    known.summary(tr, config)
    _summarise_budget(tr, config, recorder)
    reports = Path(config.getoption("okroute_reports"))
    tr.write_line(
        f"reports: {reports / 'contract-results.json'}, {reports / 'contract-coverage.md'}"
    )


def _summarise_budget(tr, config: pytest.Config, recorder: RunRecorder) -> None:
    """Plan against actual, what was left out for the budget, and what went unchecked."""
    plan = config.stash.get(_PLAN, None)
    if plan is None or not _live(config):
        return
    b = _budget(config)
    tr.write_line(
        f"budget {b['cap']} numbers at risk: planned {b['planned_at_risk']} at risk in about "
        f"{b['planned_requests']} requests; actual {b['at_risk']} at risk in {b['requests']} "
        f"requests, {b['sent']} sent (accepted by the platform)"
    )
    for phase, p in sorted(b["phases"].items()):  # type: ignore[union-attr]
        tr.write_line(
            f"  {phase}: planned {p['planned_at_risk']} at risk / about {p['planned_requests']} "
            f"requests; actual {p['at_risk']} at risk / {p['requests']} requests, {p['sent']} sent"
        )
    if b["throttled"]:
        waited = ", ".join(f"{k} x{n}" for k, n in b["throttled"].items())  # type: ignore[union-attr]
        tr.write_line(f"throttling waited out (not judged): {waited}", yellow=True)
    tr.write_line(plan.cut_line(), yellow=not plan.complete)
    for test, why in plan_dropped(plan):
        tr.write_line(f"NOT RUN for the budget: {test}: {why}", yellow=True)
    for test, why in recorder.unjudged.items():
        tr.write_line(f"NOT JUDGED: {test}: {why}", yellow=True)
    if plan.dropped or recorder.unjudged:
        for rule, check in _unchecked(recorder):
            tr.write_line(
                f"NOT CHECKED rule {rule} (check {check}): the tests above were not run or judged",
                yellow=True,
            )
        if config.stash.get(_EXIT, None) == ExitCode.INCOMPLETE:  # a failure outranks it
            fix = f"raise {Env.MAX_MESSAGES} to check everything" if plan.dropped else "see above"
            tr.write_line(
                f"the verdict is incomplete (exit {int(ExitCode.INCOMPLETE)}): {fix}", yellow=True
            )


def plan_dropped(plan: Plan) -> list[tuple[str, str]]:
    return [(e.test, e.dropped or "") for e in plan.dropped]
