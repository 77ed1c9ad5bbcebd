"""How other tools run the contract suite: its command line, and the results it leaves.

The fault catalogue's detection run, okroute-verify, the benchmarks and the tests all run
`pytest --pyargs contracts` as a user does, in its own process, from any directory (the suite is
found in the installed package), and read `contract-results.json`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

Run = TypeVar("Run")

REPO = Path(__file__).resolve().parent.parent
RESULTS = "contract-results.json"
PLAN = "contract-plan.json"  # written by `pytest contracts --okroute-plan`


def command(
    reports: Path,
    *args: str,
    http: str | None = None,
    https: str | None = None,
    tests: Sequence[str] = (),
) -> list[str]:
    """`pytest --pyargs contracts`, writing to `reports`; live when a URL is given.

    `tests` (node IDs, as a run's `judged_by` names them) runs those tests instead of the whole
    suite; they are found from the repository, so the caller runs from there.
    """
    line = [
        sys.executable,
        "-m",
        "pytest",
        *(tests or ("--pyargs", "contracts")),
        "-q",
        "-p",
        "no:cacheprovider",
        # Plugins that other packages install and the contract suite never uses: each costs
        # its import at every start, and the detection run starts the suite ~70 times. (respx's
        # plugin is only its `respx_mock` fixture; loaded first, it gets respx assert-rewritten.)
        *("-p", "no:schemathesis", "-p", "no:anyio", "-p", "no:locust"),
        *("-p", "no:respx", "-p", "no:platformdirs"),
        "--okroute-reports",
        str(reports),
    ]
    if http:
        line += ["--okroute-url", http]
    if https:
        line += ["--okroute-https-url", https]
    return line + list(args)


def stop_on(rule: str | None) -> list[str]:
    """The options that end a run after the test in which `rule` failed: all a broken
    platform's run needs to count its fault caught, and most faults fail in the first test of
    those that judge their rule (none when `rule` is None: a control runs whole)."""
    return ["--okroute-stop-on", rule] if rule else []


def results(reports: Path, name: str = RESULTS) -> dict[str, Any] | None:
    """What a run wrote, or None when it did not get as far as writing it."""
    path = reports / name
    return json.loads(path.read_text()) if path.exists() else None


def targeted_then_whole(
    run: Callable[[Sequence[str]], Run], tests: Sequence[str] | None, caught: Callable[[Run], bool]
) -> Run:
    """A broken platform's run: `run(tests)`, the tests that judged its rule on a correct one,
    and `run(())`, the whole suite, when those miss it (or none judged it). So a fault counts
    as missed only when the whole suite missed it."""
    if tests:
        targeted = run(tests)
        if caught(targeted):
            return targeted
    return run(())
