"""What the HTML reports share: one style sheet, one colour per verdict, and figures written the
way a person reads them (a unit on every figure, a share as a percentage, weights as shares, no
Python repr). The campaign page (`loadtests/page.py`) and the verification page
(`okroute_verify/html.py`) both stand on it, so a WARN and an ABORTED can never share a colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from loadtests.summary import Delivery

# One colour per verdict; the test of the reports checks that no two are the same.
VERDICT_COLOURS = {
    "PASS": "#2e7d32",
    "WARN": "#b26a00",
    "FAIL": "#c62828",
    "INVALID": "#6a1b9a",
    "ABORTED": "#37474f",
    "INCOMPLETE": "#8d6e63",  # nothing failed, but not everything was checked
}
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, sans-serif; margin: 0; color: #1d2330; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; box-sizing: border-box; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.verdict { padding: 18px 24px; color: #fff; font-size: 28px; font-weight: 700; }
.meta, .note { color: #5b6473; font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; table-layout: auto; }
table.kv { width: auto; min-width: 50%; }
th, td { border: 1px solid #dde2ea; padding: 4px 8px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #f3f5f9; font-weight: 600; overflow-wrap: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.ok { background: #e8f5e9; } td.bad { background: #ffebee; font-weight: 600; }
td.warn { background: #fff4e0; } td.none { color: #9aa3b2; }
.warn { background: #fff4e0; padding: 8px 12px; border-left: 4px solid #b26a00; }
code { font-size: 12px; white-space: pre-wrap; word-break: break-all; }
ul.reasons li { margin: 2px 0; }
img { max-width: 100%; border: 1px solid #dde2ea; }
""" + "".join(f".{name} {{ background: {colour}; }}\n" for name, colour in VERDICT_COLOURS.items())
PERCENTILES = ("p50", "p95", "p99", "p99.9", "max")
NONE = "–"


def number(value: Any, digits: int = 1) -> str:
    """A figure with thousands separators and at most `digits` decimals; – when absent."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:,.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def ms(value: Any) -> str:
    return NONE if value is None else f"{number(value, 1)} ms"


def seconds(value: Any) -> str:
    return NONE if value is None else f"{number(value, 1)} s"


def per_second(value: Any) -> str:
    return NONE if value is None else f"{number(value, 1)}/s"


def percent(share: Any, digits: int = 2) -> str:
    """A share 0..1 as a percentage."""
    if share is None:
        return NONE
    text = f"{share * 100:.{digits}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def cpu(value: Any) -> str:
    """CPU already in percent of one core."""
    return NONE if value is None else f"{number(value, 0)}%"


def counted(value: Any, unit: str) -> str:
    return NONE if value is None else f"{number(value)} {unit}"


def weights(mapping: Mapping[str, float] | None) -> str:
    """Stream or message weights as shares: `submit 50%, query 50%` (zero weights left out)."""
    if not mapping:
        return NONE
    total = sum(mapping.values()) or 1.0
    return ", ".join(f"{k} {percent(v / total, 1)}" for k, v in mapping.items() if v)


def shares(mapping: Mapping[str, float] | None) -> str:
    """Shares already 0..1 per key: `DELIVRD 96.15%, REJECTD 3.85%`."""
    if not mapping:
        return NONE
    return ", ".join(f"{k} {percent(v)}" for k, v in mapping.items())


def counts(mapping: Mapping[str, int] | None) -> str:
    if not mapping:
        return "none"
    return ", ".join(f"{k}: {number(v)}" for k, v in mapping.items())


def cell(text: Any, kind: str = "") -> str:
    attr = f' class="{kind}"' if kind else ""
    return f"<td{attr}>{escape(str(text))}</td>"


def table(head: Iterable[str], rows: Iterable[Iterable[str]], kind: str = "") -> str:
    """`rows` hold cells already rendered by `cell`."""
    attr = f' class="{kind}"' if kind else ""
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return f"<table{attr}><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def key_values(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th>{cell(v)}</tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def latency_row(figures: Mapping[str, Any] | None) -> list[str]:
    figures = figures or {}
    return [cell(ms(figures.get(p)), "num") for p in PERCENTILES]


def latency_head(suffix: str = "") -> list[str]:
    return [f"{p}{suffix}" for p in PERCENTILES]


def delivery(d: Delivery | None) -> str:
    """Final statuses seen through `query`: how many, latency, the share of each status."""
    if d is None:
        row = [cell(NONE, "num"), cell(NONE, "num"), *latency_row(None), cell(NONE)]
    else:
        row = [cell(number(d.count), "num"), cell(number(d.abandoned), "num")]
        row += [*latency_row(d.latency_ms), cell(shares(d.finals))]
    head = ["final statuses", "given up", *latency_head(), "share by status"]
    return table(head, [row])
