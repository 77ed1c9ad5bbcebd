"""The mock as the tests run it: test accounts, fast deliveries, and the live suite against it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contracts import invoke
from contracts.detection import (
    DNIS_PREFIX,
    FAST_DELIVERY,
    PRIMARY,
    REPO,
    SECONDARY,
    live_env,
    mock_account_args,
)
from okroute_mock.launch import MockProcess, launched

__all__ = ["DNIS_PREFIX", "PRIMARY", "REPO", "SECONDARY", "run_contracts", "running_mock"]


@contextmanager
def running_mock(directory: Path, *args: str, https: bool = True) -> Iterator[MockProcess]:
    """`okroute-mock` on loopback with the test accounts and fast delivery stories."""
    with launched(directory, [*mock_account_args(), *FAST_DELIVERY, *args], https=https) as mock:
        yield mock


def run_contracts(
    mock: MockProcess, reports: Path, *args: str, timeout: float = 240, **env: str
) -> subprocess.CompletedProcess:
    """The live contract suite against `mock`, as a user runs it."""
    return subprocess.run(
        invoke.command(reports, *args, http=mock.http, https=mock.https),
        cwd=REPO,
        env={**os.environ, **live_env(mock), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
