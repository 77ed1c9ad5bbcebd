"""The end of a campaign: figures, SLO verdicts and the charts (`summary` writes summary.json).

Latency figures are milliseconds with microsecond precision, from the HdrHistograms; under the
open model both raw and corrected figures are given, and SLOs judge the corrected ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contracts.records import typed
from loadtests.health import Health
from loadtests.latency import LatencyBook, latency_figures, seconds_at, summed
from loadtests.pushbook import PushBook
from loadtests.summary import (
    CampaignSummary,
    CapacityStep,
    Delivery,
    Generator,
    GroupFigures,
    ScopeFigures,
)
from loadtests.thresholds import Lookup, Threshold, Verdict, judge, reader

if TYPE_CHECKING:
    from hdrh.histogram import HdrHistogram

COMMAND_SCOPES = ("submit", "query", "mo")


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def scope_figures(book: LatencyBook, scope: str, seconds: float) -> ScopeFigures | None:
    groups = book.select(scope)
    count = sum(g.count for g in groups)
    if not count:
        return None
    failures: dict[str, int] = {}
    for g in groups:
        for rule, n in g.failures.items():
            failures[rule] = failures.get(rule, 0) + n
    return ScopeFigures(
        count=count,
        rps=round(count / seconds, 2) if seconds else 0.0,
        errors=round(_share(sum(failures.values()), count), 6),
        throttled=round(_share(sum(g.throttled for g in groups), count), 6),
        failures_by_rule=dict(sorted(failures.items())),
        latency_ms=latency_figures(book.combined(groups, corrected=False)),
        corrected_latency_ms=latency_figures(book.combined(groups, corrected=True)),
    )


def summarize(
    book: LatencyBook,
    healths: list[dict[str, Any]],
    seconds: float,
    limits: dict[str, float] | None = None,
) -> CampaignSummary:
    """The figures of a campaign (not yet judged). `seconds` is the load window: from the start
    until the load stopped, not the drain."""
    processes = [Health.assess(h, seconds, limits) for h in healths]
    saturated = [r for p in processes for r in p.saturated]
    delivered = sum(book.finals.values())
    groups = {
        name: GroupFigures(
            count=g.count,
            rps=round(g.count / seconds, 2) if seconds else 0.0,
            latency_ms=latency_figures(g.raw),
            corrected_latency_ms=latency_figures(g.corrected),
            failures_by_rule=dict(sorted(g.failures.items())),
            throttled=g.throttled,
        )
        for name, g in sorted(book.groups.items())
    }
    return CampaignSummary(
        scopes={s: scope_figures(book, s, seconds) for s in ("all", *COMMAND_SCOPES)},
        groups=groups,
        generator=Generator(processes=processes, saturated=bool(saturated)),
        duration_s=round(seconds, 3),  # the load window every rate is taken over
        valid=not saturated,
        invalid_because=saturated,
        delivery=Delivery(
            count=delivered,
            latency_ms=latency_figures(book.delivery),
            finals={k: round(v / delivered, 4) for k, v in sorted(book.finals.items())},
            abandoned=book.abandoned,
        ),
    )


@dataclass
class MergedFigures:
    """A campaign's merged figures as the SLO metrics read them (`thresholds.Figures`):
    latency in seconds, shares as fractions."""

    book: LatencyBook
    summary: CampaignSummary
    corrected: bool
    push: PushBook | None = None

    def histogram(self, scope: str) -> HdrHistogram | None:
        if scope == "push":
            return None if self.push is None else self.push.combined()
        if scope == "dlr":
            return self.book.delivery if self.book.delivery.get_total_count() else None
        if self.summary.scopes.get(scope) is None:
            return None
        groups = self.book.select(scope)
        return (
            self.book.combined(groups, corrected=True) if self.corrected else None
        ) or self.book.combined(groups, corrected=False)

    def count(self, scope: str) -> float | None:
        if scope == "push":
            return None if self.push is None else float(self.push.counts.with_final)
        if scope == "dlr":
            return float(sum(self.book.finals.values()))
        return self.answers(scope, "count")

    def answers(self, scope: str, key: str) -> float | None:
        figures = self.summary.scopes.get(scope)
        return None if figures is None else float(getattr(figures, key))

    def generator_share(self, part: str, whole: str) -> float:
        generator = self.summary.generator
        return _share(
            generator.total(lambda p: getattr(p, part)),
            generator.total(lambda p: getattr(p, whole)),
        )

    def push_share(self, part: str, whole: str) -> float | None:
        return None if self.push is None else self.push.share(part, whole)


def lookup(
    book: LatencyBook, summary: CampaignSummary, corrected: bool, push: PushBook | None = None
) -> Lookup:
    """Metric values for the thresholds, read as the metric table says."""
    return reader(MergedFigures(book, summary, corrected, push))


def verdicts(
    book: LatencyBook,
    summary: CampaignSummary,
    thresholds: list[Threshold],
    corrected: bool,
    push: PushBook | None = None,
) -> list[Verdict]:
    values = lookup(book, summary, corrected, push)
    return [judge(t, values) for t in thresholds]


WARMUP_SHARE, WARMUP_MAX = 0.1, 30.0  # the first 10 % of a run, at most 30 s, is warm-up
STALL_MIN = 0.5  # seconds: a closed-model answer this slow, and ...
STALL_RATIO = 20.0  # ... this many times the median, is a stall the closed model waited out


def warmup_seconds(duration: float) -> float:
    return min(WARMUP_MAX, WARMUP_SHARE * duration)


def _after_warmup(book: LatencyBook) -> HdrHistogram | None:
    """Raw latency of the answers after the warm-up, and after the first two timeline buckets
    at least: every user's first connection and TLS handshake land there (one 900 ms answer in
    the first second of a correct 30 s run), and they are not a stall."""
    span = book.span
    if span is None:
        return None
    skip = span[0] + max(warmup_seconds(span[1] - span[0]), book.bucket_seconds)
    return summed(
        [b.raw for (_, index), b in book.timeline.items() if index * book.bucket_seconds > skip]
    )


def omission_warning(book: LatencyBook, model: str, rate: float) -> str | None:
    """Under the closed model a stall hides itself: each user waits instead of sending. Say so."""
    if model != "closed":
        return None
    histogram = _after_warmup(book)
    if histogram is None:
        return None
    slowest, median = histogram.get_max_value() / 1e6, seconds_at(histogram, 50)
    if slowest < STALL_MIN or slowest < STALL_RATIO * median:
        return None
    return (
        f"coordinated omission: the platform stalled (slowest answer {slowest * 1000:.0f} ms, "
        f"median {median * 1000:.1f} ms) and the closed model's users waited instead of sending, "
        "so the requests not sent during the stall are missing and the percentiles understate "
        "it. Rerun with the open model, which keeps its schedule and reports latency from the "
        f"intended send time: okroute-load --model open --arrival constant:{max(1, round(rate))}"
    )


def _style(plt) -> None:
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9})


def _title(fig, meta: CampaignSummary | None, what: str) -> None:
    target = " ".join(u for u in ((meta and meta.target) or {}).values() if u)
    load = (meta and meta.load) or ""
    slos = ", ".join(meta.slos if meta else [])
    campaign = (meta and meta.campaign) or ""
    fig.suptitle(f"{what} — {campaign}", x=0.01, ha="left", fontsize=11)
    fig.text(0.01, 0.9, f"{target} · {load} · SLO {slos}", fontsize=8, color="#555")


def plain_log_labels(axis) -> None:
    """Label a log axis in plain milliseconds (2, 5, 10, 20) rather than `2×10^1`, which
    matplotlib writes on minor ticks when the range spans less than a decade."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    plain = FuncFormatter(lambda value, _pos: f"{value:g}")
    axis.set_major_formatter(plain)
    axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    axis.set_minor_formatter(plain)


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path


@dataclass
class _Timeline:
    """What every timeline chart of one campaign shares."""

    directory: Path
    meta: CampaignSummary | None
    commands: list[str]
    series: dict[str, list]  # command -> [(seconds into the run, bucket)]
    width: float  # seconds per bucket
    warmup: float


def charts(
    book: LatencyBook,
    directory: Path,
    meta: CampaignSummary | None = None,
    thresholds: list[Threshold] | None = None,
    corrected: bool = False,
) -> list[Path]:
    """Throughput and latency per command over time, and delivery latency, as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thresholds = thresholds or []
    span = book.span
    if span is None:
        return []
    _style(plt)
    width, origin = book.bucket_seconds, span[0]
    warmup = warmup_seconds(span[1] - span[0])
    commands = sorted({c for c, _ in book.timeline})
    series = {
        c: sorted((i * width - origin, b) for (k, i), b in book.timeline.items() if k == c)
        for c in commands
    }
    ctx = _Timeline(directory, meta, commands, series, width, warmup)
    written = [_throughput(plt, ctx), _latency(plt, ctx, thresholds, corrected)]
    if book.delivery.get_total_count():
        written.append(_delivery(plt, book, ctx, thresholds))
    return written


def _done(plt, fig, ax, meta: CampaignSummary | None, what: str, path: Path) -> Path:
    """A chart's legend and title, then the file."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    _title(fig, meta, what)
    _save(fig, path)
    plt.close(fig)
    return path


def _throughput(plt, ctx: _Timeline) -> Path:
    commands, series, width = ctx.commands, ctx.series, ctx.width
    warmup, meta = ctx.warmup, ctx.meta
    fig, ax = plt.subplots(figsize=(11, 4.2))
    for command in commands:
        x = [t for t, _ in series[command]]
        ax.plot(x, [b.count / width for _, b in series[command]], label=f"{command} answers/s")
        failed = [b.failed / width for _, b in series[command]]
        if any(failed):
            ax.plot(x, failed, ":", label=f"{command} failures/s")
        throttled = [b.throttled / width for _, b in series[command]]
        if any(throttled):
            ax.plot(x, throttled, "--", label=f"{command} throttled/s")
    ax.axvspan(0, warmup, color="#999", alpha=0.15, label="warm-up")
    ax.set_xlabel(f"seconds into the campaign (buckets of {width:g} s)")
    ax.set_ylabel("requests/s")
    return _done(plt, fig, ax, meta, "Throughput per command", ctx.directory / "throughput.png")


def _latency(plt, ctx: _Timeline, thresholds: list[Threshold], corrected: bool) -> Path:
    commands, series, width = ctx.commands, ctx.series, ctx.width
    warmup, meta = ctx.warmup, ctx.meta
    fig, ax = plt.subplots(figsize=(11, 4.2))
    steady: list[float] = []
    for n, command in enumerate(commands):
        points = []
        for t, b in series[command]:
            h = b.corrected if corrected and b.corrected is not None else b.raw
            if h.get_total_count():
                points.append((t, h))
        for p, style in ((50, "-"), (99, "--")):
            values = [h.get_value_at_percentile(p) / 1000 for _, h in points]
            ax.plot([t for t, _ in points], values, style, color=f"C{n}", label=f"{command} p{p}")
            steady += [v for (t, _), v in zip(points, values, strict=True) if t >= warmup]
    lines = [t for t in thresholds if t.percentile is not None and t.scope != "dlr"]
    for t in lines:
        ax.axhline(t.limit * 1000, color="#c62828", lw=1, alpha=0.7, label=f"SLO {t.text}")
    ax.axvspan(0, warmup, color="#999", alpha=0.15, label="warm-up")
    ax.set_yscale("log")
    if steady:  # a warm-up spike must not set the scale
        top = max([*steady, *(t.limit * 1000 for t in lines)])
        bottom = min(steady)
        ax.set_ylim(max(bottom / 2, 1e-3), top * 2)
    plain_log_labels(ax.yaxis)
    ax.set_xlabel(f"seconds into the campaign (buckets of {width:g} s)")
    ax.set_ylabel(f"latency, ms ({'corrected' if corrected else 'raw'})")
    what = "Latency per command (HdrHistogram, per time slice)"
    return _done(plt, fig, ax, meta, what, ctx.directory / "latency.png")


def _delivery(plt, book: LatencyBook, ctx: _Timeline, thresholds: list[Threshold]) -> Path:
    meta = ctx.meta
    fig, ax = plt.subplots(figsize=(11, 3.6))
    percentiles = [p for p in (1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9)]
    ax.plot(
        percentiles,
        [seconds_at(book.delivery, p) for p in percentiles],
        "o-",
        label="submit to final status",
    )
    for t in thresholds:
        if t.scope == "dlr" and t.percentile is not None:
            ax.axhline(t.limit, color="#c62828", lw=1, alpha=0.7, label=f"SLO {t.text}")
    ax.set_xlabel("percentile")
    ax.set_ylabel("delivery latency, s")
    return _done(plt, fig, ax, meta, "Delivery latency", ctx.directory / "delivery.png")


def capacity_chart(rows: list[CapacityStep | dict[str, Any]], directory: Path) -> Path | None:
    """The knee: achieved against target rate per step, and p99 latency."""
    if not rows:
        return None
    steps = [typed(CapacityStep, r) for r in rows]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _style(plt)
    ordered = sorted(steps, key=lambda r: r.rate)
    fig, ax = plt.subplots(figsize=(11, 4.2))
    rates = [r.rate for r in ordered]
    ax.plot(rates, rates, ":", color="#999", label="target")
    ax.plot(rates, [r.achieved_rps for r in ordered], "o-", label="achieved requests/s")
    for r in ordered:
        if r.limit:
            ax.annotate(r.limit, (r.rate, r.achieved_rps), fontsize=7, color="#c62828")
    ax.set_xlabel("target rate, requests/s")
    ax.set_ylabel("requests/s")
    right = ax.twinx()
    right.plot(rates, [r.p99_ms or 0 for r in ordered], "s--", color="#b26a00", label="p99 ms")
    right.set_ylabel("p99 latency, ms")
    right.grid(False)
    handles = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left",
              bbox_to_anchor=(1.08, 1.0), fontsize=8)  # fmt: skip
    fig.suptitle("Capacity search: the knee", x=0.01, ha="left", fontsize=11)
    path = _save(fig, directory / "capacity.png")
    plt.close(fig)
    return path
