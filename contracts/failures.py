"""Typed contract failures that a person can act on.

Every failure names its rule and level, what was sent (as a curl line with the password masked),
what came back, and which check saw it. Each rule gets its own exception type, so Hypothesis
reports two broken rules as two distinct failures instead of shrinking them into one.
"""

from __future__ import annotations

from contracts.exchange import Exchange
from okroute_model.rules import Rule
from okroute_model.secrets import MASKER


class Violation(Exception):
    """Raised inside a check: what is wrong, in one sentence."""


class ContractViolation(AssertionError):
    rule: Rule

    def __init__(
        self,
        rule: Rule,
        check: str,
        message: str,
        exchanges: list[Exchange],
        quotes: tuple[str, ...] = (),
    ) -> None:
        self.rule = rule
        self.check = check
        self.message = message
        self.exchanges = exchanges
        self.quotes = quotes or (rule.quote,)  # the contract sentences the check enforces
        super().__init__(self.render())

    def render(self) -> str:
        lines = [
            f"[{self.rule.level} {self.rule.name}] {self.rule.summary}",
            f"  check:     {self.check}",
            *(f"  contract:  {quote}" for quote in self.quotes),
            f"  problem:   {self.message}",
        ]
        for ex in self.exchanges[:6]:
            lines += [
                f"  case:      {ex.describe()}",
                f"  received:  {ex.received()}",
                f"  reproduce: {ex.curl()}",
            ]
        return MASKER.mask("\n".join(lines))

    def __str__(self) -> str:
        return self.render()


_TYPES: dict[str, type[ContractViolation]] = {}


def violation_type(rule: Rule) -> type[ContractViolation]:
    """The exception type of one rule: `ContractViolation` named after it."""
    if rule.name not in _TYPES:
        name = "".join(p.capitalize() for p in rule.name.replace(".", "-").split("-"))
        _TYPES[rule.name] = type(f"{name}Violation", (ContractViolation,), {"rule": rule})
    return _TYPES[rule.name]
