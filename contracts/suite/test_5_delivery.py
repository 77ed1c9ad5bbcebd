"""Statuses over time: known at once, forward only, final statuses stable, kept while retained."""

from __future__ import annotations

import pytest

from contracts.boundaries import boundary_cases
from contracts.model.statuses import FINAL_STATUSES

MESSAGES = 3


def test_statuses_reach_a_stable_final(okroute, okroute_cfg, okroute_target) -> None:
    case = boundary_cases(okroute_cfg)[0]
    ids = []
    for _ in range(MESSAGES):
        ids += [i for ex in okroute.all_variants(case) for i in okroute.ids_of(ex)]
    assert ids, "the submits gave no message IDs"
    timeout = okroute_target.final_status_timeout
    unfinished = []
    for message_id in ids:
        if okroute.wait_for_final(message_id, timeout) is None:
            unfinished.append(message_id)
    if len(unfinished) == len(ids):
        pytest.skip(f"no message reached a final status within {timeout:g} s; "
                    "final-status stability was not checked")
    for message_id in ids:
        if message_id in unfinished:
            continue
        for _ in range(2):  # later queries must return the same final status
            okroute.query(message_id)
        assert okroute.issued[message_id].last_status in FINAL_STATUSES
