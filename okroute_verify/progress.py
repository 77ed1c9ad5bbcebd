"""What okroute-verify shows while a phase runs, instead of minutes of silence: the contract
tests done of the planned total, the fingerprint's MAY points, the load smoke's own progress line.

On a terminal each phase rewrites one line; in a log (a CI job) it prints plain lines, at most
one per `LOG_EVERY` seconds, and always the last.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from okroute_model.secrets import MASKER

LOG_EVERY = 5.0  # seconds between two progress lines in a log
# One test's line in pytest's verbose output: "contracts/suite/...::test_x PASSED  [ 12%]".
_TEST_DONE = re.compile(r"\s(PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)\b.*\[\s*\d+%\]\s*$")
LOAD_PREFIX = "okroute-load: "
VERBOSE = "-vv"  # with the suite's -q: one line per test, as it ends


class Progress:
    """One phase's progress: a rewritten line on a terminal, spaced plain lines in a log."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.tty = self.out.isatty()
        self._last = 0.0
        self._pending: str | None = None

    def show(self, text: str) -> None:
        text = MASKER.mask(text)
        if self.tty:
            self.out.write(f"\r\x1b[2K  {text}")
            self.out.flush()
            self._pending = text
            return
        now = time.monotonic()
        if now - self._last >= LOG_EVERY:
            self.out.write(f"  {text}\n")
            self.out.flush()
            self._last, self._pending = now, None
        else:
            self._pending = text

    def done(self) -> None:
        """End the phase's line: on a terminal a newline, in a log the last state if unsaid."""
        if self._pending is not None:
            self.out.write("\n" if self.tty else f"  {self._pending}\n")
            self.out.flush()
        self._pending = None


def contract_tests(progress: Progress, total: int) -> Callable[[str], None]:
    """Counts the suite's tests as their lines come: "contract: 37/82 tests"."""
    done = 0

    def on_line(line: str) -> None:
        nonlocal done
        if _TEST_DONE.search(line):
            done += 1
            progress.show(f"contract: {done}/{max(total, done)} tests")

    return on_line


def fingerprint(progress: Progress) -> Callable[[int, int, str], None]:
    """The MAY point being probed: "fingerprint: 4/21 MAY points (ttl)"."""

    def on_point(done: int, total: int, point: str) -> None:
        progress.show(f"fingerprint: {done}/{total} MAY points ({point})")

    return on_point


def load_smoke(progress: Progress) -> Callable[[str], None]:
    """The campaign's own progress line, as it prints it in a log."""

    def on_line(line: str) -> None:
        if line.startswith(LOAD_PREFIX):
            progress.show(f"load smoke: {line.removeprefix(LOAD_PREFIX).strip()}")

    return on_line


def stream(
    command: list[str], env: dict[str, str], timeout: float, on_line: Callable[[str], None]
) -> subprocess.CompletedProcess:
    """`command` run to its end, each line of its output passed to `on_line` as it comes; its
    output kept whole, as `subprocess.run(capture_output=True)` keeps it."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    errors: list[str] = []
    # stderr read beside stdout: a full pipe would stop the child
    reader = threading.Thread(target=errors.extend, args=(process.stderr,), daemon=True)
    reader.start()
    overran = threading.Event()
    timer = threading.Timer(timeout, lambda: (overran.set(), process.kill()))
    timer.start()
    out: list[str] = []
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            out.append(line)
            on_line(line.rstrip("\n"))
        code = process.wait()
    finally:
        timer.cancel()
    reader.join(5)
    if overran.is_set():
        raise subprocess.TimeoutExpired(command, timeout)
    return subprocess.CompletedProcess(command, code, "".join(out), "".join(errors))
