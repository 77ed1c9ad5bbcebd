"""The offline fake checks the suite too: every request must carry exactly what its case claims.

A request meant to be valid that a correct platform would reject, or an invalid one whose first
defect is not the labelled one, is the suite's own mistake. So is an invalid one that carries a
defect it does not claim: a platform that ignores the claimed rule would be hidden by the other
one. It fails the suite with `SuiteMistake` instead of being blamed on the platform.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from contracts.cases import Case
from okroute_model.defects import is_defect
from okroute_model.wire import MISSING, Variant, WireRequest, decode, method_of

EXTENSION = "okroute.case"


class SuiteMistake(AssertionError):
    """The suite sent something other than what it meant to send: a bug in the suite."""


def suite_inspector(diagnose: Callable[[WireRequest], list[str]]) -> Callable:
    def inspect(request: httpx.Request, wire: WireRequest) -> None:
        meta: tuple[Case, Variant] | None = request.extensions.get(EXTENSION)
        if meta is None:
            return
        case, variant = meta
        raw = case.request.raw_body is not None or case.request.body_value is not MISSING
        # Without command and credentials, POST-url and POST-body are the same bytes.
        if not raw and case.request.url_fields:
            method = method_of(wire, decode(wire))
            if method is not variant.method:
                raise SuiteMistake(
                    f"{case.label()}: meant as {variant.method}, but the wire form is {method}"
                )
        problem = mistake(case, diagnose(wire))
        if problem:
            raise SuiteMistake(f"{case.label()} {problem}")

    return inspect


def mistake(case: Case, found: list[str]) -> str | None:
    """What is wrong with `case` given what a correct platform finds in it (`found`, the deciding
    finding first); None when it carries exactly what it claims.

    A valid case carries nothing but the MAY labels it declares. An invalid one carries its
    defect first — only MAY labels it declares may come before — and no defect it does not
    claim (its own and, in a combination, `also`); MAY labels after its defect cannot change a
    correct platform's answer to it."""
    defects = [f for f in found if is_defect(f)]
    if case.defect is None:
        undeclared = [f for f in found if f not in case.may]
        return f"is meant to be valid, but a platform finds {found}" if undeclared else None
    first = defects[0] if defects else None
    if first != case.defect or any(f not in case.may for f in found[: found.index(first)]):
        return f"is meant to carry {case.defect!r} first, but a platform finds {found or 'nothing'}"
    claimed = {case.defect, *case.also}
    if set(defects) != claimed:
        return (
            f"is meant to carry {sorted(claimed)} and no other defect, but a platform finds "
            f"{found}: a platform that ignores one rule would be hidden by another"
        )
    return None
