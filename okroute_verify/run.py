"""The steps of a verification, in order: preflight, contract suite, fingerprint, load smoke.

One message budget covers the whole run: each step gets what the steps before it left, and every
step counts what it submits. Each step's output lands in the run's folder; nothing is written
that has not passed the masker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from contracts import fingerprint, invoke
from contracts.client import ContractClient
from contracts.strategies import Config
from contracts.target import Target, tls_verification
from okroute_model.environment import Env
from okroute_model.params import PATH
from okroute_model.profile import Profile
from okroute_model.secrets import MASKER

STEP_TIMEOUT = 1800.0


class VerifyStop(Exception):
    """The verification cannot go on (unreachable target, rejected credentials): one line why."""


@dataclass
class Run:
    profile: Profile
    profile_path: str
    target: Target
    directory: Path
    budget: int
    used: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def left(self) -> int:
        return max(0, self.budget - self.used)

    def write(self, name: str, data: Any) -> Path:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False)
        path.write_text(MASKER.mask(text) + ("" if text.endswith("\n") else "\n"))
        return path

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1"}


def preflight(target: Target) -> None:
    """The target answers, and accepts the credentials, before anything is sent for real."""
    c = target.primary
    for transport, base in target.urls.items():
        try:
            response = httpx.get(
                f"{base}{PATH}",
                params={
                    "command": "query",
                    "username": c.username,
                    "password": c.password,
                    "messageId": "okroute-verify-preflight",
                },
                verify=tls_verification(target.ca_bundle),
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise VerifyStop(
                f"cannot reach the {transport} endpoint {base}: {MASKER.mask(str(exc))}"
            ) from None
        if response.status_code in (401, 403):
            raise VerifyStop(
                f"the platform at {base} rejects the credentials of "
                f"{c.username!r} ({response.status_code})"
            )


def contract(run: Run) -> dict[str, Any]:
    """The live contract suite, as `pytest contracts --okroute-profile ...` runs it."""
    reports = run.directory / "contract"
    urls = run.target.urls
    command = invoke.command(
        reports,
        "--okroute-profile",
        run.profile_path,
        http=urls.get("http"),
        https=urls.get("https"),
    )  # type: ignore[call-overload]
    env = run.env() | {
        Env.MAX_MESSAGES: str(run.left),
        Env.DNIS_PREFIX: run.target.dnis_prefix,
    }
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    run.write("contract/output.txt", result.stdout[-20000:] + result.stderr[-5000:])
    results = invoke.results(reports)
    if results is None:
        raise VerifyStop(
            f"the contract suite did not run (exit {result.returncode}); "
            f"see {run.directory / 'contract' / 'output.txt'}"
        )
    results["exit_code"] = result.returncode
    run.used += results.get("sent_numbers", 0)
    return results


def behaviour(run: Run) -> dict[str, str]:
    """The fingerprint, within what is left of the budget."""
    t = run.target
    target = Target(**{**vars(t), "max_messages": run.left})
    client = ContractClient(target)
    try:
        cfg = Config(t.primary, t.knobs, t.dnis_prefix, ani=t.ani, live=True)
        prints = fingerprint.take(client, cfg, t.secondary)
    finally:
        run.used += client.sent_numbers
        client.close()
    run.write("fingerprint.json", prints)
    return prints


def load(run: Run) -> dict[str, Any] | None:
    """A short open-model load at the profile's fixed rate; None when the budget is spent."""
    smoke = run.profile.load
    if run.left == 0:
        run.notes.append("load smoke skipped: the message budget is spent")
        return None
    t = run.target
    command = [
        sys.executable, "-m", "loadtests.cli",
        "--host", t.urls.get("http", "") or t.urls.get("https", ""),  # type: ignore[call-overload]
        "--model", "open", "--arrival", f"constant:{smoke.rate:g}",
        "--duration", f"{max(1, int(smoke.duration))}s", "--mix", smoke.mix,
        "--max-messages", str(run.left), "--dnis-prefix", t.dnis_prefix,
        "--reports", str(run.directory), "--campaign", "load",
    ]  # fmt: skip
    if "https" in t.urls and "http" in t.urls:
        command += ["--https-host", t.urls["https"]]  # type: ignore[index]
    elif "https" not in t.urls:
        command += ["--transports", "http=1"]
    else:
        command += ["--transports", "https=1"]
    if t.ca_bundle:
        command += ["--ca-bundle", t.ca_bundle]
    if t.ani:
        command += ["--ani", t.ani]
    for slo in smoke.slo:
        command += ["--slo", slo]
    result = subprocess.run(
        command,
        env=run.env(),
        capture_output=True,
        text=True,
        timeout=smoke.duration + STEP_TIMEOUT,
    )
    run.write("load/output.txt", result.stdout[-20000:] + result.stderr[-5000:])
    summary_file = run.directory / "load" / "summary.json"
    if not summary_file.exists():
        run.notes.append(f"load smoke did not run (exit {result.returncode})")
        return None
    summary = json.loads(summary_file.read_text())
    run.used += sum(p["numbers_submitted"] for p in summary["generator"]["processes"])
    return summary


def timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")
