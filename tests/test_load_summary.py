"""summary.json is typed: the shipped JSON Schema is the one the dataclasses make (a real
campaign's summary is validated against it in test_load_report.py, on that file's campaign)."""

from __future__ import annotations

import json

import pytest

from contracts import results
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


def test_the_shipped_contract_results_schema_is_the_one_the_types_make() -> None:
    shipped = json.loads((results.SCHEMAS / results.SCHEMA_FILE).read_text())
    assert shipped == results.schema(), "run: python -m contracts.results"


def test_a_push_section_reads_back_as_its_record_or_its_error() -> None:
    section = {"messages": 4, "missing": 1, "received": 3, "by_generator": {"g": {"pushes": 3}}}
    typed = summary.CampaignSummary.from_dict({"push": section})
    assert isinstance(typed.push, summary.PushSection) and typed.push.missing == 1
    assert typed.push.by_generator["g"].pushes == 3
    failed = summary.CampaignSummary.from_dict({"push": {"error": "no figures"}})
    assert failed.push == summary.PushError("no figures")
    assert failed.to_dict()["push"] == {"error": "no figures"}
