"""`okroute-load` without --host: the built-in mock on loopback, one account, files kept private.

The mock's log, access log and TLS files stay in a private folder (--mock-dir, or a temporary one
removed at the end); only its final counters (no numbers, texts or IDs) reach the reports.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from okroute_mock.launch import LaunchError, MockProcess, launched
from okroute_model.accounts import Accounts

MOCK_USER = "load"
# The built-in mock's delivery story: short, so that a campaign ends soon after its load (the
# end of the run waits for every message's final push). `--mock-arg=--final-delay=2s..10s`
# gives back the platform-like story of `okroute-mock` run on its own.
STORY = {"--accept-delay": "100ms..500ms", "--final-delay": "500ms..2s"}
STATS = "mock-stats.json"


class MockError(RuntimeError):
    """The built-in mock did not start; the message says why."""


def story_args(mock_args: list[str]) -> list[str]:
    """The built-in story's options, for those the user's --mock-arg does not set itself."""
    given = {arg.split("=", 1)[0] for arg in mock_args}
    return [f"{flag}={value}" for flag, value in STORY.items() if flag not in given]


def new_password() -> str:
    return secrets.token_urlsafe(18)


@contextmanager
def private_dir(keep: str | None) -> Iterator[Path]:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield Path(keep)
        return
    folder = Path(tempfile.mkdtemp(prefix="okroute-load-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def mock(
    private: Path, extra: list[str], reports: Path, run_accounts: Accounts
) -> Iterator[MockProcess]:
    """The mock on loopback with the run's accounts (`okroute_model.accounts.made_for_mock`; the
    second too, when the environment has one: the generators' preflight checks it); its files
    stay in `private`, its final counters go to reports/<campaign>/mock-stats.json."""
    # The passwords reach the mock in a private file, never an argument.
    accounts = private / "accounts.toml"
    accounts.touch(0o600)
    accounts.chmod(0o600)  # before the passwords go in, whatever the file was
    accounts.write_text(
        "".join(
            f"[[accounts]]\nusername = {json.dumps(a.username)}\n"
            f"password = {json.dumps(a.password)}\n"
            for a in (run_accounts.primary, run_accounts.secondary)
            if a is not None
        )
    )
    try:
        with launched(private / "mock", ["--config", str(accounts), *extra]) as process:
            try:
                yield process
            finally:
                _save_stats(process, reports)
    except LaunchError as exc:
        raise MockError(f"the built-in mock did not start: {exc}") from None


def _save_stats(process: MockProcess, reports: Path) -> None:
    try:
        stats = process.stats()
    except Exception:  # the mock is gone: its counters with it
        return
    reports.mkdir(parents=True, exist_ok=True)
    (reports / STATS).write_text(json.dumps(stats, indent=2) + "\n")
