"""okroute-verify: the mock as release N, then changed on purpose as release N+1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import fastjsonschema
import pytest

from okroute_model.exitcodes import ExitCode
from okroute_verify import verdict as verdict_file
from tests.helpers import PRIMARY, REPO, SECONDARY, browser_page, push_listen, running_mock
from tests.junitxsd import cases, outcome, validated

pytestmark = pytest.mark.slow
REPORTS = REPO / "reports"
# Release N+1: another text for undocumented errors, slower answers, and a contract break.
CHANGED = [
    "--may-flip",
    "undocumented-error-texts",
    "--latency",
    "300ms",
    "--latency-rate",
    "0.05",
    "--break",
    "dnis-100-rejected",
]


def profile(directory: Path, mock, **target: str) -> Path:
    path = directory / "target.toml"
    fields = {
        "http_url": mock.http,
        "https_url": mock.https,
        "ca_bundle": mock.ca,
        "dnis_prefix": "4477009",
        "no_route_dnis": "99912345678",
        "max_messages": 100000,
        "push_listen": push_listen(mock),  # the mock pushes there: verify checks its pushes
        **target,
    }
    lines = ["[target]"] + [f"{k} = {json.dumps(v)}" for k, v in fields.items()]
    lines += ["[load]", "rate = 60.0", "duration = 3.0"]
    path.write_text("\n".join(lines) + "\n")
    return path


def verify(directory: Path, target: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "OKROUTE_USERNAME": PRIMARY[0],
        "OKROUTE_PASSWORD": PRIMARY[1],
        "OKROUTE_USERNAME_2": SECONDARY[0],
        "OKROUTE_PASSWORD_2": SECONDARY[1],
        "OKROUTE_RATE": "0",  # loopback: no need to be polite to our own mock
        **env,
    }
    command = [
        sys.executable,
        "-m",
        "okroute_verify",
        "--target",
        str(target),
        "--reports",
        str(directory / "reports"),
        *args,
    ]
    return subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=600
    )


def run_folder(directory: Path) -> Path:
    (folder,) = (directory / "reports").glob("verify-*")
    return folder


@pytest.fixture(scope="module")
def release_n(tmp_path_factory):
    directory = tmp_path_factory.mktemp("release-n")
    baseline = directory / "baseline.json"
    with running_mock(directory / "mock") as mock:
        result = verify(directory, profile(directory, mock), "--save-baseline", str(baseline))
    return result, baseline, directory


@pytest.fixture(scope="module")
def release_n1(release_n, tmp_path_factory):
    _, baseline, _ = release_n
    directory = tmp_path_factory.mktemp("release-n1")
    with running_mock(directory / "mock", *CHANGED) as mock:
        result = verify(directory, profile(directory, mock), "--baseline", str(baseline))
    return result, directory


def test_release_n_passes_and_saves_a_baseline(release_n) -> None:
    result, baseline, directory = release_n
    assert result.returncode == 0, result.stdout + result.stderr
    folder = run_folder(directory)
    verdict = json.loads((folder / "verdict.json").read_text())
    shipped = verdict_file.SCHEMAS / verdict_file.SCHEMA_FILE
    fastjsonschema.compile(json.loads(shipped.read_text()))(verdict)  # the shipped schema holds
    # A correct release passes. On a busy machine the load smoke's generator may fall behind;
    # the verdict then says so, as its only reason (WARN), and judges nothing by those figures.
    load_invalid = [r for r in verdict["reasons"] if r.startswith("the load smoke is invalid")]
    assert verdict["reasons"] == load_invalid, verdict["reasons"]
    assert verdict["verdict"] == ("WARN" if load_invalid else "PASS")
    saved = json.loads(baseline.read_text())
    assert saved["contract"]["failed_rules"] == []
    assert len(saved["fingerprint"]) >= 24 and saved["load"]["submit"]["p99_ms"] > 0
    assert 0 < verdict["budget"]["used"] <= verdict["budget"]["total"]
    # The profile's push_listen gave the contract run a receiver: the push rules were judged.
    contract = json.loads((folder / "contract" / "contract-results.json").read_text())
    assert contract["pushes_judged"] > 0 and contract["push_checks"]
    assert all(c["outcomes"].get("failed", 0) == 0 for c in contract["push_checks"].values())


def test_release_n1_fails_and_names_each_difference(release_n1) -> None:
    result, directory = release_n1
    assert result.returncode == 1, result.stdout + result.stderr
    folder = run_folder(directory)
    verdict = json.loads((folder / "verdict.json").read_text())
    assert verdict["verdict"] == "FAIL"
    kinds = {(d["kind"], d["subject"]) for d in verdict["differences"]}
    assert ("contract", "submit.dnis-count-limit") in kinds  # the contract break
    assert ("fingerprint", "undocumented-error-texts") in kinds  # another error text
    assert any(kind == "latency" for kind, _ in kinds)  # slower answers
    text = next(d for d in verdict["differences"] if d["subject"] == "undocumented-error-texts")
    assert "dnis is missing" in text["before"] and "ERROR: missing-dnis" in text["after"]
    page = (folder / "index.html").read_text()
    for difference in verdict["differences"]:
        assert difference["subject"] in page
    assert 'class="verdict FAIL"' in page
    found = cases(validated(folder / "junit.xml"))
    kind, message = outcome(found["submit.dnis-count-limit"])
    assert kind == "failure" and "new since the baseline" in message


def test_a_changed_fingerprint_alone_is_a_warning(release_n, tmp_path: Path) -> None:
    _, baseline, _ = release_n
    with running_mock(tmp_path / "mock", "--may-flip", "undocumented-error-texts") as mock:
        result = verify(
            tmp_path, profile(tmp_path, mock), "--baseline", str(baseline), "--skip-load"
        )
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads((run_folder(tmp_path) / "verdict.json").read_text())
    assert verdict["verdict"] == "WARN"
    assert {d["severity"] for d in verdict["differences"]} == {"warn"}
    # CI's view: valid JUnit XML, nothing failing, the warning named on its point's case.
    found = cases(validated(run_folder(tmp_path) / "junit.xml"))
    assert all(outcome(case)[0] != "failure" for case in found.values())
    warned = found["undocumented-error-texts"].findtext("system-out")
    assert "WARN: fingerprint undocumented-error-texts" in warned


def test_the_report_loads_in_a_real_browser(release_n1) -> None:
    _, directory = release_n1
    problems: list[str] = []
    REPORTS.mkdir(exist_ok=True)
    with browser_page(run_folder(directory) / "index.html", problems) as page:
        assert page.inner_text("#verdict") == "FAIL"
        assert page.locator("img").count() == 2  # the load charts, embedded
        page.screenshot(path=str(REPORTS / "verify-report.png"), full_page=True)
    assert problems == []
    assert (REPORTS / "verify-report.png").stat().st_size > 10_000


def test_no_password_in_anything_a_run_wrote(release_n, release_n1) -> None:
    runs = [(release_n[0], release_n[2]), release_n1]
    for result, directory in runs:
        assert PRIMARY[1] not in result.stdout + result.stderr
        files = [p for p in (directory / "reports").rglob("*") if p.is_file()]
        assert len(files) > 10
        for path in files + [directory / "baseline.json"] * (directory / "baseline.json").exists():
            for canary in (PRIMARY[1], SECONDARY[1]):
                assert canary not in path.read_bytes().decode("utf-8", "replace"), path


def test_a_dry_run_sends_nothing(tmp_path: Path) -> None:
    with running_mock(tmp_path / "mock") as mock:
        before = mock.stats()["requests"]
        result = verify(tmp_path, profile(tmp_path, mock), "--dry-run")
        after = mock.stats()["requests"]
    assert result.returncode == 0, result.stderr
    assert after == before  # /_mock/stats is not an API request: nothing reached /api
    assert "password=***" in result.stdout and "curl" in result.stdout
    assert PRIMARY[1] not in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"http_url": "http://127.0.0.1:9", "https_url": ""}, "cannot reach"),
        ({}, "credentials rejected"),
    ],
)
def test_stops_early_without_a_traceback(tmp_path: Path, change, message) -> None:
    with running_mock(tmp_path / "mock") as mock:
        env = {} if change else {"OKROUTE_PASSWORD": "not-the-password"}
        result = verify(tmp_path, profile(tmp_path, mock, **change), **env)
    assert result.returncode == ExitCode.COULD_NOT_VERIFY
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_credentials_in_a_profile_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[target]\nhttp_url = "http://127.0.0.1:9"\nusername = "u"\npassword = "p"\n')
    result = verify(tmp_path, path)
    assert result.returncode == ExitCode.USAGE and "never go in a profile" in result.stderr


def test_two_random_correct_platforms_pass_and_the_diff_names_what_differs(tmp_path) -> None:
    """Two correct releases that differ only where the contract leaves things open: PASS or
    WARN, and the fingerprint diff lists exactly the MAY points and knobs the seeds differ in."""
    from okroute_model.may import MAY_POINTS, May

    baseline, described, results = tmp_path / "baseline.json", [], []
    for name, seed, args in (("a", 11, ("--save-baseline",)), ("b", 12, ("--baseline",))):
        directory = tmp_path / name
        directory.mkdir()
        with running_mock(directory / "mock", "--may-random", str(seed)) as mock:
            described.append(mock.stats()["behaviour"])
            target = profile(directory, mock)
            results.append(verify(directory, target, *args, str(baseline), "--skip-load"))
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads((run_folder(tmp_path / "b") / "verdict.json").read_text())
    assert verdict["verdict"] in ("PASS", "WARN"), verdict["reasons"]
    named = [(d["kind"], d["subject"]) for d in verdict["differences"]]
    assert len(named) == len(set(named))  # each change once
    expected = set()
    for point, value in described[0]["may"].items():
        if described[1]["may"][point] != value:
            knob = MAY_POINTS[May(point)].knob
            expected.add(("knob", str(knob)) if knob else ("fingerprint", point))
    assert expected and set(named) == expected
    page = (run_folder(tmp_path / "b") / "index.html").read_text()
    assert all(subject in page for _, subject in named)
