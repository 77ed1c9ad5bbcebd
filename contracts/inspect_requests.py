"""The offline fake checks the suite too: every request must carry exactly what its case claims.

A request meant to be valid that a correct platform would reject, or an invalid one whose first
defect is not the labelled one, is the suite's own mistake. It fails the suite with `SuiteMistake`
instead of being blamed on the platform.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from contracts.cases import Case
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
        found = diagnose(wire)
        if case.defect is None and found:
            raise SuiteMistake(f"{case.label()} is meant to be valid, but a platform finds {found}")
        if case.defect is not None and (not found or found[0] != case.defect):
            raise SuiteMistake(
                f"{case.label()} is meant to carry {case.defect!r} first, "
                f"but a platform finds {found or 'nothing wrong'}"
            )

    return inspect
