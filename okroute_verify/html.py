"""The verification report: one self-contained HTML page (styles inline, charts embedded).

Verdict first, then the reasons, the contract results per rule and variant, the fingerprint
side by side with the baseline's, and the load smoke's figures and charts.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from contracts.results import ContractResults, typed_results
from loadtests.htmlkit import (
    STYLE,
    delivery,
    latency_head,
    latency_row,
    number,
    per_second,
    percent,
)
from loadtests.htmlkit import cell as _kit_cell
from loadtests.htmlkit import table as _table
from loadtests.page import push_section
from loadtests.summary import CampaignSummary, typed_summary
from okroute_model.may import MAY_POINTS
from okroute_model.push import PUSH_MAY_POINTS
from okroute_model.rules import RULES
from okroute_model.wire import ALL_VARIANTS

REPRODUCE_SHOWN = 600  # characters of a curl line; the whole one is in contract-results.json


def _shorten(text: str) -> str:
    if len(text) <= REPRODUCE_SHOWN:
        return text
    return f"{text[:REPRODUCE_SHOWN]}… ({len(text)} characters, see contract/contract-results.json)"


def _cell(text: str, kind: str = "") -> str:
    return f'<td class="{kind}">{escape(text)}</td>' if kind else f"<td>{escape(text)}</td>"


def _image(path: Path) -> str:
    if not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<p><img alt="{escape(path.stem)}" src="data:image/png;base64,{data}"></p>'


def _contract(results: ContractResults | None) -> str:
    if results is None:
        return "<p>The contract suite did not run.</p>"
    variants = [v.name for v in ALL_VARIANTS]
    failed = set(results.failed_rules)
    warned = set(results.warned_rules)
    by_rule: dict[str, dict[str, list[int]]] = {}
    for check in results.checks.values():
        cells = by_rule.setdefault(check["rule"], {})
        for variant, counts in check["variants"].items():
            total = cells.setdefault(variant, [0, 0])
            total[0] += sum(counts.values())
            total[1] += counts.get("failed", 0)
    head = "".join(f"<th>{escape(v)}</th>" for v in variants)
    rows = []
    for name, rule in RULES.items():
        cells = by_rule.get(name)
        status = (
            "failed"
            if name in failed
            else "warning"
            if name in warned
            else "passed"
            if cells
            else "not checked"
        )
        kind = {"failed": "bad", "warning": "warn", "passed": "ok"}.get(status, "none")
        row = [_cell(name), _cell(str(rule.level)), _cell(status, kind)]
        for variant in variants:
            checked, bad = (cells or {}).get(variant, (0, 0))
            text = "-" if not checked else f"{checked}" + (f" ({bad} failed)" if bad else "")
            row.append(_cell(text, "bad" if bad else "ok" if checked else "none"))
        rows.append("<tr>" + "".join(row) + "</tr>")
    violations = "".join(
        f"<li><b>{escape(v['rule'])}</b> via {escape(v['variant'])}: {escape(v['problem'])}"
        f"<br><code>{escape(_shorten(v['reproduce']))}</code></li>"
        for v in results.violations[:20]
        if not v.get("warning")
    )
    return (
        '<p class="note">Per variant: the checks run on its answers, and how many failed.</p>'
        + f"<table><tr><th>rule</th><th>level</th><th>result</th>{head}</tr>{''.join(rows)}</table>"
        + (f"<h3>Failures</h3><ul>{violations}</ul>" if violations else "")
    )


def _fingerprint(now: dict[str, str], before: dict[str, str] | None) -> str:
    head = "<th>MAY point</th><th>question</th>"
    head += "<th>baseline</th><th>this release</th>" if before is not None else "<th>answer</th>"
    rows = []
    questions = {str(p): m.question for p, m in MAY_POINTS.items()}
    questions |= {str(p): q for p, q in PUSH_MAY_POINTS.items()}
    for point, question in questions.items():
        answer = now.get(point, "not probed")
        # A knob the profile leaves unset is discovered here: say which one.
        may = MAY_POINTS.get(point)  # type: ignore[call-overload]
        knob = may.knob if may is not None else None
        name = f"{point} (knob {knob}, observed)" if knob else point
        row = [_cell(name), _cell(question)]
        if before is not None:
            old = before.get(point, "not probed")
            changed = old != answer
            row += [_cell(old, "warn" if changed else ""), _cell(answer, "warn" if changed else "")]
        else:
            row.append(_cell(answer))
        rows.append("<tr>" + "".join(row) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _load(typed: CampaignSummary | None, directory: Path) -> str:
    if typed is None:
        return "<p>No load smoke ran.</p>"
    rows = []
    for scope, data in typed.scopes.items():
        if not data:
            continue
        corrected = data.corrected_latency_ms or {}
        rows.append(
            [_kit_cell(scope), _kit_cell(number(data.count), "num"),
             _kit_cell(per_second(data.rps), "num"), *latency_row(data.latency_ms),
             _kit_cell(number(corrected.get("p99")) + (" ms" if corrected else ""), "num"),
             _kit_cell(percent(data.errors, 4), "num"),
             _kit_cell(percent(data.throttled, 4), "num")]
        )  # fmt: skip
    head = ["scope", "answers", "rate", *latency_head(), "p99 corrected", "errors", "throttled"]
    slo = "".join(f"<li>{escape(s.line)}</li>" for s in typed.slo)
    return (
        _table(head, rows)
        + "<h3>SLOs</h3>"
        + f"<ul>{slo}</ul>"
        + "<h3>Delivery (final statuses seen through query)</h3>"
        + delivery(typed.delivery)
        + "<h3>Pushes</h3>"
        + push_section(typed.push)
        + _image(directory / "load" / "throughput.png")
        + _image(directory / "load" / "latency.png")
    )


def render(
    verdict: dict[str, Any],
    contract: ContractResults | dict[str, Any] | None,
    prints: dict[str, str],
    baseline: dict[str, Any] | None,
    load: CampaignSummary | dict[str, Any] | None,
    directory: Path,
) -> str:
    """The page; `verdict` as written, the contract results and load summary typed or as read."""
    results = typed_results(contract) if contract else None
    summary = typed_summary(load) if load else None
    reasons = "".join(f"<li>{escape(r)}</li>" for r in verdict["reasons"]) or "<li>none</li>"
    differences = "".join(
        f"<tr>{_cell(d['kind'])}{_cell(d['subject'])}{_cell(d['before'])}{_cell(d['after'])}"
        f"{_cell(d['severity'], 'bad' if d['severity'] == 'fail' else 'warn')}</tr>"
        for d in verdict.get("differences", [])
    )
    target = verdict["target"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>okroute-verify: {escape(verdict["verdict"])}</title>
<style>{STYLE}</style></head>
<body>
<div class="verdict {escape(verdict["verdict"])}" id="verdict">{escape(verdict["verdict"])}</div>
<main>
<h1>Release verification of {escape(target.get("http") or "")} {
        escape(target.get("https") or "")
    }</h1>
<p class="meta">profile {escape(verdict["profile"])} · started {escape(verdict["started"])} ·
{verdict["seconds"]:.0f} s · destination numbers {number(verdict["budget"]["used"])} of a budget of
{number(verdict["budget"]["total"])} ·
baseline {escape(verdict.get("baseline") or "none")}</p>
<h2>Why</h2><ul class="reasons">{reasons}</ul>
<h2>Differences from the baseline</h2>
{
        "<table><tr><th>kind</th><th>subject</th><th>before</th><th>after</th><th>severity</th></tr>"
        + differences
        + "</table>"
        if differences
        else "<p>none</p>"
    }
<h2>Contract, per rule and variant</h2>
{_contract(results)}
<h2>Behaviour fingerprint (MAY points, never judged)</h2>
{_fingerprint(prints, (baseline or {}).get("fingerprint") if baseline else None)}
<h2>Load smoke</h2>
{_load(summary, directory)}
</main></body></html>
"""


def write(path: Path, html: str) -> Path:
    from okroute_model.secrets import MASKER

    path.write_text(MASKER.mask(html), encoding="utf-8")
    return path
