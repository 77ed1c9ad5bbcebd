"""The campaign's `index.html` in a real browser: self-contained, no console error, no request
leaving the page; and nothing under the reports folder is secret."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import pytest

from loadtests import summary
from tests.helpers import REPO, browser_page
from tests.test_load_campaigns import CANARY, campaign

pytestmark = pytest.mark.slow
SCREENSHOT = REPO / "reports" / "load-report.png"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("load-report")
    result, summary = campaign(
        tmp_path, "page", "--duration", "5s", "--users", "4", "--mix", "submit=2,query=2,mo=1",
        "--slo", "submit:p99<250ms", "--slo", "errors<1%", "--slo", "dlr:p95<1m",
        "--mock-arg=--accept-delay=20ms..50ms", "--mock-arg=--final-delay=100ms..300ms",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-2000:]
    assert summary["delivery"]["count"] > 0
    return tmp_path / "page"


def test_the_page_holds_every_part_of_the_report(report: Path) -> None:
    page = (report / "index.html").read_text()
    for part in (
        'id="verdict"', "What ran", "Per request group", "SLOs", "Generator health",
        "Delivery", "submit:p99&lt;250ms", "corrected", "submit POST-body https",
    ):  # fmt: skip
        assert part in page, part
    assert page.count("data:image/png;base64,") == 3  # throughput, latency, delivery
    assert "http://" not in page.replace(summary_target(report), "")
    assert "<script" not in page


def summary_target(report: Path) -> str:
    import json

    target = json.loads((report / "summary.json").read_text())["target"]
    return target["http"]


def test_nothing_under_the_reports_folder_is_secret(report: Path) -> None:
    names = {p.name for p in report.rglob("*")}
    assert "access.log" not in names and not any(n.endswith((".key", ".pem")) for n in names)
    for path in report.rglob("*"):
        if path.is_file():
            assert CANARY not in path.read_bytes().decode("utf-8", "replace"), path


def test_the_report_loads_in_a_real_browser(report: Path) -> None:
    problems: list[str] = []
    SCREENSHOT.parent.mkdir(exist_ok=True)
    with browser_page(report / "index.html", problems) as page:
        assert page.inner_text("#verdict") in ("PASS", "FAIL")
        images = page.locator("img")
        assert images.count() == 3
        for i in range(images.count()):  # every chart decoded and laid out
            assert images.nth(i).evaluate("img => img.naturalWidth") > 500
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert problems == []
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_summary_validates_against_the_shipped_schema_and_reads_back(report: Path) -> None:
    shipped = json.loads((summary.SCHEMAS / summary.SCHEMA_FILE).read_text())
    data = json.loads((report / summary.FILENAME).read_text())
    fastjsonschema.compile(shipped)(data)
    typed = summary.read(report)
    assert typed.to_dict() == data  # every key typed, nothing lost
    assert typed.wall_s is not None and typed.duration_s is not None
    assert typed.overhead_s == pytest.approx(typed.wall_s - typed.duration_s, abs=0.01)
    everything = typed.scopes["all"]
    assert everything is not None and everything.count > 0
