"""The mock as the tests run it: test accounts, fast deliveries, and the live suite against it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from contracts import invoke
from contracts.detection import (
    DNIS_PREFIX,
    FAST_DELIVERY,
    PRIMARY,
    REPO,
    SECONDARY,
    launched_pushing,
    live_env,
    mock_account_args,
)
from okroute_mock.launch import MockProcess

__all__ = [
    "DNIS_PREFIX",
    "PRIMARY",
    "REPO",
    "SECONDARY",
    "browser_page",
    "push_listen",
    "run_contracts",
    "running_mock",
]


# The suite's push arguments for each running mock: where its pushes go.
_PUSH_ARGS: dict[Path, list[str]] = {}


@contextmanager
def running_mock(directory: Path, *args: str, https: bool = True) -> Iterator[MockProcess]:
    """`okroute-mock` on loopback with the test accounts, fast delivery stories, and every
    account pushing to the receiver that `run_contracts` starts in the suite."""
    with launched_pushing(
        directory, [*mock_account_args(), *FAST_DELIVERY, *args], https=https
    ) as (mock, suite_push):
        _PUSH_ARGS[mock.directory] = suite_push
        try:
            yield mock
        finally:
            _PUSH_ARGS.pop(mock.directory, None)


def push_listen(mock: MockProcess) -> str:
    """HOST:PORT where `mock` pushes its DLRs and MOs: a profile's `[target] push_listen`."""
    push = _PUSH_ARGS.get(mock.directory, [])
    return push[push.index("--okroute-dlr-listen") + 1] if push else ""


def run_contracts(
    mock: MockProcess, reports: Path, *args: str, timeout: float = 240, **env: str
) -> subprocess.CompletedProcess:
    """The live contract suite against `mock`, as a user runs it."""
    push = _PUSH_ARGS.get(mock.directory, [])
    return subprocess.run(
        invoke.command(reports, *push, *args, http=mock.http, https=mock.https),
        cwd=REPO,
        env={**os.environ, **live_env(mock), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@contextmanager
def browser_page(page_file: Path, problems: list[str], width: int = 1280) -> Iterator[object]:
    """`page_file` opened in headless Chromium; console errors, page errors and any request
    that leaves the page (anything but file: and data:) are appended to `problems`.

    Fails under CI when Chromium is missing (.ci/run installs it); skips, saying so, elsewhere.
    """
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 1000})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("file:", "data:"))
                else problems.append(f"external request {r.url}")
            ),
        )
        page.goto(page_file.as_uri())
        try:
            yield page
        finally:
            browser.close()
