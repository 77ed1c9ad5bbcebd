"""Typed JSON records: a written file's shape as dataclasses, read back field by field, with the
JSON Schema the dataclasses make.

Every report a tool of this suite writes for machines is a dataclass here or above:
`contracts.results` (contract-results.json), `loadtests.summary` (summary.json),
`okroute_verify.verdict` (verdict.json). Each ships its schema in `contracts/schemas/` (its
module's `python -m` writes it; a test keeps it equal to what the module builds). Figures whose
keys are data (request groups, rules, statuses) are maps; every fixed key is a field.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from contracts.exported import SCHEMA_DIR

SCHEMAS = SCHEMA_DIR
# A section written only when there is one (a reader tests for its key), never as null.
ABSENT_WHEN_NONE = {"absent_when_none": True}


class Record:
    """A dataclass written as JSON: `to_dict` leaves out the sections absent when None."""

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        return typed(cls, data)


def as_dict(record: Any) -> dict[str, Any]:
    """A dataclass as JSON-ready data, every nested record too, absent sections left out."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        data = {}
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if value is None and f.metadata.get("absent_when_none"):
                continue
            data[f.name] = as_dict(value)
        return data
    if isinstance(record, list | tuple):
        return [as_dict(v) for v in record]
    if isinstance(record, dict):
        return {k: as_dict(v) for k, v in record.items()}
    return record


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))


def _fits(kind: Any, value: Any) -> bool:
    """Whether parsed JSON `value` can be the dataclass `kind` (its keys are fields of it)."""
    names = {f.name for f in dataclasses.fields(kind)}
    return isinstance(value, dict) and set(value) <= names


def typed(kind: Any, value: Any) -> Any:
    """`value` (parsed JSON) as `kind`: dataclasses built field by field, the rest as it is."""
    if value is None:
        return None
    if dataclasses.is_dataclass(kind):
        if dataclasses.is_dataclass(value):
            return value  # typed already
        hints = _hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{kind.__name__}: unknown keys {sorted(unknown)}")
        return kind(**{k: typed(hints[k], v) for k, v in value.items()})
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        if len(real) == 1:
            return typed(real[0], value)
        # a choice of records (a section or its error): the first whose fields hold the keys
        records = [a for a in real if dataclasses.is_dataclass(a)]
        fitting = [a for a in records if _fits(a, value)]
        return typed(fitting[0], value) if fitting else value
    if origin is list:
        return [typed(args[0], v) for v in value]
    if origin is dict:
        return {k: typed(args[1], v) for k, v in value.items()}
    return value


def read_typed(kind: Any, path: Path, filename: str) -> Any:
    """A JSON document as `kind` (a `Record`); a folder: its `filename`."""
    if path.is_dir():
        path = path / filename
    return kind.from_dict(json.loads(path.read_text()))


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


def write_schema(filename: str, document: dict[str, Any]) -> int:
    """Ship a JSON Schema beside openapi.json (`contracts/schemas/`), and say where."""
    path = SCHEMAS / filename
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(path)
    return 0


@dataclasses.dataclass(frozen=True)
class Document:
    """A file written as one record: its name, its root record and its shipped JSON Schema."""

    root: type[Record]  # a dataclass
    filename: str  # as written
    schema_file: str  # in `contracts/schemas/`
    title: str
    description: str

    def schema(self) -> dict[str, Any]:
        return schema_for(self.root, self.title, self.description)

    def ship(self) -> int:
        """Write the schema (each module's `python -m`)."""
        return write_schema(self.schema_file, self.schema())

    def read(self, path: Path) -> Any:
        """The file (or a folder holding it), typed."""
        return read_typed(self.root, path, self.filename)

    def typed(self, value: Any) -> Any:
        """The root record, from a dict checked against the types if need be."""
        return value if isinstance(value, self.root) else self.root.from_dict(value)
