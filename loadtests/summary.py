"""`summary.json`, typed: the one module that writes a campaign's summary and reads it back.

The dataclasses below are the file's shape; `schema()` derives its JSON Schema from them, shipped
as `contracts/schemas/campaign-summary.json` for users who read summary.json in their own tools
(`python -m loadtests.summary` writes it; a test keeps it equal to what this module builds and
validates a real summary against it). Figures whose keys are data (request groups, scopes,
percentiles, rules) are maps; every fixed key is a field here.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILENAME = "summary.json"
SCHEMA_FILE = "campaign-summary.json"
SCHEMAS = Path(__file__).resolve().parent.parent / "contracts" / "schemas"
# A section written only when there is one (a reader tests for its key), never as null.
ABSENT_WHEN_NONE = {"absent_when_none": True}
Percentiles = dict[str, float]  # "p50", "p99.9", "min", "max", "avg" -> milliseconds


@dataclass
class ScopeFigures:
    count: int
    rps: float = 0.0
    errors: float = 0.0  # share of answers that broke a rule
    throttled: float = 0.0  # share of answers that were throttling
    failures_by_rule: dict[str, int] = field(default_factory=dict)
    latency_ms: Percentiles | None = None
    corrected_latency_ms: Percentiles | None = None


@dataclass
class GroupFigures:
    count: int
    rps: float = 0.0
    latency_ms: Percentiles | None = None
    corrected_latency_ms: Percentiles | None = None
    failures_by_rule: dict[str, int] = field(default_factory=dict)
    throttled: int = 0  # answers


@dataclass
class Delivery:
    count: int  # final statuses polled
    latency_ms: Percentiles | None = None
    finals: dict[str, float] = field(default_factory=dict)  # status -> share
    abandoned: int = 0


@dataclass
class Generator:
    processes: list[dict[str, Any]]  # `health.Health.assess` of each generator process
    saturated: bool = False


@dataclass
class SloLine:
    threshold: str
    passed: bool
    value: float | None = None  # None: its scope saw no data
    line: str = ""


@dataclass
class Capacity:
    capacity_rps: float | None
    stopped_by: str
    steps: list[dict[str, Any]]  # `capacity.step_row` of each step run
    config: dict[str, Any]


@dataclass
class CampaignSummary:
    # "all" and each command; None: no data
    scopes: dict[str, ScopeFigures | None] = field(default_factory=dict)
    groups: dict[str, GroupFigures] = field(default_factory=dict)
    generator: Generator = field(default_factory=lambda: Generator([]))
    verdict: str = ""  # outcome.Outcome, once judged
    slo: list[SloLine] = field(default_factory=list)
    campaign: str | None = None
    started: str | None = None  # ISO 8601, UTC
    target: dict[str, str] | None = None  # transport -> base URL
    model: str | None = None
    arrival: str | None = None
    users: int | None = None
    load: str | None = None
    run_time_s: float | None = None
    processes: int | None = None
    mix: dict[str, float] | None = None
    variants: dict[str, float] | None = None
    transports: dict[str, float] | None = None
    messages: dict[str, float] | None = None
    check_rate: float | None = None
    max_messages: int | None = None
    slos: list[str] = field(default_factory=list)
    duration_s: float | None = None  # the load window every rate is taken over
    valid: bool = True
    invalid_because: list[str] = field(default_factory=list)
    delivery: Delivery | None = None
    # `pushclient.collect`: the push receiver's figures; absent when no receiver took part
    push: dict[str, Any] | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    slo_judged_on: str | None = None
    warnings: list[str] = field(default_factory=list)
    aborted_because: str | None = None
    capacity: Capacity | None = field(default=None, metadata=ABSENT_WHEN_NONE)  # --find-capacity
    wall_s: float | None = None  # okroute-load's own time, start to end
    overhead_s: float | None = None  # wall time less the load window

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for f in dataclasses.fields(self):
            if f.metadata.get("absent_when_none") and data[f.name] is None:
                del data[f.name]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CampaignSummary:
        return typed(cls, data)


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))


def typed(kind: Any, value: Any) -> Any:
    """`value` (parsed JSON) as `kind`: dataclasses built field by field, the rest as it is."""
    if value is None:
        return None
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{kind.__name__}: unknown keys {sorted(unknown)}")
        return kind(**{k: typed(hints[k], v) for k, v in value.items()})
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        return typed(real[0], value) if len(real) == 1 else value
    if origin is list:
        return [typed(args[0], v) for v in value]
    if origin is dict:
        return {k: typed(args[1], v) for k, v in value.items()}
    return value


def write(directory: Path, summary: CampaignSummary | dict[str, Any]) -> Path:
    """The summary as summary.json in `directory`; a dict is checked against the types first."""
    summary = typed_summary(summary)
    path = directory / FILENAME
    path.write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    return path


def typed_summary(summary: CampaignSummary | dict[str, Any]) -> CampaignSummary:
    """A summary as the dataclass, from a dict checked against the types if need be."""
    return summary if isinstance(summary, CampaignSummary) else CampaignSummary.from_dict(summary)


def read(path: Path) -> CampaignSummary:
    """summary.json (or a campaign folder holding it), typed."""
    return read_typed(CampaignSummary, path, FILENAME)


def read_typed(kind: Any, path: Path, filename: str) -> Any:
    """A JSON document as `kind` (a dataclass with `from_dict`); a folder: its `filename`."""
    if path.is_dir():
        path = path / filename
    return kind.from_dict(json.loads(path.read_text()))


def stamp_overhead(directory: Path, wall: float) -> CampaignSummary | None:
    """Record a run's wall time and its overhead (wall time less the load window)."""
    if not (directory / FILENAME).exists():
        return None
    summary = read(directory)
    summary.wall_s = round(wall, 3)
    summary.overhead_s = round(wall - (summary.duration_s or 0.0), 3)
    write(directory, summary)
    return summary


# -- the JSON Schema ---------------------------------------------------------------------------

_PLAIN = {str: "string", float: "number", int: "integer", bool: "boolean"}


def _schema_of(kind: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    if dataclasses.is_dataclass(kind):
        if kind.__name__ not in definitions:
            definitions[kind.__name__] = {}  # a placeholder while its fields are made
            definitions[kind.__name__] = _object(kind, definitions)
        return {"$ref": f"#/$defs/{kind.__name__}"}
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema_of(a, definitions) for a in args]}
    if origin is list:
        return {"type": "array", "items": _schema_of(args[0], definitions)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(args[1], definitions)}
    if kind is type(None):
        return {"type": "null"}
    if kind in _PLAIN:
        # JSON has one number type: an integer-valued float is written as 1.0, an int as 1.
        return {"type": "number"} if kind is float else {"type": _PLAIN[kind]}
    return {}  # Any


def _object(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        "properties": {f.name: _schema_of(hints[f.name], definitions) for f in fields},
        # written always (null when there is nothing), but for the sections absent when none
        "required": [f.name for f in fields if not f.metadata.get("absent_when_none")],
        "additionalProperties": False,
    }


def schema_for(cls: type, title: str, description: str) -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    root = _object(cls, definitions)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": description,
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def schema() -> dict[str, Any]:
    return schema_for(
        CampaignSummary,
        "okroute-load campaign summary (summary.json)",
        "The figures, SLO verdicts and verdict of one okroute-load campaign.",
    )


def write_schema(filename: str, document: dict[str, Any]) -> int:
    """Ship a JSON Schema beside openapi.json (`contracts/schemas/`), and say where."""
    path = SCHEMAS / filename
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(path)
    return 0


def main() -> int:
    return write_schema(SCHEMA_FILE, schema())


if __name__ == "__main__":
    sys.exit(main())
