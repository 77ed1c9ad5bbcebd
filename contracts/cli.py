"""`okroute-contract`: the contract suite from any directory, as `pytest --pyargs contracts`.

    okroute-contract [PYTEST OPTIONS...]      # e.g. --okroute-url http://HOST:8001 -x -q

Exactly `pytest --pyargs contracts` with the options given: the suite is found in the installed
package, reports go to ./reports of the directory it runs in, and pytest's own cache is kept
there too (not beside the installed package). The exit code is pytest's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SUITE = "contracts"


def arguments(argv: list[str]) -> list[str]:
    """pytest's arguments: the suite by package name, the cache in the current directory."""
    cache = Path.cwd() / ".pytest_cache"
    return ["--pyargs", SUITE, "-o", f"cache_dir={cache}", *argv]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        print("\npytest's own help, with the okroute options: okroute-contract --help-pytest")
        return 0
    if argv[:1] == ["--help-pytest"]:
        argv = ["--help", *argv[1:]]
    # pytest in a process of its own (this one replaced): here the `contracts` package is
    # already imported, so pytest could not rewrite the plugin's asserts and would warn so.
    command = [sys.executable, "-m", "pytest", *arguments(argv)]
    sys.stdout.flush()
    os.execv(sys.executable, command)
    return 0  # not reached: exec does not return


if __name__ == "__main__":
    raise SystemExit(main())
