"""The position audit: every check quotes, verbatim, the contract sentence it enforces."""

from __future__ import annotations

import pytest

from contracts import invoke
from contracts.checks import CHECKS, COMBINATION_QUOTE, GROUP_CHECKS
from contracts.failures import violation_type
from okroute_model.rules import RULES

# In CI the contract page lives in shared/, a read-only sibling of the clone.
CONTRACT = invoke.REPO.parent / "shared" / "okroute-api.md"


def _normal(text: str) -> str:
    """Quotes are sentences: the page wraps them over lines, the code over string literals."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def contract() -> str:
    assert CONTRACT.is_file(), f"the contract page is not at {CONTRACT}"
    return _normal(CONTRACT.read_text(encoding="utf-8"))


ENTRIES = {**CHECKS, **GROUP_CHECKS}


@pytest.mark.parametrize("name", list(ENTRIES))
def test_every_check_quotes_its_sentence(name: str, contract: str) -> None:
    quotes = ENTRIES[name].quotes
    assert quotes, f"check {name} quotes no contract sentence"
    for quote in quotes:
        assert quote.strip(), f"check {name} has an empty quote"
        assert _normal(quote) in contract, f"check {name} quotes text the contract lacks: {quote}"


@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_quotes_a_must_or_should_sentence(name: str, contract: str) -> None:
    rule = RULES[name]
    assert _normal(rule.quote) in contract, f"{name}: {rule.quote!r} is not in the contract"
    # The sentence carries its level, or sits under a heading or list that does; the platform's
    # own documented answers (its response section) are MUST by the page's preamble.
    page = contract[: contract.index(_normal(rule.quote)) + len(rule.quote)]
    section = page[page.rfind("#") :]
    marker = max(section.rfind("MUST"), section.rfind("SHOULD"), section.rfind("MAY"))
    level = section[marker:].split(maxsplit=1)[0].strip("*:(),") if marker >= 0 else ""
    documented = rule.level == "MUST" and "responses" in section.split(" ", 3)[:3][-1].lower()
    assert rule.level in rule.quote or level.startswith(rule.level) or documented, (
        f"{name}: {level!r} in {section[:80]!r}"
    )


def test_a_combination_check_quotes_the_order_it_relies_on() -> None:
    for name in (
        "wrong-credentials-answer",
        "missing-credentials-answer",
        "rejection-reveals-nothing",
    ):
        assert COMBINATION_QUOTE in CHECKS[name].quotes


def test_a_failure_prints_the_sentence() -> None:
    check = CHECKS["wrong-credentials-answer"]
    failure = violation_type(check.rule)(check.rule, check.name, "got 403", [], check.quotes)
    text = str(failure)
    for quote in check.quotes:
        assert f"contract:  {quote}" in text
