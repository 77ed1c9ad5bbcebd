"""pytest plugin of the contract suite: options, fixtures, masking, seeds and reports.

Loaded by the repository's `conftest.py`. Offline by default; live when a URL is given:

    pytest contracts --okroute-url http://HOST:8001 --okroute-https-url https://HOST:8002
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, Phase, is_hypothesis_test, settings

from contracts import failure_report
from contracts.checks import CheckContext
from contracts.client import ContractClient
from contracts.exercise import Exerciser
from contracts.recorder import RunRecorder, unwritable
from contracts.strategies import Config
from contracts.target import (
    TargetError,
    live_target,
    offline_target,
    tls_verification,
    wants_live,
)
from okroute_mock.breaks import parse_breaks
from okroute_mock.quirks import parse_flips
from okroute_model.environment import Env
from okroute_model.params import PATH
from okroute_model.profile import Profile, ProfileError, load_profile
from okroute_model.secrets import MASKER, install_log_masking

OFFLINE_PROFILE, LIVE_PROFILE = "okroute-offline", "live"

settings.register_profile(
    OFFLINE_PROFILE,
    max_examples=30,
    deadline=None,
    print_blob=True,
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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("okroute", "OKRoute contract suite")
    group.addoption(
        "--okroute-url", help=f"live HTTP endpoint, e.g. http://10.0.0.5:8001 (env {Env.HTTP_URL})"
    )
    group.addoption("--okroute-https-url", help=f"live HTTPS endpoint (env {Env.HTTPS_URL})")
    group.addoption("--okroute-profile", help="deployment profile (TOML) over the defaults")
    group.addoption(
        "--okroute-reports",
        default="reports",
        help="where results, coverage and JUnit XML go (default: reports)",
    )
    group.addoption(
        "--okroute-warn",
        action="append",
        default=[],
        metavar="RULE",
        help="lower one SHOULD rule to a warning (repeatable)",
    )
    group.addoption(
        "--okroute-break",
        action="append",
        default=[],
        metavar="FAULT",
        help="offline only: break the fake with a catalogue fault (repeatable)",
    )
    group.addoption(
        "--okroute-may-flip",
        action="append",
        default=[],
        metavar="POINT",
        help="offline only: flip the fake's answer at a MAY point ('all' for every one)",
    )


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
    if getattr(config.option, "xmlpath", None) is None and not hasattr(config, "workerinput"):
        config.option.xmlpath = str(reports / "junit.xml")
    live = _live(config)
    if live:
        seed = "derandomized (the live profile sends the same examples every run)"
    else:
        if config.getoption("hypothesis_seed", None) is None:
            config.option.hypothesis_seed = str(random.randrange(2**32))
        seed = str(config.option.hypothesis_seed)
    config.stash[_SEED] = seed
    install_log_masking()


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


def _check_reachable(target) -> None:
    for transport, url in target.urls.items():
        try:
            with httpx.Client(verify=tls_verification(target.ca_bundle), timeout=5.0) as client:
                client.get(f"{url}{PATH}?")
        except httpx.TransportError as exc:
            pytest.exit(
                f"okroute: cannot reach the {transport} endpoint {url}: {exc}", returncode=4
            )


@pytest.fixture(scope="session")
def okroute_target(pytestconfig: pytest.Config):
    profile = _profile(pytestconfig)
    breaks, flips = (
        pytestconfig.getoption("okroute_break"),
        pytestconfig.getoption("okroute_may_flip"),
    )
    try:
        if _live(pytestconfig):
            if breaks or flips:
                raise TargetError("--okroute-break and --okroute-may-flip act on the offline fake")
            target = live_target(_options(pytestconfig), profile)
            _check_reachable(target)
        else:
            target = offline_target(profile, parse_breaks(breaks), parse_flips(flips))
    except (TargetError, ValueError) as exc:
        pytest.exit(f"okroute: {exc}", returncode=4)
    return target


@pytest.fixture(scope="session")
def okroute_cfg(okroute_target) -> Config:
    t = okroute_target
    return Config(t.primary, t.knobs, t.dnis_prefix, ani=t.ani, live=t.live)


@pytest.fixture(scope="session")
def okroute(pytestconfig: pytest.Config, okroute_target, okroute_cfg):
    recorder = pytestconfig.stash[_RECORDER]
    profile = _profile(pytestconfig)
    warn = frozenset(profile.checks.warn) | frozenset(pytestconfig.getoption("okroute_warn"))
    try:
        ctx = CheckContext(okroute_target.knobs, warn=warn, recorder=recorder)
    except ValueError as exc:
        pytest.exit(f"okroute: {exc}", returncode=4)
    exerciser: Exerciser | None = None
    client = ContractClient(
        okroute_target, on_throttle=lambda ex, s: exerciser.observe_throttle(ex, s)
    )
    exerciser = Exerciser(okroute_target, client, ctx, recorder, okroute_cfg)
    pytestconfig.stash[_CLIENT] = client
    yield exerciser
    client.close()


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_RECORDER].current_test = item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when == "call":
        _shape_failure(item, call, report)
    _mask_report(report)


def _shape_failure(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
    hypothesis = is_hypothesis_test(getattr(item, "obj", None))
    reproduce = failure_report.reproduce_line(item, item.config.stash[_SEED], hypothesis)
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
    if report.longrepr is not None:
        text = str(report.longrepr)
        if text in MASKER:
            report.longrepr = MASKER.mask(text)
    report.sections = [(title, MASKER.mask(content)) for title, content in report.sections]


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    recorder = config.stash[_RECORDER]
    if not recorder.coverage:
        return
    reports = Path(config.getoption("okroute_reports"))
    extra = {
        "mode": "live" if _live(config) else "offline",
        "seed": config.stash[_SEED],
        "hypothesis_profile": settings.get_current_profile_name(),
        "sent_numbers": config.stash[_CLIENT].sent_numbers if _CLIENT in config.stash else 0,
    }
    recorder.write(reports, extra)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    recorder = config.stash[_RECORDER]
    if not recorder.coverage:
        return
    tr = terminalreporter
    tr.section("okroute contract")
    rules = {recorder.check_rules[c] for c in recorder.coverage}
    tr.write_line(
        f"{len(rules)} rules checked by {len(recorder.coverage)} checks; "
        f"hypothesis seed {config.stash[_SEED]}"
    )
    tally = failure_report.Tally(tr.stats.get("failed", []))
    lines = tally.lines(also_failed=recorder.failed_rules(), variants=recorder.failed_variants())
    for line in lines:
        tr.write_line(line, red=True)
    warned = {v["rule"] for v in recorder.violations if v["warning"]}
    for rule in sorted(warned):
        tr.write_line(f"WARNING (lowered) rule {rule}", yellow=True)
    reports = Path(config.getoption("okroute_reports"))
    tr.write_line(
        f"reports: {reports / 'contract-results.json'}, {reports / 'contract-coverage.md'}"
    )
