"""A check of the user's own: its rule, level and sentence, run beside the suite's checks."""

from __future__ import annotations

import pytest

from contracts import CheckContext, Violation, register_check, register_rule
from contracts import checks as registry
from okroute_model.profile import load_profile
from okroute_model.rules import RULES, Level

RULE = "acme.test-only-rule"


@pytest.fixture
def clean_registry():
    """Whatever a test registers is gone afterwards: the catalogues' consistency tests see the
    suite's own checks only."""
    checks, rules = dict(registry.CHECKS), dict(RULES)
    yield
    registry.CHECKS.clear()
    registry.CHECKS.update(checks)
    RULES.clear()
    RULES.update(rules)
    registry.forget_selection()


def test_a_registered_check_runs_on_every_command(clean_registry) -> None:
    registry._checks_for("submit")  # the selection was computed before the user's check existed

    @register_check(RULE, level="SHOULD", quote="Acme answers quickly")
    def acme_answers_quickly(ex, ctx) -> None:
        raise Violation("too slow")

    rule = RULES[RULE]
    assert (rule.level, rule.summary, rule.section) == (
        Level.SHOULD,
        "Acme answers quickly",
        "user",
    )
    assert registry.CHECKS["acme-answers-quickly"].rule is rule
    for command in ("submit", "query", "mo"):
        assert "acme-answers-quickly" in {c.name for c in registry._checks_for(command)}
    # a SHOULD rule of the user's can be lowered to a warning like the suite's own
    CheckContext(load_profile().platform, warn=frozenset({RULE}))


def test_a_model_rule_cannot_be_redefined(clean_registry) -> None:
    with pytest.raises(ValueError, match="contract model"):
        register_rule("auth.wrong-credentials", "SHOULD", "something else")
    with pytest.raises(ValueError):
        register_rule("acme.no-sentence", "MUST", "  ")
    with pytest.raises(ValueError):
        register_rule("acme.bad-level", "MAY", "MAY points are recorded, never checked")


def test_registering_the_same_rule_twice_is_harmless(clean_registry) -> None:
    first = register_rule(RULE, Level.MUST, "Acme keeps the sender ID")
    assert register_rule(RULE, "MUST", "Acme keeps the sender ID") == first
    with pytest.raises(ValueError, match="another check"):
        register_rule(RULE, "SHOULD", "Acme keeps the sender ID")
