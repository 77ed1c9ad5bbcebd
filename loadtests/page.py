"""`reports/<campaign>/index.html`: the campaign's report as one self-contained page.

Styles inline, charts embedded as data URLs, no script and no external request: it opens from a
CI artifact as it does from disk. Verdict and why first, then what ran, the figures per request
group, the SLOs, the generator's health, delivery, pushes, the charts, and the capacity steps if
any. Every figure carries its unit (`loadtests/htmlkit.py`); no Python repr reaches the page.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from loadtests.htmlkit import (
    NONE,
    STYLE,
    cell,
    counted,
    counts,
    cpu,
    delivery,
    key_values,
    latency_head,
    latency_row,
    ms,
    number,
    per_second,
    percent,
    seconds,
    table,
    weights,
)
from loadtests.summary import CampaignSummary, ProcessFigures, PushError, PushSection

CHARTS = ("throughput.png", "latency.png", "delivery.png", "capacity.png")


def _why(summary: CampaignSummary) -> list[str]:
    reasons = []
    if summary.aborted_because:
        reasons.append(f"aborted: {summary.aborted_because}")
    reasons += [f"invalid: {r}" for r in summary.invalid_because]
    reasons += [f"SLO {s.line}" for s in summary.slo if not s.passed]
    return reasons or ["every SLO held and the generator applied the load asked for"]


def _meta(summary: CampaignSummary) -> str:
    target = ", ".join(u for u in (summary.target or {}).values() if u)
    rate = summary.check_rate
    overhead = summary.overhead_s
    rows = [
        ("campaign", summary.campaign),
        ("started", summary.started),
        ("target", target),
        ("load", summary.load),
        ("load window", f"{seconds(summary.duration_s)} (rates are taken over it)"),
        ("time beside the load",
         f"{seconds(overhead)} (start, drain, pushes, report)" if overhead is not None else NONE),
        ("processes", number(summary.processes)),
        ("request mix", weights(summary.mix)),
        ("submit variants", weights(summary.variants)),
        ("transports", weights(summary.transports)),
        ("messages", weights(summary.messages)),
        ("message budget", counted(summary.max_messages, "destination numbers at most")),
        ("contract checks on", f"{percent(rate)} of answers" if rate is not None else NONE),
        ("SLOs", ", ".join(summary.slos) or NONE),
    ]  # fmt: skip
    return key_values((k, str(v if v is not None else NONE)) for k, v in rows)


def _groups(summary: CampaignSummary) -> str:
    head = ["group", "answers", "rate", *latency_head(), "p50 corrected", "p99 corrected"]
    head += ["errors by rule", "throttled answers"]
    rows = []
    for name, g in summary.groups.items():
        fixed = g.corrected_latency_ms or {}
        failures = counts(g.failures_by_rule)
        rows.append(
            [cell(name), cell(number(g.count), "num"), cell(per_second(g.rps), "num")]
            + latency_row(g.latency_ms)
            + [cell(ms(fixed.get(p)), "num") for p in ("p50", "p99")]
            + [cell(failures, "bad" if g.failures_by_rule else "ok")]
            + [cell(number(g.throttled), "num")]
        )
    return table(head, rows)


def _slos(summary: CampaignSummary) -> str:
    rows = [
        [cell(s.threshold), cell("held" if s.passed else "BREACHED",
                                 "ok" if s.passed else "bad"), cell(s.line)]
        for s in summary.slo
    ]  # fmt: skip
    judged = escape(summary.slo_judged_on or "")
    return f"<p>Judged on {judged}.</p>" + table(["threshold", "verdict", "value"], rows)


# The generator's figures, one row each, one column per process: a table as narrow as the
# number of processes, not one as wide as the number of figures.
GENERATOR_ROWS: tuple[tuple[str, Callable[[ProcessFigures], Any], Callable[[Any], str]], ...] = (
    ("target rate", lambda p: p.target_rps, per_second),
    ("achieved rate", lambda p: p.achieved_rps, per_second),
    ("sends due (open model)", lambda p: p.due, lambda v: counted(v, "sends")),
    ("sent", lambda p: p.sent, lambda v: counted(v, "requests")),
    ("late", lambda p: p.late, lambda v: counted(v, "sends")),
    ("late because the generator was behind", lambda p: p.generator_behind,
     lambda v: counted(v, "sends")),
    ("dropped (in-flight cap)", lambda p: p.dropped, lambda v: counted(v, "sends")),
    ("held back by throttling", lambda p: p.held_for_throttling, lambda v: counted(v, "sends")),
    ("skipped (nothing to query yet)", lambda p: p.skipped, lambda v: counted(v, "sends")),
    ("numbers submitted", lambda p: p.numbers_submitted, lambda v: counted(v, "numbers")),
    ("CPU, median", lambda p: p.cpu_p50, cpu),
    ("CPU, highest", lambda p: p.cpu_max, cpu),
    ("event-loop lag, median", lambda p: p.loop_lag_p50_ms, ms),
    ("event-loop lag, highest", lambda p: p.loop_lag_max_ms, ms),
    ("contract checks on", lambda p: p.check_rate, lambda v: f"{percent(v)} of answers"),
)  # fmt: skip


def _generator(summary: CampaignSummary) -> str:
    processes = summary.generator.processes
    head = ["", *(f"process {i + 1}" for i in range(len(processes)))]
    rows = [
        [cell(label)] + [cell(show(pick(p)), "num") for p in processes]
        for label, pick, show in GENERATOR_ROWS
    ]
    saturated = [f"process {i + 1}: {', '.join(p.saturated)}"
                 for i, p in enumerate(processes) if p.saturated]  # fmt: skip
    note = f'<p class="warn">saturated — {escape("; ".join(saturated))}</p>' if saturated else ""
    return table(head, rows) + note


def push_section(push: PushSection | PushError | None) -> str:
    """The push section of a campaign (shared with okroute-verify's page)."""
    if push is None:
        return "<p>No push receiver ran, so no pushes were counted.</p>"
    if isinstance(push, PushError):
        return f'<p class="warn">{escape(push.error)}</p>'
    figures = [
        ("pushes received", counted(push.received, "pushes")),
        ("messages submitted", counted(push.messages, "messages")),
        ("with a final push", counted(push.with_final, "messages")),
        ("missing a final push",
         f"{counted(push.missing, 'messages')} ({percent(push.missing_share)})"),
        ("waited for late pushes", seconds(push.grace_waited_s)),
        ("pushes per message", _per_message(push.pushes_per_message)),
        ("duplicates", number(push.duplicates)),
        ("out of order", number(push.out_of_order)),
        ("a final status pushed over another", number(push.final_changed)),
        ("for IDs never submitted (unknown)", number(push.unknown)),
        ("to another account's URL (foreign)", number(push.foreign)),
        ("breaking a documented format", number(push.bad_format)),
        ("carrying the password", number(push.password)),
        ("MO pushes", number(push.mo)),
        ("push and poll disagree", counts(push.push_and_poll_disagree)),
    ]  # fmt: skip
    rows = [[cell("every final status"), *latency_row(push.latency_ms)]]
    rows += [[cell(status), *latency_row(f)] for status, f in push.latency_ms_by_status.items()]
    latency = table(["submit → first final push", *latency_head()], rows)
    return key_values(figures) + "<h3>Push latency per final status</h3>" + latency


def _per_message(histogram: dict[str, int] | None) -> str:
    """`{"0": 1195, "1": 610}` as `1,195 messages got 0 pushes, 610 got 1`."""
    if not histogram:
        return NONE
    parts = [f"{number(n)} got {pushes}" for pushes, n in histogram.items()]
    return f"{parts[0].replace(' got', ' messages got', 1)}, {', '.join(parts[1:])}".rstrip(", ")


def _capacity(summary: CampaignSummary) -> str:
    capacity = summary.capacity
    if not capacity:
        return ""
    head = ["step", "target rate", "achieved rate", "p50", "p99", "errors", "throttled",
            "held back", "limit"]  # fmt: skip
    rows = [
        [cell(step.name), cell(per_second(step.rate), "num"),
         cell(per_second(step.achieved_rps), "num"), cell(ms(step.p50_ms), "num"),
         cell(ms(step.p99_ms), "num"), cell(percent(step.errors), "num"),
         cell(percent(step.throttled), "num"), cell(counted(step.held, "sends"), "num"),
         cell(step.limit or "held", "bad" if step.limit else "ok")]
        for step in capacity.steps
    ]  # fmt: skip
    found = capacity.capacity_rps
    found_text = f"{number(found)} requests/s" if found is not None else "none found"
    text = (
        f'<p>Capacity: <b id="capacity">{escape(found_text)}</b>; the search '
        f"stopped on <b>{escape(capacity.stopped_by)}</b>.</p>"
    )
    return "<h2>Capacity search</h2>" + text + table(head, rows)


def _scope_note(summary: CampaignSummary) -> str:
    """A capacity search's figures below the steps are those of its last step only: say so."""
    steps = summary.capacity.steps if summary.capacity else []
    if not steps:
        return ""
    last = steps[-1]
    return (
        f'<p class="warn" id="scope-note">The sections below cover the last step only, '
        f"<b>{escape(last.name)}</b> at {escape(per_second(last.rate))}, not the whole "
        "search; every step's figures are in the table above and under steps/.</p>"
    )


def _image(path: Path) -> str:
    if not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<p><img alt="{escape(path.stem)}" src="data:image/png;base64,{data}"></p>'


def render(directory: Path, summary: CampaignSummary) -> str:
    verdict = escape(summary.verdict)
    reasons = "".join(f"<li>{escape(r)}</li>" for r in _why(summary))
    warnings = "".join(f'<p class="warn">{escape(w)}</p>' for w in summary.warnings)
    charts = "".join(_image(directory / name) for name in CHARTS)
    # Delivery and pushes are drawn by helpers shared with okroute-verify's page.
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>okroute-load {escape(summary.campaign or "")}: {verdict}</title>
<style>{STYLE}</style></head>
<body><div class="verdict {verdict}" id="verdict">{verdict}</div><main>
<h1>Load campaign {escape(summary.campaign or "")}</h1>
<ul class="reasons">{reasons}</ul>{warnings}
{_capacity(summary)}{_scope_note(summary)}
<h2>What ran</h2>{_meta(summary)}
<h2>Per request group</h2>{_groups(summary)}
<h2>SLOs</h2>{_slos(summary)}
<h2>Generator health</h2>{_generator(summary)}
<h2>Delivery (final statuses seen through query)</h2>{delivery(summary.delivery)}
<h2>Pushes (delivery reports pushed to the receiver)</h2>{push_section(summary.push)}
<h2>Charts</h2>{charts}
</main></body></html>
"""


def write(directory: Path, summary: CampaignSummary) -> Path:
    path = directory / "index.html"
    path.write_text(render(directory, summary), encoding="utf-8")
    return path
