"""The three HTML reports as a person sees them, in headless Chromium at 1400 px: a campaign, a
capacity search and a verification. Built from a small real summary (tests/report_fixtures) and
charts drawn from a synthetic latency book, so no campaign runs: no Python repr in the visible
text, a unit on every figure, no horizontal scroll, one colour per verdict. The screenshots land
in reports/ (generated, not in git) for a person to look at."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from loadtests import htmlkit, page, report
from loadtests.latency import LatencyBook
from loadtests.summary import CampaignSummary, typed_summary
from okroute_model.rules import RULES
from okroute_model.wire import ALL_VARIANTS
from okroute_verify import html as verify_html
from tests.helpers import REPO, browser_page

pytestmark = pytest.mark.slow  # a browser start per page, about 2 CPU-s each
WIDTH = 1400
FIXTURE = Path(__file__).parent / "report_fixtures" / "campaign-summary.json"
REPR = re.compile(r"\{'|\[\(|\{\"|\(\('|OrderedDict|defaultdict")
UNIT = re.compile(r"^(–|.*\d.*( ms| s|/s|%| numbers?| sends| requests| messages| pushes).*)$")


def _summary() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def _charts(directory: Path) -> None:
    """Throughput, latency and delivery charts from a synthetic book: ten seconds, p50 near 5
    ms and p99 near 25 ms, a range under a decade (where matplotlib's log labels went wrong)."""
    book = LatencyBook()
    for i in range(2000):
        now = 1_000_000.0 + i / 200
        group = "submit GET http" if i % 2 else "query GET https"
        book.record(group, (4 + (i % 7) + (20 if i % 97 == 0 else 0)) / 1000, now)
    for i in range(50):
        book.record_delivery(next(iter(_summary()["delivery"]["finals"])), 2 + i / 10)
    directory.mkdir(parents=True, exist_ok=True)
    report.charts(book, directory, CampaignSummary(campaign=directory.name))


def _capacity(summary: dict[str, Any]) -> dict[str, Any]:
    steps = [
        {"name": f"step-{n}", "rate": rate, "achieved_rps": rate * 0.99, "p50_ms": 3.1,
         "p99_ms": p99, "errors": 0.0, "throttled": throttled, "held": 0, "numbers": 900,
         "limit": limit}
        for n, (rate, p99, throttled, limit) in enumerate(
            [(50, 9.0, 0.0, None), (75, 11.0, 0.0, None), (112.5, 140.0, 0.02, "latency")], 1)
    ]  # fmt: skip
    steps.append(dict(steps[1], name="confirm-75rps", limit=None))
    summary["capacity"] = {
        "capacity_rps": 75.0, "stopped_by": "latency", "steps": steps, "config": {}
    }  # fmt: skip
    return summary


def _verification(directory: Path) -> str:
    rules = list(RULES)[:12]
    variants = [v.name for v in ALL_VARIANTS]
    checks = {
        f"check-{n}": {"rule": rule, "variants": {v: {"passed": 3 + n} for v in variants}}
        for n, rule in enumerate(rules)
    }
    checks["check-0"]["variants"][variants[0]] = {"passed": 2, "failed": 1}
    contract = {"failed_rules": [], "warned_rules": [rules[0]], "checks": checks, "violations": []}
    load = _summary()
    verdict = {
        "verdict": "WARN", "reasons": [f"SHOULD {rules[0]} warned"],
        "target": load["target"], "profile": "profiles/staging.toml",
        "started": load["started"], "seconds": 312.4, "baseline": "baselines/release-41.json",
        "budget": {"used": 1480, "total": 2000},
        "differences": [{"kind": "latency", "subject": "submit p99", "before": "11 ms",
                         "after": "14 ms", "severity": "warn"}],
    }  # fmt: skip
    _charts(directory / "load")
    return verify_html.render(verdict, contract, {}, None, load, directory)


def _look(path: Path, screenshot: str) -> dict[str, Any]:
    """Open `path` at 1400 px, save a full-page screenshot, return what the browser saw."""
    problems: list[str] = []
    (REPO / "reports").mkdir(exist_ok=True)
    with browser_page(path, problems, width=WIDTH) as tab:
        seen = {
            "text": tab.inner_text("body"),
            "scroll_width": tab.evaluate("document.documentElement.scrollWidth"),
            "verdict_colour": tab.eval_on_selector(
                "#verdict", "e => getComputedStyle(e).backgroundColor"
            ),
            "num_cells": tab.eval_on_selector_all("td.num", "es => es.map(e => e.innerText)"),
        }
        tab.screenshot(path=str(REPO / "reports" / screenshot), full_page=True)
    assert not problems, problems
    return seen


def _assert_readable(seen: dict[str, Any]) -> None:
    assert not REPR.search(seen["text"]), REPR.search(seen["text"])
    assert seen["scroll_width"] <= WIDTH, f"page is {seen['scroll_width']} px wide"
    unitless = [t for t in seen["num_cells"] if not UNIT.match(t.strip()) and not t.isdigit()
                and not re.fullmatch(r"[\d,]+", t.strip())]  # fmt: skip
    assert not unitless, unitless


def test_a_campaign_report_reads_well(tmp_path: Path) -> None:
    directory = tmp_path / "campaign"
    _charts(directory)
    seen = _look(page.write(directory, typed_summary(_summary())), "report-campaign.png")
    _assert_readable(seen)
    text = seen["text"]
    assert "submit 50%, query 50%" in text  # the mix as shares, not {'submit': 1.0, ...}
    assert re.search(r"message budget\s+100,000 destination numbers", text)
    assert re.search(r"contract checks on\s+100% of answers", text)
    assert re.search(r"CPU, median\s+34%", text)
    assert "Push latency per final status" in text and "missing a final push" in text
    assert re.search(r"pushes received\s+800 pushes", text)


def test_a_capacity_report_says_which_step_its_tables_cover(tmp_path: Path) -> None:
    directory = tmp_path / "capacity"
    _charts(directory)
    summary = _capacity(_summary())
    report.capacity_chart(summary["capacity"]["steps"], directory)
    seen = _look(page.write(directory, typed_summary(summary)), "report-capacity.png")
    _assert_readable(seen)
    assert "cover the last step only, confirm-75rps at 75/s" in seen["text"]
    assert "Capacity: 75 requests/s; the search stopped on latency" in seen["text"]


def test_a_verification_report_reads_well(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    path.write_text(_verification(tmp_path), encoding="utf-8")
    seen = _look(path, "report-verification.png")
    _assert_readable(seen)
    assert "Push latency per final status" in seen["text"]
    assert "1,480 of a budget of" in seen["text"]
    assert seen["verdict_colour"] == _rgb(htmlkit.VERDICT_COLOURS["WARN"])


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_every_verdict_has_a_colour_of_its_own() -> None:
    colours = list(htmlkit.VERDICT_COLOURS.values())
    assert len(set(colours)) == len(colours), htmlkit.VERDICT_COLOURS


def test_the_latency_axis_is_labelled_in_plain_milliseconds(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [5, 25])
    ax.set_yscale("log")
    ax.set_ylim(4, 40)
    report.plain_log_labels(ax.yaxis)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.yaxis.get_ticklabels(minor=True)]
    labels += [t.get_text() for t in ax.yaxis.get_ticklabels()]
    plt.close(fig)
    assert labels and not any("10^" in t or "times" in t for t in labels), labels
    assert {"5", "10", "20"} <= set(labels), labels
