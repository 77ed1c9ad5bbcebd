"""The nine delivery statuses of `command=query`, their order and which are final (§4)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    ENROUTE = "ENROUTE"  # being routed (also the internal SENT state)
    ACCEPTD = "ACCEPTD"  # accepted by the SMSC
    DELIVRD = "DELIVRD"
    UNDELIV = "UNDELIV"
    EXPIRED = "EXPIRED"
    DELETED = "DELETED"
    REJECTD = "REJECTD"  # also internal failures such as no routes
    IM_EXPD = "IM_EXPD"  # no report from the instant-messaging provider in time
    UNKNOWN = "UNKNOWN"  # not known: dropped after the retention period, or never issued


FINAL_STATUSES: frozenset[Status] = frozenset(
    {Status.DELIVRD, Status.UNDELIV, Status.EXPIRED, Status.DELETED, Status.REJECTD, Status.IM_EXPD}
)

# How far along the delivery path a status is; statuses only move to a higher rank.
# UNKNOWN has no rank: it says nothing about the message.
RANK: dict[Status, int] = {Status.ENROUTE: 0, Status.ACCEPTD: 1} | {s: 2 for s in FINAL_STATUSES}


def is_final(status: str) -> bool:
    return status in FINAL_STATUSES
