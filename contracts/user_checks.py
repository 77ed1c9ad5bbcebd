"""Checks of a user's own, judged beside the suite's on every exchange.

A team adds what its own deployment promises — a rule name, a level and the sentence it enforces —
and a judge that raises `Violation` with one sentence when an answer breaks it:

    from contracts import Violation, register_check

    @register_check(
        "acme.sender-id-kept",
        level="SHOULD",
        quote="Acme's gateway keeps the sender ID it is given",
        applies=lambda ex, ctx: ex.case.command == "submit" and ex.status == 200,
    )
    def sender_id_kept(ex, ctx):
        if "ani" in ex.response.text and ex.case.request.get("ani") not in ex.response.text:
            raise Violation("the answer names another sender ID")

Registered at import (a test module or a conftest.py), the check runs on every exchange that the
`okroute` fixture sends, in the user's tests and the suite's alike; its rule appears in failures,
the end-of-run summary, contract-results.json and the coverage table, and a SHOULD rule can be
lowered with `--okroute-warn` like the suite's own.
"""

from __future__ import annotations

from collections.abc import Callable

from contracts import checks
from contracts.checks import Applies, CheckContext
from contracts.exchange import Exchange
from okroute_model.rules import RULES, Level, Rule

USER_SECTION = "user"  # what a user rule says instead of the contract page's section


def _any(ex: Exchange, ctx: CheckContext) -> bool:
    return True


def register_rule(name: str, level: Level | str, quote: str) -> Rule:
    """A rule of the user's own; registering the same rule again is harmless, changing it is not."""
    if not name or not quote.strip():
        raise ValueError("a rule needs a name and the sentence it enforces")
    sentence = quote.strip()
    rule = Rule(name, Level(level), USER_SECTION, sentence, sentence)
    known = RULES.get(name)
    if known is not None and known != rule:
        owner = "the contract model" if known.section != USER_SECTION else "another check"
        raise ValueError(f"rule {name!r} is already registered by {owner} as {known}")
    RULES[name] = rule
    return rule


def register_check(
    rule: str,
    *,
    level: Level | str,
    quote: str,
    applies: Applies = _any,
) -> Callable[[Callable[[Exchange, CheckContext], None]], Callable]:
    """Decorator: judge `rule` (level MUST or SHOULD, `quote` the sentence it enforces) on every
    exchange for which `applies(ex, ctx)` holds."""
    registered = register_rule(rule, level, quote)

    def register(judge: Callable[[Exchange, CheckContext], None]) -> Callable:
        name = judge.__name__.replace("_", "-")  # the suite's own naming of checks
        known = checks.CHECKS.get(name)
        if known is not None and known.rule != registered:
            raise ValueError(f"a check named {name!r} already judges {known.rule.name}")
        checks.check(registered.name, applies)(judge)
        checks.forget_selection()  # the selections were computed without it
        return judge

    return register
