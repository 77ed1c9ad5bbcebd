"""JSON Schemas of the success answers (§3, §4), built from the model.

`python -m contracts.exported` writes them to `contracts/schemas/` for other tools; a test
keeps those files equal to what this module builds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from okroute_model.statuses import Status

# Draft 7: what most tools read, and all these schemas need.
_DRAFT = "http://json-schema.org/draft-07/schema#"
_STRING = {"type": "string"}
_ID = {"type": "string", "minLength": 1}

SUBMIT_SINGLE: dict[str, Any] = {
    "$schema": _DRAFT,
    "$id": "okroute/submit-single.json",
    "title": "submit answer for one number and one segment",
    "type": "object",
    "required": ["message_id"],
    "properties": {"message_id": _ID, "dnis": _STRING},
    "additionalProperties": _STRING,
}

SUBMIT_ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["dnis", "message_id"],
    "properties": {
        "dnis": {"type": "string", "minLength": 1},
        "message_id": _ID,
        "segment_num": {"type": "string", "pattern": "^[1-9][0-9]*$"},
    },
    "additionalProperties": _STRING,
}

SUBMIT_MULTI: dict[str, Any] = {
    "$schema": _DRAFT,
    "$id": "okroute/submit-multi.json",
    "title": "submit answer for several numbers or segments",
    "type": "array",
    "minItems": 1,
    "items": SUBMIT_ENTRY,
}

QUERY: dict[str, Any] = {
    "$schema": _DRAFT,
    "$id": "okroute/query.json",
    "title": "command=query answer",
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"enum": [s.value for s in Status]}},
    "additionalProperties": _STRING,
}

# SHOULD-level formats of the other query fields: empty, or exactly these digits.
QUERY_FIELD_FORMATS: dict[str, str] = {
    "delivery_time": r"^(\d{14})?$",  # YYYYMMDDHHMMSS, the vendor's done date
    "system_delivery_time": r"^(\d{12})?$",  # YYMMDDHHMMSS
    "mccmnc": r"^(\d{5,6})?$",
    "error_code": r"^(\d{3})?$",
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "submit-single": SUBMIT_SINGLE,
    "submit-multi": SUBMIT_MULTI,
    "query": QUERY,
}


def rendered(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in SCHEMAS.items():
        path = directory / f"{name}.json"
        path.write_text(rendered(schema), encoding="utf-8")
        written.append(path)
    return written
