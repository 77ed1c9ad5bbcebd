"""Statuses over time: known at once, final statuses stable, kept while retained."""

from __future__ import annotations

import pytest

from contracts.boundaries import boundary_cases
from okroute_model.statuses import FINAL_STATUSES

MESSAGES = 3
# After the final status, wait this long and ask again: the ID must still be known.
RETENTION_PROBE = 1.5


def test_statuses_reach_a_stable_final(okroute, okroute_cfg, okroute_target) -> None:
    case = boundary_cases(okroute_cfg)[0]
    ids = []
    for _ in range(MESSAGES):
        ids += [i for ex in okroute.all_variants(case) for i in okroute.ids_of(ex)]
    assert ids, "the submits gave no message IDs"
    timeout = okroute_target.final_status_timeout
    step = 0.1 if okroute_target.live else 0.5
    finished = [i for i in ids if okroute.wait_for_final(i, timeout, step) is not None]
    if not finished:
        pytest.skip(
            f"no message reached a final status within {timeout:g} s; "
            "final-status stability was not checked"
        )
    okroute.query(finished[0])  # a second look at once
    okroute_target.wait(RETENTION_PROBE)
    for message_id in finished:
        okroute.query(message_id)  # judged: same final status, still known
        assert okroute.issued[message_id].last_status in FINAL_STATUSES
