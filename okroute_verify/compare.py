"""A release against the one before: new contract failures, changed MAY answers, regressions.

A baseline holds what a verification measured, reduced to what the next one is compared with:
the rules that failed, the fingerprint, and the load smoke's figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from contracts.results import ContractResults, typed_results
from loadtests.summary import CampaignSummary, typed_summary
from okroute_model.may import MAY_POINTS
from okroute_model.profile import CompareSettings

BASELINE_FORMAT = 1
LOAD_SCOPES = ("submit", "query")


@dataclass(frozen=True)
class Difference:
    kind: str  # "contract", "fingerprint", "knob", "latency" or "throughput"
    subject: str  # a rule, a MAY point, a discovered knob, a scope
    before: str
    after: str
    severity: str  # "fail" or "warn"

    def line(self) -> str:
        return f"{self.kind} {self.subject}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class ScopePoint:
    """A load scope's figures as a baseline keeps them (its `load` section, per scope)."""

    p99_ms: float | None = None  # corrected under the open model
    rps: float | None = None

    @classmethod
    def of(cls, load: dict[str, Any], scope: str) -> ScopePoint:
        return cls(**(load.get(scope) or {}))


def load_figures(summary: CampaignSummary | dict[str, Any] | None) -> dict[str, Any]:
    """The load smoke's figures as a baseline (and a verdict) keeps them."""
    if not summary:
        return {}
    typed = typed_summary(summary)
    figures: dict[str, Any] = {}
    for scope in (*LOAD_SCOPES, "all"):
        data = typed.scopes.get(scope)
        if not data:
            continue
        latency = data.corrected_latency_ms or data.latency_ms or {}
        figures[scope] = asdict(ScopePoint(latency.get("p99"), data.rps))
    delivery = (typed.delivery.latency_ms if typed.delivery else None) or {}
    figures["delivery_p95_ms"] = delivery.get("p95")
    # An invalid run measured its generator (late, dropped or held sends), not the platform.
    figures["valid"] = typed.valid
    return figures


@dataclass(frozen=True)
class ContractPoint:
    """The contract run as a baseline keeps it (its `contract` section)."""

    failed_rules: list[str]
    checked_rules: list[str]


def baseline(
    contract: ContractResults | dict[str, Any],
    fingerprint: dict[str, str],
    load: CampaignSummary | dict[str, Any] | None,
    target: dict[str, str],
) -> dict[str, Any]:
    contract = typed_results(contract)
    checked = sorted({c["rule"] for c in contract.checks.values()})
    return {
        "format": BASELINE_FORMAT,
        "target": target,
        "contract": asdict(ContractPoint(contract.failed_rules, checked)),
        "fingerprint": fingerprint,
        "load": load_figures(load),
    }


def fingerprint_differences(
    old: dict[str, str], new: dict[str, str], settings: CompareSettings
) -> list[Difference]:
    """One difference per changed MAY point; a point that is an unknown knob is named as the
    knob, with the values observed before and after (never the same change under two names)."""
    differences = []
    for point in sorted(set(old) | set(new)):
        then, now = old.get(point, "not probed"), new.get(point, "not probed")
        if then == now:
            continue
        may = MAY_POINTS.get(point)  # type: ignore[call-overload]
        knob = may.knob if may is not None else None
        if knob is None:
            differences.append(
                Difference("fingerprint", point, then, now, settings.fingerprint_change)
            )
        else:
            prefix = f"{knob} = "
            differences.append(Difference(
                "knob", str(knob), then.removeprefix(prefix), now.removeprefix(prefix),
                settings.fingerprint_change,
            ))  # fmt: skip
    return differences


def compare(
    before: dict[str, Any], after: dict[str, Any], settings: CompareSettings
) -> list[Difference]:
    if before.get("format") != BASELINE_FORMAT:
        raise ValueError(f"the baseline is format {before.get('format')}, not {BASELINE_FORMAT}")
    differences = []
    failed_before = set(ContractPoint(**before["contract"]).failed_rules)
    for rule in sorted(set(ContractPoint(**after["contract"]).failed_rules) - failed_before):
        differences.append(Difference("contract", rule, "passed", "failed", "fail"))
    differences += fingerprint_differences(before["fingerprint"], after["fingerprint"], settings)
    load_before, load_after = before.get("load") or {}, after.get("load") or {}
    differences += load_differences(load_before, load_after, settings)
    return differences


def load_differences(
    before: dict[str, Any], after: dict[str, Any], settings: CompareSettings
) -> list[Difference]:
    """Slower answers and fewer of them. They fail the release only when both load smokes
    measured the platform: a generator that fell behind (a busy machine) makes its latency
    and rate its own, and a release is not failed for that; the difference is a warning."""
    both_valid = before.get("valid", True) and after.get("valid", True)
    severity = "fail" if both_valid else "warn"
    differences = []
    for scope in LOAD_SCOPES:
        then = ScopePoint.of(before, scope).p99_ms
        now = ScopePoint.of(after, scope).p99_ms
        if then and now and now > then * (1 + settings.latency_increase):
            differences.append(
                Difference("latency", f"{scope} p99", f"{then:.3f} ms", f"{now:.3f} ms", severity)
            )
    then = ScopePoint.of(before, "all").rps
    now = ScopePoint.of(after, "all").rps
    if then and now is not None and now < then * (1 - settings.throughput_decrease):
        differences.append(
            Difference("throughput", "answers/s", f"{then:.1f}", f"{now:.1f}", severity)
        )
    return differences


def as_dicts(differences: list[Difference]) -> list[dict[str, str]]:
    return [asdict(d) | {"line": d.line()} for d in differences]
