"""`okroute-contract`: the contract suite from any directory, as `pytest --pyargs contracts`.

    okroute-contract [PYTEST OPTIONS...]      # e.g. --okroute-url http://HOST:8001 -x -q

Exactly `pytest --pyargs contracts` with the options given: the suite is found in the installed
package, reports go to ./reports of the directory it runs in, and pytest's own cache is kept
there too (not beside the installed package). A live run first checks, with one status query
that costs no message, that the target answers as OKRoute and accepts the credentials (the
second account's too): a setup mistake is one line and exit 4, and no test is judged.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from okroute_model.exitcodes import Command, ExitCode, help_text

SUITE = "contracts"
PROG = str(Command.CONTRACT)
# pytest's own words for a usage mistake, on stderr: its usage line, then the error.
_ERROR = "ERROR: "
_PYTEST_ERROR = re.compile(r"^\S*.*pytest: error: (.*)$")
_UNRECOGNIZED = "unrecognized arguments: "
_USAGE_NOISE = ("usage:", "  inifile:", "  rootdir:")


def arguments(argv: list[str]) -> list[str]:
    """pytest's arguments: the suite by package name, the cache in the current directory."""
    cache = Path.cwd() / ".pytest_cache"
    # Plugins other packages install that the suite never uses (Locust's, Schemathesis's): each
    # costs its import at every start, about a second and a half of a setup mistake's answer.
    unused = ("-p", "no:schemathesis", "-p", "no:locust")
    return ["--pyargs", SUITE, "-o", f"cache_dir={cache}", *unused, *argv]


def own_lines(stderr: Iterable[str]) -> Iterator[str]:
    """pytest's stderr with its usage errors in okroute-contract's words: one line each, no
    pytest usage banner; every other line unchanged."""
    in_error = False
    for raw in stderr:
        line = raw.rstrip("\n")
        if line.startswith(_ERROR):
            in_error, line = True, line.removeprefix(_ERROR).removeprefix("okroute: ")
        if not in_error:
            yield raw
            continue
        argparse_error = _PYTEST_ERROR.match(line)
        if argparse_error:
            error = argparse_error.group(1)
            if error.startswith(_UNRECOGNIZED):
                error = f"unknown option {error.removeprefix(_UNRECOGNIZED)}"
            yield f"{PROG}: {error} ({PROG} --help-pytest lists every option)\n"
        elif line.strip() and not line.startswith(_USAGE_NOISE) and " [options] " not in line:
            yield f"{PROG}: {line}\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        print(f"\n{help_text(Command.CONTRACT)}")
        print(f"\npytest's own help, with the okroute options: {PROG} --help-pytest")
        return ExitCode.PASS
    if argv[:1] == ["--help-pytest"]:
        argv = ["--help", *argv[1:]]
    # pytest in a process of its own: here the `contracts` package is already imported, so
    # pytest could not rewrite the plugin's asserts. Its stdout is the terminal's; its stderr
    # passes through `own_lines`. Ctrl-C reaches it directly (same process group).
    command = [sys.executable, "-m", "pytest", *arguments(argv)]
    sys.stdout.flush()
    child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, bufsize=1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the child decides what Ctrl-C means
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    assert child.stderr is not None
    for line in own_lines(child.stderr):
        sys.stderr.write(line)
        sys.stderr.flush()
    return child.wait()


if __name__ == "__main__":
    raise SystemExit(main())
