"""A task that uses Locust's client directly: unnamed requests refused, URLs scrubbed."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.guard import scrub_url
from tests.helpers import REPO, running_mock

pytestmark = pytest.mark.slow
CANARY = "Guard-Canary-Pw-61"


@pytest.mark.parametrize(
    ("url", "scrubbed"),
    [
        ("http://h:8001/api?command=submit&password=x", "http://h:8001/api"),
        ("https://user:pw@h/api?x#frag", "https://h/api"),
        ("", ""),
        (None, ""),
    ],
)
def test_scrub_url(url, scrubbed) -> None:
    assert scrub_url(url) == scrubbed


def test_unnamed_requests_are_refused_and_urls_scrubbed(tmp_path: Path) -> None:
    seen = tmp_path / "seen.jsonl"
    with running_mock(tmp_path / "mock", "--account", f"load:{CANARY}", https=False) as mock:
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(REPO / "tests/locustfiles/unnamed.py"),
            "DirectClient",
            "--headless",
            "-u",
            "1",
            "-r",
            "1",
            "-t",
            "3s",
            "--host",
            mock.http,
            "--csv",
            str(tmp_path / "run"),
            "--only-summary",
            "--okroute-transports",
            "http=1",
            "--okroute-reports",
            str(tmp_path),
        ]
        env = {
            **os.environ,
            "OKROUTE_USERNAME": "load",
            "OKROUTE_PASSWORD": CANARY,
            "OKROUTE_DNIS_PREFIX": "4477009",
            "GUARD_SEEN_FILE": str(seen),
        }
        result = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
    with open(tmp_path / "run_exceptions.csv") as fh:
        exceptions = [row["Message"] for row in csv.DictReader(fh)]
    assert any("UnnamedRequest" in m or "without name=" in m for m in exceptions), exceptions
    events = [json.loads(line) for line in seen.read_text().splitlines()]
    assert any(e["name"] == "query GET http" for e in events)
    for e in events:
        assert "?" not in e["url"] and CANARY not in e["url"] and CANARY not in e["name"]
    for path in tmp_path.glob("run_*.csv"):
        assert CANARY not in path.read_text(), path
    assert CANARY not in result.stdout + result.stderr
