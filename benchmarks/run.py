"""Every benchmark in one run: `python benchmarks/run.py [--quick]`.

Speed and memory goals live here, not in the tests: these machines are shared and noisy, so each
figure is a ratio of two things measured in the same run. Loopback only; servers are started and
stopped by the benchmarks themselves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import contract_suite, goals, load_generator, mock_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="shorter turns and 200,000 submits instead of a million",
    )
    args = parser.parse_args()
    print("== offline contract suite")
    suite = contract_suite.main()
    print("\n== mock platform server")
    mock_argv = ["--seconds", "2", "--memory-submits", "200000"] if args.quick else []
    mock = mock_server.main(mock_argv)
    print("\n== load generator")
    generator = load_generator.main(["--seconds", "5"] if args.quick else [])
    print("\n== every ratio, measured in this run, beside its goal")
    rows = [
        ("mock submit / fixed-body aiohttp server", mock["submit_ratio"], mock_server.GOAL),
        ("mock query / fixed-body aiohttp server", mock["query_ratio"], mock_server.GOAL),
        ("checked submit scenario / bare FastHttpUser", generator["ratio"], load_generator.GOAL),
        (
            "offline suite checked requests / bare httpx + respx",
            suite["ratio"],
            contract_suite.GOAL,
        ),
    ]
    for line in goals.table(rows):
        print(line)


if __name__ == "__main__":
    main()
