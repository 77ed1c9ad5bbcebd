"""A campaign's live figures: the Prometheus series, the Grafana dashboard built on them, and a
real Prometheus (Debian's `prometheus`, installed by .ci/run) scraping a two-worker campaign."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from loadtests import metrics
from loadtests.health import Health
from loadtests.latency import LatencyBook, _histogram, _record
from loadtests.live import View
from loadtests.pushbook import PushBook
from loadtests.thresholds import parse_all
from okroute_mock.launch import free_port
from okroute_model.exitcodes import ExitCode
from tests.helpers import REPO
from tests.junitxsd import cases, outcome, validated

DASHBOARD = REPO / "loadtests" / "grafana" / "okroute.json"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PASSWORD = "Metrics-Canary-Pw-5e1"
SCRAPE = 1.0  # seconds between scrapes in the real-Prometheus test


def _book() -> LatencyBook:
    book = LatencyBook()
    now = time.time()
    for i in range(50):
        book.record("submit GET http", 0.002 + i / 10_000, now, corrected=0.003)
        book.record("query GET https", 0.004, now, failure="query.json-body" if i % 10 else None)
    book.record("submit POST-body https", 0.5, now, throttled=True)
    book.record("submit GET http", 0.01, now, failure="errors.no-5xx")
    book.record_delivery("DELIVRD", 4.0)
    return book


def _health() -> dict[str, Any]:
    health = Health(target_rps=20.0, due=100, started=98, sent=97, dropped=1, held=1, numbers=60)
    health.sample_cpu(12.0)
    health.sample_cpu(95.0)
    health.sample_lag(0.003)
    return health.snapshot()


def _live_pushes() -> dict[str, Any]:
    book = PushBook()
    book.counts.update({"messages": 10, "pushes": 12, "with_final": 9, "duplicates": 1})
    book.record_latency("DELIVRD", 2.5)
    return {"received": 12, "open": 1, "book": book.snapshot()}


# summary.json's parts the endpoint shows once the report is written
FINAL = {
    "push": {"missing": 2, "received": 12},
    "slo": [{"threshold": "errors<1%", "value": 0.4, "passed": False, "line": "errors<1%: ..."}],
}


def _exposition(monkeypatch, final: dict[str, Any] | None = None) -> str:
    monkeypatch.setattr(metrics, "live_pushes", lambda receiver: _live_pushes())
    view = View(_book(), [_health(), _health()], 5.0, 10.0, True, 1000)
    source = metrics.Source(lambda: view, parse_all(["submit:p99<250ms", "errors<1%"]), "x")
    source.final = final
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics.CampaignCollector(source))
    return generate_latest(registry).decode()


_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    """(name, its labels) -> value of every sample in an exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            name, _, labels = key.partition("{")
            out[name, frozenset(_LABEL.findall(labels))] = float(value)
    return out


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples[name, frozenset(labels.items())]


def _names(text: str) -> set[str]:
    return {name for name, _ in _samples(text)}


def test_every_series_is_exported_with_the_figures_of_the_view(monkeypatch) -> None:
    text = _exposition(monkeypatch, final=FINAL)
    names = _names(text)
    for series in metrics.SERIES:
        full = metrics.name(series)
        assert {full, f"{full}_count", f"{full}_total"} & names, f"{full} not exported"
    samples = _samples(text)
    group = {"command": "submit", "method": "GET", "transport": "http"}
    assert _value(samples, "okroute_requests_total", **group) == 51
    assert _value(samples, "okroute_requests_per_second", **group) == 51 / 5.0  # over 5 s
    assert _value(samples, "okroute_request_failures_total", **group, rule="errors.no-5xx") == 1
    # Cumulative buckets: every answer of the group is at or under +Inf, none under 0.5 ms.
    bucket = "okroute_request_latency_seconds_bucket"
    assert _value(samples, bucket, **group, le="+Inf") == 51
    assert _value(samples, bucket, **group, le="0.0005") == 0
    assert _value(samples, bucket, **group, le="0.01") == 51
    assert _value(samples, "okroute_request_corrected_latency_seconds_count", **group) == 50
    assert _value(samples, "okroute_sends_total", fate="dropped") == 2  # two processes
    assert _value(samples, "okroute_budget_numbers_used") == 120
    assert _value(samples, "okroute_generator_cpu_percent", stat="max") == 95
    assert _value(samples, "okroute_generator_cpu_saturated_samples_total") == 2
    assert _value(samples, "okroute_push_received_total") == 12
    assert _value(samples, "okroute_push_missing") == 2
    assert _value(samples, "okroute_slo_passing", slo="errors<1%") == 0  # the report's verdict
    assert _value(samples, "okroute_run_finished") == 1


def test_slo_state_is_judged_on_the_figures_so_far(monkeypatch) -> None:
    samples = _samples(_exposition(monkeypatch))
    # 46 of 102 answers failed: the errors SLO is breached; submit p99 (~10 ms) holds.
    assert _value(samples, "okroute_slo_passing", slo="errors<1%") == 0
    assert _value(samples, "okroute_slo_passing", slo="submit:p99<250ms") == 1
    assert _value(samples, "okroute_slo_limit", slo="submit:p99<250ms") == 0.25
    errors = _value(samples, "okroute_slo_value", slo="errors<1%")
    assert errors == pytest.approx(46 / 102, rel=1e-4)
    assert _value(samples, "okroute_run_finished") == 0


@pytest.mark.parametrize(
    "value",
    ["447700000001", "99e7701e-ed1f417f-9349e065", "0123abcd99", PASSWORD, "a\nb", "x" * 90],
)
def test_a_label_never_carries_a_number_an_id_or_a_credential(value: str) -> None:
    from okroute_model.secrets import MASKER

    MASKER.add(PASSWORD)
    assert metrics.safe_label(value) == metrics.OTHER
    assert metrics.safe_label(f"rule {value}") == metrics.OTHER


@pytest.mark.parametrize("value", ["errors.no-5xx", "submit:p99<250ms", "DELIVRD", "POST-url"])
def test_plain_names_stay_labels(value: str) -> None:
    assert metrics.safe_label(value) == value


def test_histogram_buckets_are_cumulative_and_complete() -> None:
    histogram = _histogram()
    for seconds in (0.0001, 0.003, 0.003, 0.2, 30.0):
        _record(histogram, seconds)
    buckets, total = metrics.buckets_of(histogram, (0.001, 0.01, 1.0))
    assert buckets == [("0.001", 1.0), ("0.01", 3.0), ("1.0", 4.0), ("+Inf", 5.0)]
    assert total == pytest.approx(30.2061, rel=0.01)


def _panel_names(dashboard: dict[str, Any]) -> list[tuple[str, set[str]]]:
    return [
        (panel["title"], set(re.findall(r"\bokroute_[a-z_]+", target["expr"])))
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]


def test_each_dashboard_panel_reads_an_exported_series(monkeypatch) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = _names(_exposition(monkeypatch, final=FINAL))
    panels = _panel_names(dashboard)
    assert len(dashboard["panels"]) >= 10
    for title, names in panels:
        assert names, f"panel {title!r} reads no okroute series"
        assert names <= exported, f"panel {title!r} reads {names - exported}, not exported"
    read = set().union(*(names for _, names in panels))
    for series in ("request_corrected_latency_seconds", "slo_passing", "push_latency_seconds"):
        assert any(n.startswith(metrics.name(series)) for n in read), series


def test_a_wrong_listen_address_is_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loadtests.cli", "--metrics-listen", "nowhere", "--reports",
         str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == ExitCode.COULD_NOT_VERIFY
    assert "is not HOST:PORT" in result.stderr and "Traceback" not in result.stderr


def test_a_metrics_port_in_use_is_refused_before_the_run(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "loadtests.cli", "--metrics-listen", f"127.0.0.1:{port}",
             "--reports", str(tmp_path / "reports"), "--duration", "2s"],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == ExitCode.COULD_NOT_VERIFY, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("okroute-load:"), lines
    assert f"--metrics-listen 127.0.0.1:{port}" in lines[0]
    assert not (tmp_path / "reports").exists()  # a run that sent nothing leaves no folder


# -- a real Prometheus ---------------------------------------------------------------------------


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


class Prometheus:
    def __init__(self, base: str) -> None:
        self.base = base

    def query(self, expr: str) -> float | None:
        url = f"{self.base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        result = _get(url)["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def label_values(self) -> dict[str, list[str]]:
        names = _get(f"{self.base}/api/v1/labels")["data"]
        return {n: _get(f"{self.base}/api/v1/label/{n}/values")["data"] for n in names}


def _start_prometheus(tmp_path: Path, target: str) -> tuple[subprocess.Popen, Prometheus]:
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {SCRAPE:g}s\n  evaluation_interval: {SCRAPE:g}s\n"
        "scrape_configs:\n  - job_name: okroute\n"
        f"    static_configs:\n      - targets: ['{target}']\n"
    )
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/-/ready", timeout=1).read()
            return process, Prometheus(base)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(
        "prometheus did not become ready: " + (tmp_path / "prometheus.log").read_text()[-2000:]
    )


def _last(prometheus: Prometheus, series: str) -> float | None:
    """The last scraped value, summed over series (the target is gone: its series are stale)."""
    return prometheus.query(f"sum(last_over_time({series}[10m]))")


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(PROMETHEUS).exists(), reason="no prometheus binary (.ci/run installs it)"
)
def test_a_real_prometheus_scrapes_a_two_worker_campaign(tmp_path: Path) -> None:
    listen = f"127.0.0.1:{free_port()}"
    process, prometheus = _start_prometheus(tmp_path, listen)
    try:
        command = [
            sys.executable, "-m", "loadtests.cli", "--workers", "2", "--duration", "10s",
            "--users", "6", "--metrics-listen", listen, "--metrics-linger", f"{3 * SCRAPE:g}s",
            "--slo", "submit:p99<1us", "--slo", "errors<1%", "--reports", str(tmp_path),
            "--campaign", "scraped", "--push-grace", "5s", "--progress", "0",
        ]  # fmt: skip
        env = {**os.environ, "OKROUTE_USERNAME": "load", "OKROUTE_PASSWORD": PASSWORD}
        result = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=240, env=env
        )
        summary = json.loads((tmp_path / "scraped" / "summary.json").read_text())
        assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
        _agrees_with_summary(prometheus, summary)
        _labels_carry_nothing_identifying(prometheus, summary)
    finally:
        process.terminate()
        process.wait(30)
    _junit_names_the_breach(tmp_path / "scraped" / "junit.xml")


def _agrees_with_summary(prometheus: Prometheus, summary: dict[str, Any]) -> None:
    everything = summary["scopes"]["all"]
    slack = everything["rps"] * SCRAPE  # what one scrape interval holds
    scraped = _last(prometheus, "okroute_requests_total")
    assert scraped is not None and abs(scraped - everything["count"]) <= slack
    numbers = sum(p["numbers_submitted"] for p in summary["generator"]["processes"])
    used = _last(prometheus, "okroute_budget_numbers_used")
    assert used is not None and abs(used - numbers) <= slack
    assert _last(prometheus, "okroute_generator_processes") == 2
    assert _last(prometheus, "okroute_request_latency_seconds_count") == scraped
    if summary.get("push") and "received" in summary["push"]:
        assert _last(prometheus, "okroute_push_received_total") == summary["push"]["received"]
        assert _last(prometheus, "okroute_push_missing") == summary["push"]["missing"]
    # The breached SLO is 0 and the other 1, as in the report.
    assert _last(prometheus, 'okroute_slo_passing{slo="submit:p99<1us"}') == 0
    assert _last(prometheus, 'okroute_slo_passing{slo="errors<1%"}') == 1
    assert _last(prometheus, "okroute_run_finished") == 1


def _labels_carry_nothing_identifying(prometheus: Prometheus, summary: dict[str, Any]) -> None:
    values = prometheus.label_values()
    assert {"command", "method", "transport", "fate", "slo"} <= set(values)
    ours = {k: v for k, v in values.items() if k not in ("__name__", "instance", "job", "le")}
    for label, label_values in ours.items():
        for value in label_values:
            assert not re.search(r"\d{5,}", value), (label, value)  # a destination number
            assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{8}", value), (label, value)  # an ID
            assert PASSWORD not in value and value != "load", (label, value)


def _junit_names_the_breach(path: Path) -> None:
    root = validated(path)
    found = cases(root)
    assert outcome(found["SLO submit:p99<1us"])[0] == "failure"
    assert "BREACHED" in outcome(found["SLO submit:p99<1us"])[1]
    assert outcome(found["SLO errors<1%"])[0] == "passed"
    assert outcome(found["the run is valid (the generator applied the load asked for)"])[0] in (
        "passed",
        "failure",  # a busy machine may starve the generator; the case says so, named
    )
    assert PASSWORD not in path.read_text()
