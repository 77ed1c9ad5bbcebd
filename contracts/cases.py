"""A case: one logical request, what is wrong with it (if anything), and the context it is sent in.

The expectation of a case is derived from the contract model, never written by hand: the defect
label says which rule judges the answer, and for a valid submit the segmenting rules say how many
entries each number gets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from okroute_model.defects import DEFECTS, MO_CREDENTIALS_RULE, Defect, DefectSpec
from okroute_model.params import DNIS_SEPARATOR, Command
from okroute_model.segments import EntryRange, entries_per_number
from okroute_model.wire import ApiRequest, Method


class IdKind(StrEnum):
    OWN = "own"  # issued to this account by this run
    FOREIGN = "foreign"  # issued to the other account
    NEVER_ISSUED = "never-issued"


@dataclass(frozen=True)
class Case:
    request: ApiRequest
    defect: Defect | None = None  # None: a valid request
    note: str = ""
    # Further defects the same request carries on purpose (a combination). The contract gives
    # no order between defects (§2), so such a case is judged by what holds whichever one a
    # platform answers first. Any other case carries exactly one defect.
    also: tuple[Defect, ...] = ()
    # command=query context: whose ID it is and the status this run last saw for it.
    id_kind: IdKind | None = None
    previous_status: str | None = None
    # MAY labels the request carries on purpose (sparse requests: an empty optional integer):
    # a correct platform may reject them, so acceptance is not judged, and an invalid case's
    # answer may be any 4xx that says why.
    may: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for label in (self.defect, *self.also):
            if label is not None and label not in DEFECTS:
                raise ValueError(f"unknown defect label {label!r}")

    @cached_property  # asked by several checks of every answer
    def plain(self) -> bool:
        """A valid request with nothing a correct platform may refuse: its acceptance is judged."""
        return self.defect is None and not self.may

    @cached_property
    def params(self) -> dict[str, Any]:
        """The request's parameters by name, as `ApiRequest.get` reads them (the first of a
        repeated name): the checks of every answer ask for a few, without a scan each."""
        first: dict[str, Any] = {}
        for key, value in self.request.params:
            first.setdefault(key, value)
        return first

    @cached_property  # asked by nearly every check of every answer
    def command(self) -> str | None:
        return self.request.command

    @property
    def methods(self) -> tuple[Method, ...]:
        """The variants this case can travel through (JSON-only cases cannot be a GET)."""
        if self.request.body_only:
            return (Method.POST_URL, Method.POST_BODY)
        return tuple(Method)

    @cached_property
    def defect_spec(self) -> DefectSpec | None:
        return DEFECTS[self.defect] if self.defect else None

    @cached_property
    def judging_rule(self) -> str | None:
        """The rule that judges the answer to an invalid case."""
        spec = self.defect_spec
        if spec is None:
            return None
        if spec.credentials and self.command == Command.MO:
            return MO_CREDENTIALS_RULE
        return spec.rule

    @cached_property
    def numbers(self) -> list[str]:
        """The destination numbers of a submit, as the platform reads them."""
        dnis = self.request.get("dnis")
        if not isinstance(dnis, str) or not dnis:
            return []
        return [n.strip().lstrip("+") for n in dnis.split(DNIS_SEPARATOR) if n.strip()]

    @cached_property
    def multiplicity(self) -> Counter[str]:
        return Counter(self.numbers)

    @cached_property
    def entries(self) -> EntryRange:
        """Entries each number of a valid submit gets."""
        coding = self.request.get("dataCoding")
        return entries_per_number(
            str(self.request.get("message", "")),
            int(coding) if coding is not None else None,
            self.request.get("longMessageMode"),
        )

    def label(self) -> str:
        what = self.defect or "valid"
        return f"{self.command or 'no command'}: {what}" + (f" ({self.note})" if self.note else "")
