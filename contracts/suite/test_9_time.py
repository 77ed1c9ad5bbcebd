"""The time phase (§4): the run's earliest IDs, queried again long after their final status.

Runs after every other test, so that its wait, counted from the earliest final statuses, has
mostly passed already (`contracts.aging`).
"""

from __future__ import annotations

from contracts.aging import age_phase


def test_old_ids_stay_known_and_final(okroute, pytestconfig) -> None:
    aging = age_phase(okroute, pytestconfig.getoption("okroute_age_wait"))
    print(f"okroute: {aging.line()}")
