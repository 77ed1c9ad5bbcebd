"""summary.json is typed: the shipped JSON Schema is the one the dataclasses make (a real
campaign's summary is validated against it in test_load_report.py, on that file's campaign)."""

from __future__ import annotations

import json

import pytest

from loadtests import summary
from okroute_verify import verdict


def _shipped() -> dict:
    return json.loads((summary.SCHEMAS / summary.SCHEMA_FILE).read_text())


def test_the_shipped_schema_is_the_one_the_types_make() -> None:
    assert _shipped() == summary.schema(), "run: python -m loadtests.summary"


def test_a_summary_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown keys"):
        summary.CampaignSummary.from_dict(
            {"verdict": "PASS", "scopes": {}, "groups": {}, "generator": {"processes": []},
             "surprise": 1}
        )  # fmt: skip


def test_the_shipped_verdict_schema_is_the_one_the_types_make() -> None:
    shipped = json.loads((verdict.SCHEMAS / verdict.SCHEMA_FILE).read_text())
    assert shipped == verdict.schema(), "run: python -m okroute_verify.verdict"
