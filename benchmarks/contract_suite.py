"""How long the offline contract suite takes, and how many Hypothesis examples it runs per second.

    python -m benchmarks.contract_suite

Also measured in the same run: bare httpx requests through the same respx fake with no strategy
and no check, so the suite's requests/s can be read as a share of what the transport allows.
The bare requests are distinct submits (one number each), as the suite's are: the mock keeps
what a repeated GET was decided to be (`okroute_mock.hotpath`), a shortcut for load campaigns
that the suite, which never repeats a request, cannot take. The same request repeated is
measured too and printed beside it, not judged.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.goals import goal_text
from contracts import invoke
from contracts.target import offline_target
from okroute_model.profile import load_profile
from okroute_model.wire import ApiRequest, Method, encode

REPO = Path(__file__).resolve().parent.parent
_EXAMPLES = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")
BARE_REQUESTS = 3000
GOAL = 0.3  # the suite's checked requests/s over bare httpx + respx


def suite(reports: Path) -> tuple[float, int, int, int]:
    """(seconds, examples, tests, exchanges) of one offline run."""
    command = invoke.command(reports, "--hypothesis-show-statistics")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the offline suite failed:\n{result.stdout[-3000:]}")
    examples = sum(int(m.group(1)) + int(m.group(2)) for m in _EXAMPLES.finditer(result.stdout))
    tests = int(re.search(r"(\d+) passed", result.stdout).group(1))
    exchanges = invoke.results(reports)["exchanges"]
    return seconds, examples, tests, exchanges


def bare_requests_per_second(repeated: bool = False) -> float:
    """Requests/s of plain httpx through the respx fake: no strategy, no check; distinct
    submits unless `repeated` (one submit sent again and again)."""
    import httpx

    target = offline_target(load_profile())
    c = target.primary
    targets = [
        encode(
            ApiRequest("submit", c.username, c.password, (("dnis", number), ("message", "hello"))),
            Method.GET,
        ).target
        for number in (f"447700{0 if repeated else n:06d}" for n in range(BARE_REQUESTS))
    ]
    with httpx.Client(base_url=target.urls["http"], transport=target.fake.transport()) as client:
        started = time.perf_counter()
        for url in targets:
            client.get(url)
        return BARE_REQUESTS / (time.perf_counter() - started)


def main() -> dict[str, float]:
    reports = Path(tempfile.mkdtemp(prefix="okroute-suite-bench-"))
    seconds, examples, tests, exchanges = suite(reports)
    bare = bare_requests_per_second()
    repeated = bare_requests_per_second(repeated=True)
    suite_rps = exchanges / seconds
    print(f"offline contract suite: {tests} tests in {seconds:.1f} s (pytest start included)")
    print(f"  {examples} Hypothesis examples: {examples / seconds:.0f} examples/s")
    print(
        f"  {exchanges} requests checked: {suite_rps:.0f} requests/s; bare httpx + respx "
        f"{bare:.0f} requests/s; ratio {suite_rps / bare:.2f} ({goal_text(suite_rps / bare, GOAL)})"
    )
    print(
        f"  (bare, one request repeated: {repeated:.0f} requests/s, the mock's decision cache "
        f"helping; ratio {suite_rps / repeated:.2f}, not judged)"
    )
    return {
        "seconds": seconds,
        "examples": examples,
        "examples_per_s": examples / seconds,
        "requests_per_s": suite_rps,
        "bare_requests_per_s": bare,
        "ratio": suite_rps / bare,
    }


if __name__ == "__main__":
    main()
