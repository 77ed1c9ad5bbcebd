"""How much the contract suite catches: the live suite against the mock broken in each way.

For every fault of the catalogue (`okroute-mock --list-breaks`) the mock is started with that one
fault and the live contract suite runs against it; the fault counts as caught when the run fails
and names the rule the fault violates. Two controls must pass clean: the correct mock, and the
mock with every MAY choice flipped, and at least twenty random correct platforms
(`okroute-mock --may-random SEED`: every MAY point and unknown knob drawn on its own). A control
that fails is a false failure: a bug in the suite. The result is the detection matrix in `reports/`.

The controls run the whole suite and say which tests judged each rule (`judged_by`); a fault run
then sends only the tests that judged the rule the fault violates, and the whole suite again if
those miss it, so a fault counts as missed only when the whole suite misses it. A fault's run
stops after the test in which its rule failed (`--okroute-stop-on`): the rules it lists as
failed are those that failed until then.

    python -m contracts.detection [--parallel 3] [--only FAULT ...] [--seeds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from contracts import invoke
from contracts.checks import ALL_CHECK_NAMES as EXCHANGE_CHECK_NAMES
from contracts.checks import CHECKS, GROUP_CHECKS
from contracts.push_checks import PUSH_CHECKS
from okroute_mock.breaks import BREAKS, DROP_ON
from okroute_mock.launch import MockProcess, free_port, launched
from okroute_mock.quirks import CHOICES, RandomPlatform, knob_text
from okroute_model.accounts import Accounts, known
from okroute_model.environment import MOCK_DNIS_PREFIX, MOCK_NO_ROUTE_PREFIX, Env
from okroute_model.may import MAY_POINTS
from okroute_model.profile import load_profile
from okroute_model.push import PushKind, default_template
from okroute_model.secrets import MASKER, Credentials

REPO = invoke.REPO
# The accounts of detection runs and tests; recognisable passwords, so leak searches find them.
PRIMARY = ("qa-user", "Leak-Canary-7f3a9c")
SECONDARY = ("qa-user-2", "Leak-Canary-2-b81d")
DNIS_PREFIX = MOCK_DNIS_PREFIX
NO_ROUTE_DNIS = MOCK_NO_ROUTE_PREFIX + "12345678"  # under the mock's default no-route prefix
# Deliveries fast enough to see final statuses in well under a second, with an ACCEPTD phase
# long enough for several polls.
FAST_DELIVERY = ["--accept-delay", "20ms..50ms", "--final-delay", "300ms..600ms"]
# The push policy's MAY choices, flipped: POST JSON, every step, one push per message, "OK".
PUSH_FLIPPED = [
    "--push-method=post-json",
    "--push-statuses=all",
    "--push-per=message",
    "--push-ack=OK",
]
CONTROLS = {
    "correct mock": [],
    "every MAY choice flipped": ["--may-flip", "all", *PUSH_FLIPPED],
}
RANDOM_SEEDS = 20  # random correct platforms per detection run
RANDOM_PREFIX = "random correct platform, seed "


def controls(seeds: int = RANDOM_SEEDS) -> dict[str, list[str]]:
    """The mocks that must pass clean: the two extremes and `seeds` random correct platforms."""
    drawn = {f"{RANDOM_PREFIX}{n}": ["--may-random", str(n)] for n in range(1, seeds + 1)}
    return {**CONTROLS, **drawn}


PROBED_BY = {fault: kind for kind, fault in DROP_ON.items()}  # a drop-on fault -> its raw input
RUN_TIMEOUT = 300.0
PUSH_WAIT = "5"  # seconds the live push test waits for a final push after query shows it
ALL_CHECK_NAMES: tuple[str, ...] = (*EXCHANGE_CHECK_NAMES, *PUSH_CHECKS)


def push_args() -> tuple[list[str], list[str]]:
    """(mock arguments, suite arguments): every account pushes to the suite's own receiver."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    mock = [
        f"--{kind}-url={default_template(base, kind, '{username}').text}" for kind in PushKind
    ] + ["--push-retry-every=300ms"]
    return mock, ["--okroute-dlr-listen", f"127.0.0.1:{port}", "--okroute-push-wait", PUSH_WAIT]


@contextmanager
def launched_pushing(
    directory: Path, args: list[str], **options: object
) -> Iterator[tuple[MockProcess, list[str]]]:
    """The mock with pushes to a receiver port; yields it and the suite's push arguments."""
    mock_push, suite_push = push_args()
    with launched(directory, [*mock_push, *args], **options) as mock:  # type: ignore[arg-type]
        yield mock, suite_push


def mock_account_args() -> list[str]:
    return ["--account", ":".join(PRIMARY), "--account", ":".join(SECONDARY)]


def live_env(mock: MockProcess) -> dict[str, str]:
    """Environment of a live contract run against `mock`."""
    env = {
        Env.USERNAME: PRIMARY[0],
        Env.PASSWORD: PRIMARY[1],
        Env.USERNAME_2: SECONDARY[0],
        Env.PASSWORD_2: SECONDARY[1],
        Env.DNIS_PREFIX: DNIS_PREFIX,
        Env.NO_ROUTE_DNIS: NO_ROUTE_DNIS,
        Env.NO_ROUTE_PREFIX: MOCK_NO_ROUTE_PREFIX,  # the mock routes nothing under it
        Env.MAX_MESSAGES: "100000",
        Env.RATE: "0",  # loopback: no need to be polite to our own mock
    }
    if mock.ca:
        env[Env.CA_BUNDLE] = mock.ca
    return env


@dataclass
class RunResult:
    name: str
    expected_rule: str | None  # None for the controls
    exit_code: int
    failed_rules: list[str]
    failed_checks: list[str]
    first_failure_s: dict[str, float]
    seconds: float
    tail: str = ""
    platform: str = ""  # what a random correct platform drew
    tests: int = 0  # how many tests the run selected; 0 = the whole suite
    # rule -> tests that judged it; read from the run's results, left out of the matrix
    judged_by: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def caught(self) -> bool:
        return self.exit_code != 0 and self.expected_rule in self.failed_rules

    @property
    def clean(self) -> bool:
        return self.exit_code == 0 and not self.failed_rules


def run_once(
    name: str,
    mock_args: list[str],
    expected_rule: str | None,
    work: Path,
    tests: list[str] | None = None,
    suite_args: tuple[str, ...] = (),
) -> RunResult:
    """The live suite (or only `tests` of it) against the mock started with `mock_args`;
    `suite_args`: more options of the suite (`--hypothesis-seed N`)."""
    started = time.monotonic()
    directory = work / (name.replace(" ", "-") + ("-targeted" if tests else ""))
    reports = directory / "reports"
    with launched_pushing(
        directory, [*mock_account_args(), *FAST_DELIVERY, *mock_args], access_log=False
    ) as (mock, suite_push):
        result = subprocess.run(
            invoke.command(
                reports,
                *suite_push,
                *invoke.stop_on(expected_rule),
                *suite_args,
                http=mock.http,
                https=mock.https,
                tests=tests or (),
            ),
            cwd=REPO,
            env={**os.environ, **live_env(mock)},
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
    data = invoke.results(reports) or {}
    return RunResult(
        name=name,
        expected_rule=expected_rule,
        exit_code=result.returncode,
        failed_rules=data.get("failed_rules", []),
        failed_checks=sorted(data.get("violation_counts", {})),
        first_failure_s=data.get("first_failure_s", {}),
        seconds=round(time.monotonic() - started, 2),
        tail=MASKER.mask((result.stdout + result.stderr)[-1500:]),
        tests=len(tests or ()),
        judged_by=data.get("judged_by", {}),
    )


def judged_tests(runs: list[RunResult]) -> dict[str, list[str]]:
    """rule -> every test that judged it in any of `runs` (the union over the controls, which
    draw different examples and play different platforms)."""
    union: dict[str, set[str]] = {}
    for run in runs:
        for rule, tests in run.judged_by.items():
            union.setdefault(rule, set()).update(tests)
    return {rule: sorted(tests) for rule, tests in union.items()}


def first_tests(name: str, judged: dict[str, list[str]]) -> list[str] | None:
    """The tests a fault's run sends first: those that judged its rule on a correct platform.
    For a fault that reacts to one kind of raw input, only the probe of that kind: every test
    judges `errors.no-5xx`, one sends the input (the whole suite would cost ten times more)."""
    tests = judged.get(BREAKS[name].rule)
    kind = PROBED_BY.get(name)
    if kind is None or not tests:
        return tests
    return [t for t in tests if t.endswith(f"[{kind}]")] or tests


def run_fault(name: str, judged: dict[str, list[str]], work: Path) -> RunResult:
    """The suite against the mock with fault `name`: the tests that judge its rule first, the
    whole suite when they miss it (or when no control saw the rule judged)."""
    rule = BREAKS[name].rule
    return invoke.targeted_then_whole(
        lambda tests: run_once(name, ["--break", name], rule, work, list(tests)),
        first_tests(name, judged),
        lambda run: run.caught,
    )


def drawn_platform(seed: int) -> str:
    """What `okroute-mock --may-random SEED` plays, in one line for the matrix."""
    draw = RandomPlatform.draw(seed, load_profile().platform)
    knobs = ", ".join(f"{k}={knob_text(v)}" for k, v in draw.knobs.items())
    points = sum(1 for p in CHOICES if MAY_POINTS[p].knob is None)
    return f"{len(draw.flips)} of {points} points flipped; {knobs}"


@dataclass
class Matrix:
    controls: list[RunResult]
    faults: list[RunResult]
    seconds: float
    caught_by: dict[str, list[str]] = field(default_factory=dict)  # check -> faults

    @property
    def detection(self) -> float:
        return sum(r.caught for r in self.faults) / len(self.faults) if self.faults else 0.0

    @property
    def dead_checks(self) -> list[str]:
        return [c for c in ALL_CHECK_NAMES if not self.caught_by.get(c)]


def detect(
    only: list[str] | None = None,
    parallel: int = 3,
    work: Path | None = None,
    seeds: int = RANDOM_SEEDS,
) -> Matrix:
    names = list(BREAKS) if only is None else only
    work = work or Path(tempfile.mkdtemp(prefix="okroute-detection-"))
    started = time.monotonic()
    clean = controls(seeds)
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        controls_run = list(
            pool.map(lambda job: run_once(job[0], job[1], None, work), clean.items())
        )
        judged = judged_tests(controls_run)
        faults = list(pool.map(lambda name: run_fault(name, judged, work), names))
    for run, args in zip(controls_run, clean.values(), strict=True):
        if "--may-random" in args:
            run.platform = drawn_platform(int(args[-1]))
    caught_by: dict[str, list[str]] = {check: [] for check in ALL_CHECK_NAMES}
    for run in faults:
        for check in run.failed_checks:
            caught_by.setdefault(check, []).append(run.name)
    return Matrix(controls_run, faults, round(time.monotonic() - started, 1), caught_by)


def render(matrix: Matrix) -> str:
    lines = [
        "# Detection matrix",
        "",
        f"{sum(r.caught for r in matrix.faults)} of {len(matrix.faults)} faults caught "
        f"({matrix.detection:.0%}); {matrix.seconds:g} s in all.",
        "",
        f"{sum(r.clean for r in matrix.controls)} of {len(matrix.controls)} correct platforms "
        "pass clean (a failure there is a false failure: a bug in the suite).",
        "",
        "| control | platform | exit | failed rules | seconds |",
        "|---|---|---|---|---|",
    ]
    for run in matrix.controls:
        lines.append(
            f"| {run.name} | {run.platform or '-'} | {run.exit_code} "
            f"| {', '.join(run.failed_rules) or '-'} | {run.seconds:g} |"
        )
    lines += [
        "",
        "A fault's run sends the tests that judged its rule on the controls (all: the whole "
        "suite) and stops after the test in which that rule failed; the rules listed failed "
        "until then.",
        "",
        "| fault | violates | caught | rules that failed | tests selected | time to catch (s) "
        "| run (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in matrix.faults:
        catch = run.first_failure_s.get(run.expected_rule or "", None)
        lines.append(
            f"| {run.name} | {run.expected_rule} | {'yes' if run.caught else '**NO**'} "
            f"| {', '.join(run.failed_rules) or '-'} | {run.tests or 'all'} "
            f"| {'-' if catch is None else f'{catch:g}'} | {run.seconds:g} |"
        )
    lines += [
        "",
        "## Checks and the faults that catch them",
        "",
        "| check | rule | faults |",
        "|---|---|---|",
    ]
    rules = {
        **{n: c.rule.name for n, c in CHECKS.items()},
        **{n: c.rule.name for n, c in GROUP_CHECKS.items()},
        **{n: c.rule.name for n, c in PUSH_CHECKS.items()},
    }
    for check in ALL_CHECK_NAMES:
        faults = matrix.caught_by.get(check, [])
        lines.append(f"| {check} | {rules[check]} | {', '.join(faults) or '**none**'} |")
    return "\n".join(lines) + "\n"


def _record(run: RunResult) -> dict[str, object]:
    return {k: v for k, v in asdict(run).items() if k != "judged_by"}


def write(matrix: Matrix, reports: Path) -> list[Path]:
    reports.mkdir(parents=True, exist_ok=True)
    table = reports / "detection-matrix.md"
    table.write_text(MASKER.mask(render(matrix)))
    data = reports / "detection-matrix.json"
    payload = {
        "detection": matrix.detection,
        "seconds": matrix.seconds,
        "controls": [_record(r) for r in matrix.controls],
        "faults": [_record(r) | {"caught": r.caught} for r in matrix.faults],
        "caught_by": matrix.caught_by,
        "dead_checks": matrix.dead_checks,
    }
    data.write_text(MASKER.mask(json.dumps(payload, indent=2)) + "\n")
    return [table, data]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contracts.detection",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--parallel", type=int, default=3, help="runs at once (default 3)")
    parser.add_argument("--only", nargs="*", choices=sorted(BREAKS), metavar="FAULT")
    parser.add_argument(
        "--seeds",
        type=int,
        default=RANDOM_SEEDS,
        help=f"random correct platforms among the controls (default {RANDOM_SEEDS})",
    )
    parser.add_argument("--reports", default="reports", help="where the matrix goes")
    args = parser.parse_args(argv)
    known(Accounts(Credentials(*PRIMARY), Credentials(*SECONDARY)))
    matrix = detect(args.only, args.parallel, seeds=args.seeds)
    for path in write(matrix, Path(args.reports)):
        print(path)
    missed = [r.name for r in matrix.faults if not r.caught]
    noisy = [r.name for r in matrix.controls if not r.clean]
    print(
        f"detection {matrix.detection:.0%}; missed: {missed or 'none'}; "
        f"controls failing: {noisy or 'none'}; checks caught by no fault: "
        f"{matrix.dead_checks or 'none'}"
    )
    dead = matrix.dead_checks if matrix.faults and args.only is None else []
    return 0 if not missed and not noisy and not dead else 1


if __name__ == "__main__":
    sys.exit(main())
