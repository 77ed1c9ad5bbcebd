"""The documented error answers (§2, §3): status code and exact body text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentedError:
    status: int
    text: str


NOT_AUTHORIZED = DocumentedError(401, "not authorized (check login and password)")
NO_ROUTES = DocumentedError(400, "NO ROUTES")
DNIS_TOO_LONG = DocumentedError(400, "Destination number is too long")
SERVICE_TYPE_INVALID = DocumentedError(400, "Service type is invalid")
LOOP_DETECTED = DocumentedError(508, "loop detected")

# Errors carry plain text labelled like this (§3).
ERROR_CONTENT_TYPE = "text/html; charset=UTF-8"
# Plain text said plainly: what some deployments label their errors (a MAY point) with.
PLAIN_CONTENT_TYPE = "text/plain; charset=UTF-8"
