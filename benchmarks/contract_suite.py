"""How long the offline contract suite takes, and how many Hypothesis examples it runs per second.

    python -m benchmarks.contract_suite

Also measured in the same run: bare httpx requests through the same respx fake with no strategy
and no check, so the suite's requests/s can be read as a share of what the transport allows.
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


def bare_requests_per_second() -> float:
    """Requests/s of plain httpx through the respx fake: no strategy, no check."""
    import httpx

    target = offline_target(load_profile())
    c = target.primary
    request = ApiRequest(
        "submit", c.username, c.password, (("dnis", "447700123456"), ("message", "hello"))
    )
    wire = encode(request, Method.GET)
    with httpx.Client(base_url=target.urls["http"], transport=target.fake.transport()) as client:
        started = time.perf_counter()
        for _ in range(BARE_REQUESTS):
            client.get(wire.target)
        return BARE_REQUESTS / (time.perf_counter() - started)


def main() -> dict[str, float]:
    reports = Path(tempfile.mkdtemp(prefix="okroute-suite-bench-"))
    seconds, examples, tests, exchanges = suite(reports)
    bare = bare_requests_per_second()
    suite_rps = exchanges / seconds
    print(f"offline contract suite: {tests} tests in {seconds:.1f} s (pytest start included)")
    print(f"  {examples} Hypothesis examples: {examples / seconds:.0f} examples/s")
    print(
        f"  {exchanges} requests checked: {suite_rps:.0f} requests/s; bare httpx + respx "
        f"{bare:.0f} requests/s; ratio {suite_rps / bare:.2f} ({goal_text(suite_rps / bare, GOAL)})"
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
