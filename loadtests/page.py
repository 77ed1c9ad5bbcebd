"""`reports/<campaign>/index.html`: the campaign's report as one self-contained page.

Styles inline, charts embedded as data URLs, no script and no external request: it opens from a
CI artifact as it does from disk. Verdict and why first, then what ran, the figures per request
group, the SLOs, the generator's health, delivery, the charts, and the capacity steps if any.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from loadtests.summary import CampaignSummary, Delivery

CHARTS = ("throughput.png", "latency.png", "delivery.png", "capacity.png")
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, sans-serif; margin: 0; color: #1d2330; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.verdict { padding: 18px 24px; color: #fff; font-size: 28px; font-weight: 700; }
.PASS { background: #2e7d32; } .FAIL { background: #c62828; }
.INVALID { background: #6a1b9a; } .ABORTED { background: #b26a00; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border: 1px solid #dde2ea; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f9; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ok { background: #e8f5e9; } td.bad { background: #ffebee; font-weight: 600; }
.warn { background: #fff4e0; padding: 8px 12px; border-left: 4px solid #b26a00; }
img { max-width: 100%; border: 1px solid #dde2ea; }
"""
MS = ("p50", "p95", "p99", "p99.9", "max")


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return str(value)


def _td(value: Any, kind: str = "num") -> str:
    return f'<td class="{kind}">{escape(_num(value) if kind == "num" else str(value))}</td>'


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _why(summary: CampaignSummary) -> list[str]:
    reasons = []
    if summary.aborted_because:
        reasons.append(f"aborted: {summary.aborted_because}")
    reasons += [f"invalid: {r}" for r in summary.invalid_because]
    reasons += [f"SLO {s.line}" for s in summary.slo if not s.passed]
    return reasons or ["every SLO held and the generator applied the load asked for"]


def _meta(summary: CampaignSummary) -> str:
    target = ", ".join(u for u in (summary.target or {}).values() if u)
    rows = [
        ("campaign", summary.campaign),
        ("started", summary.started),
        ("target", target),
        ("load", summary.load),
        ("load window", f"{summary.duration_s} s (rates are taken over it)"),
        ("time beside the load", f"{summary.overhead_s} s (start, drain, pushes, report)"),
        ("processes", summary.processes),
        ("mix", summary.mix),
        ("messages", summary.messages),
        ("message budget", summary.max_messages),
        ("contract checks on", summary.check_rate),
    ]
    return _table(["", ""], [[_td(k, "key"), _td(v, "value")] for k, v in rows])


def _groups(summary: CampaignSummary) -> str:
    head = ["group", "count", "rps"]
    head += [f"{p} ms" for p in MS] + [f"{p} ms corrected" for p in ("p50", "p99")]
    head += ["errors by rule", "throttled"]
    rows = []
    for name, g in summary.groups.items():
        raw = g.latency_ms or {}
        fixed = g.corrected_latency_ms or {}
        failures = ", ".join(f"{k}: {v}" for k, v in g.failures_by_rule.items())
        rows.append(
            [_td(name, "name"), _td(g.count), _td(g.rps)]
            + [_td(raw.get(p)) for p in MS]
            + [_td(fixed.get(p)) for p in ("p50", "p99")]
            + [_td(failures or "none", "bad" if failures else "ok"), _td(g.throttled)]
        )
    return _table(head, rows)


def _slos(summary: CampaignSummary) -> str:
    rows = [
        [_td(s.threshold, "name"), _td("held" if s.passed else "BREACHED",
                                       "ok" if s.passed else "bad"), _td(s.line, "line")]
        for s in summary.slo
    ]  # fmt: skip
    judged = escape(summary.slo_judged_on or "")
    return f"<p>Judged on {judged}.</p>" + _table(["threshold", "verdict", "value"], rows)


def _generator(summary: CampaignSummary) -> str:
    keys = ["target_rps", "achieved_rps", "due", "sent", "late", "generator_behind", "dropped",
            "held_for_throttling", "skipped", "numbers_submitted", "cpu_p50", "cpu_max",
            "check_rate"]  # fmt: skip
    rows = [
        [_td(f"process {i + 1}", "name")] + [_td(p.get(k)) for k in keys]
        for i, p in enumerate(summary.generator.processes)
    ]
    return _table(["", *keys], rows)


def _delivery(summary: CampaignSummary) -> str:
    d = summary.delivery or Delivery(count=0)
    figures = d.latency_ms or {}
    finals = ", ".join(f"{k} {v:.1%}" for k, v in d.finals.items())
    row = [_td(d.count), _td(d.abandoned)]
    row += [_td(figures.get(p)) for p in MS] + [_td(finals or "none", "finals")]
    head = ["final statuses", "given up"] + [f"{p} ms" for p in MS] + ["share by status"]
    return _table(head, [row])


def _capacity(summary: CampaignSummary) -> str:
    capacity = summary.capacity
    if not capacity:
        return ""
    head = ["step", "target /s", "achieved /s", "p50 ms", "p99 ms", "errors", "throttled", "held",
            "limit"]  # fmt: skip
    rows = []
    for step in capacity.steps:
        rows.append(
            [_td(step["name"], "name"), _td(step["rate"]), _td(step["achieved_rps"]),
             _td(step["p50_ms"]), _td(step["p99_ms"]), _td(f"{step['errors']:.2%}", "share"),
             _td(f"{step['throttled']:.2%}", "share"),
             _td(step["held"]), _td(step["limit"] or "held", "bad" if step["limit"] else "ok")]
        )  # fmt: skip
    text = (
        f'<p>Capacity: <b id="capacity">{escape(_num(capacity.capacity_rps, 1))}</b> '
        f"requests/s; the search stopped on <b>{escape(capacity.stopped_by)}</b>.</p>"
    )
    return "<h2>Capacity search</h2>" + text + _table(head, rows)


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
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>okroute-load {escape(summary.campaign or "")}: {verdict}</title>
<style>{STYLE}</style></head>
<body><div class="verdict {verdict}" id="verdict">{verdict}</div><main>
<h1>Load campaign {escape(summary.campaign or "")}</h1>
<ul class="reasons">{reasons}</ul>{warnings}
{_capacity(summary)}
<h2>What ran</h2>{_meta(summary)}
<h2>Per request group</h2>{_groups(summary)}
<h2>SLOs</h2>{_slos(summary)}
<h2>Generator health</h2>{_generator(summary)}
<h2>Delivery</h2>{_delivery(summary)}
<h2>Charts</h2>{charts}
</main></body></html>
"""


def write(directory: Path, summary: CampaignSummary) -> Path:
    path = directory / "index.html"
    path.write_text(render(directory, summary), encoding="utf-8")
    return path
