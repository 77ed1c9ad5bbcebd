"""Our submit scenario against a bare FastHttpUser, on the same mock, in one run.

    python -m benchmarks.load_generator [--seconds 10] [--users 50]

The mock runs pinned to CPU 0, each generator in turn pinned to CPU 1 (one process). The figures:
requests/s of our submit scenario with every answer checked, divided by what a bare FastHttpUser
sending one fixed, named request achieves (goal: at least `GOAL`), and the peak requests/s of one
generator process. The mock must be faster than both, so it is checked to be idle enough.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.goals import goal_text
from benchmarks.loadgen import pinned
from benchmarks.mock_server import PASSWORD, SUBMIT, USER, mock_command, server

REPO = Path(__file__).resolve().parent.parent
GOAL = 0.9  # checked scenario requests/s over a bare FastHttpUser's


def _aggregated(csv_prefix: Path) -> dict[str, float]:
    with open(f"{csv_prefix}_stats.csv") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == "Aggregated":
                return {
                    "rps": float(row["Requests/s"]),
                    "count": float(row["Request Count"]),
                    "failures": float(row["Failure Count"]),
                }
    raise RuntimeError("no Aggregated row")


def bare(base: str, seconds: float, users: int, work: Path) -> dict[str, float]:
    prefix = work / "bare"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(REPO / "benchmarks" / "bare_locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{int(seconds)}s",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "BENCH_TARGET": SUBMIT}
    subprocess.run(pinned(command, 1), env=env, capture_output=True, timeout=seconds + 60)
    return _aggregated(prefix)


def ours(base: str, seconds: float, users: int, work: Path) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "loadtests.cli",
        "--host",
        base,
        "--transports",
        "http=1",
        "--mix",
        "submit=1",
        "--messages",
        "short=1",
        "--variants",
        "GET=1",
        "--wait",
        "0",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--duration",
        f"{int(seconds)}s",
        "--reports",
        str(work),
        "--campaign",
        "ours",
        "--slo",
        "errors<100%",
    ]
    env = {
        **os.environ,
        "OKROUTE_USERNAME": USER,
        "OKROUTE_PASSWORD": PASSWORD,
        "OKROUTE_DNIS_PREFIX": "4477009",
    }
    subprocess.run(
        pinned(command, 1), cwd=REPO, env=env, capture_output=True, timeout=seconds + 120
    )
    figures = _aggregated(work / "ours" / "locust")
    import json

    summary = json.loads((work / "ours" / "summary.json").read_text())
    figures["check_rate"] = summary["generator"]["processes"][0]["check_rate"]
    figures["cpu_p50"] = summary["generator"]["processes"][0]["cpu_p50"]
    return figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="okroute-loadbench-"))
    with server(mock_command(work / "mock.json"), work / "mock.json") as base:
        baseline = bare(base, args.seconds, args.users, work)
        scenario = ours(base, args.seconds, args.users, work)
    ratio = scenario["rps"] / baseline["rps"]
    print(f"one generator process on one core, {args.users} users, {args.seconds:g} s each")
    print(f"  bare FastHttpUser, fixed named request: {baseline['rps']:8.0f} requests/s")
    print(
        f"  okroute submit scenario, checked:       {scenario['rps']:8.0f} requests/s "
        f"(check rate {scenario['check_rate']}, failures {scenario['failures']:.0f})"
    )
    print(
        f"  ratio {ratio:.2f} ({goal_text(ratio, GOAL)}); peak of one generator process: "
        f"{scenario['rps']:.0f} requests/s "
        f"with checks, {baseline['rps']:.0f} bare"
    )
    return {"bare_rps": baseline["rps"], "scenario_rps": scenario["rps"], "ratio": ratio}


if __name__ == "__main__":
    main()
