"""The end of a campaign: figures, SLO verdicts, `summary.json` and the charts.

Latency figures are milliseconds with microsecond precision, from the HdrHistograms; under the
open model both raw and corrected figures are given, and SLOs judge the corrected ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loadtests.health import Health
from loadtests.latency import LatencyBook, latency_figures, seconds_at
from loadtests.pushbook import PushBook
from loadtests.thresholds import LATENCY, PUSH_METRICS, Threshold, Verdict, judge

COMMAND_SCOPES = ("submit", "query", "mo")


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def scope_figures(book: LatencyBook, scope: str, seconds: float) -> dict[str, Any] | None:
    groups = book.select(scope)
    count = sum(g.count for g in groups)
    if not count:
        return None
    failures: dict[str, int] = {}
    for g in groups:
        for rule, n in g.failures.items():
            failures[rule] = failures.get(rule, 0) + n
    return {
        "count": count,
        "rps": round(count / seconds, 2) if seconds else 0.0,
        "errors": round(_share(sum(failures.values()), count), 6),
        "throttled": round(_share(sum(g.throttled for g in groups), count), 6),
        "failures_by_rule": dict(sorted(failures.items())),
        "latency_ms": latency_figures(book.combined(groups, corrected=False)),
        "corrected_latency_ms": latency_figures(book.combined(groups, corrected=True)),
    }


def summarize(
    book: LatencyBook, healths: list[dict[str, Any]], seconds: float, meta: dict[str, Any]
) -> dict[str, Any]:
    processes = [Health.assess(h, seconds) for h in healths]
    saturated = [r for p in processes for r in p["saturated"]]
    delivered = sum(book.finals.values())
    summary: dict[str, Any] = {
        **meta,
        "duration_s": round(seconds, 3),
        "valid": not saturated,
        "invalid_because": saturated,
        "groups": {
            name: {
                "count": g.count,
                "rps": round(g.count / seconds, 2) if seconds else 0.0,
                "latency_ms": latency_figures(g.raw),
                "corrected_latency_ms": latency_figures(g.corrected),
                "failures_by_rule": dict(sorted(g.failures.items())),
                "throttled": g.throttled,
            }
            for name, g in sorted(book.groups.items())
        },
        "scopes": {s: scope_figures(book, s, seconds) for s in ("all", *COMMAND_SCOPES)},
        "delivery": {
            "count": delivered,
            "latency_ms": latency_figures(book.delivery),
            "finals": {k: round(v / delivered, 4) for k, v in sorted(book.finals.items())},
            "abandoned": book.abandoned,
        },
        "generator": {"processes": processes, "saturated": bool(saturated)},
    }
    return summary


def lookup(
    book: LatencyBook, summary: dict[str, Any], corrected: bool, push: PushBook | None = None
):
    """Metric values for the thresholds: latency in seconds, shares as fractions."""
    processes = summary["generator"]["processes"]

    def value(scope: str, metric: str) -> float | None:
        if scope == "push" or metric in PUSH_METRICS:
            return None if push is None else push.value(metric)
        if scope == "dlr":
            histogram = book.delivery if book.delivery.get_total_count() else None
            if metric == "count":
                return float(sum(book.finals.values()))
        else:
            figures = summary["scopes"].get(scope)
            if metric in ("late", "dropped"):
                sent = sum(p["sent"] for p in processes)
                due = sum(p["due"] for p in processes)
                return _share(sum(p[metric] for p in processes), sent if metric == "late" else due)
            if figures is None:
                return None
            if metric in ("count", "rps", "errors", "throttled"):
                return float(figures[metric])
            groups = book.select(scope)
            histogram = (
                book.combined(groups, corrected=True) if corrected else None
            ) or book.combined(groups, corrected=False)
        if histogram is None:
            return None
        if metric in LATENCY:
            return {
                "avg": histogram.get_mean_value(),
                "min": histogram.get_min_value(),
                "max": histogram.get_max_value(),
            }[metric] / 1e6
        return seconds_at(histogram, float(metric[1:]))

    return value


def verdicts(
    book: LatencyBook,
    summary: dict[str, Any],
    thresholds: list[Threshold],
    corrected: bool,
    push: PushBook | None = None,
) -> list[Verdict]:
    values = lookup(book, summary, corrected, push)
    return [judge(t, values) for t in thresholds]


def charts(book: LatencyBook, directory: Path) -> list[Path]:
    """Throughput and latency over time, as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not book.timeline:
        return []
    width = book.bucket_seconds
    first = min(book.timeline)
    indices = sorted(book.timeline)
    x = [(i - first) * width for i in indices]
    buckets = [book.timeline[i] for i in indices]
    written = []

    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(x, [b.count / width for b in buckets], label="answers/s")
    ax.plot(x, [b.failed / width for b in buckets], label="failures/s")
    ax.plot(x, [b.throttled / width for b in buckets], label="throttled/s")
    ax.set_xlabel("seconds into the campaign")
    ax.set_ylabel("requests/s")
    ax.set_title("Throughput")
    ax.legend()
    ax.grid(alpha=0.3)
    path = directory / "throughput.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)

    fig, ax = plt.subplots(figsize=(10, 4))
    for label, pick in (("raw", lambda b: b.raw), ("corrected", lambda b: b.corrected)):
        points = [
            (t, pick(b))
            for t, b in zip(x, buckets, strict=True)
            if pick(b) is not None and pick(b).get_total_count()
        ]
        if not points:
            continue
        times = [t for t, _ in points]
        for p, style in ((50, "-"), (99, "--")):
            ax.plot(
                times,
                [h.get_value_at_percentile(p) / 1000 for _, h in points],
                style,
                label=f"p{p} {label}",
            )
    ax.set_yscale("log")
    ax.set_xlabel("seconds into the campaign")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency (HdrHistogram, per time slice)")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    path = directory / "latency.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)
    return written


def write_summary(directory: Path, summary: dict[str, Any]) -> Path:
    path = directory / "summary.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path
