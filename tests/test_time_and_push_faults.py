"""The faults that only time and a whole run's pushes reveal are caught by their rule every run.

Each fault of that class runs its detection three times, against mocks of three seeds (other IDs,
other delivery stories, other messages picked by a seeded fault): the tests that judge its rule
first, each run stopping once the rule failed, and the whole suite when those miss it (as the
detection run does). A fault caught by chance would be missed by one of the three.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contracts import invoke
from contracts.detection import RunResult, run_once
from okroute_mock.breaks import BREAKS, TIME_AND_PUSH_BREAKS, Fault

pytestmark = pytest.mark.slow

SEEDS = (11, 22, 33)
SUITE = "contracts/suite"
TIME = f"{SUITE}/test_9_time.py::test_old_ids_stay_known_and_final"
PUSH = f"{SUITE}/test_9_push.py::test_pushes_follow_the_contract"
VALID = f"{SUITE}/test_2_submit.py::test_valid_submit"
# The tests each fault's run sends first: the time phase alone follows a message of its own;
# a fault on a share of the messages, or one that shows after the push test stopped waiting,
# gets a test that submits many messages early.
FIRST: dict[Fault, list[str]] = {
    Fault.STORE_FORGETS_SOON: [TIME],
    Fault.FINAL_CHANGES_LATER: [TIME],
    Fault.PUSH_NEVER_ISSUED: [PUSH],
    Fault.PUSH_MOVES_BACK: [VALID, PUSH],  # a push a second after the final: earlier messages
    Fault.PUSH_CONTRADICTS_SOME: [VALID, PUSH],
    Fault.PUSH_COPIED_FROM_OTHER: [PUSH],
}


def test_every_fault_of_the_class_has_its_tests() -> None:
    assert set(FIRST) == {b.name for b in TIME_AND_PUSH_BREAKS}


def detection(fault: Fault, seed: int, work: Path) -> RunResult:
    rule = BREAKS[fault].rule
    args = ["--break", fault, "--seed", str(seed)]
    return invoke.targeted_then_whole(
        lambda tests: run_once(f"{fault}-{seed}", args, rule, work, list(tests)),
        FIRST[fault],
        lambda run: run.caught,
    )


@pytest.mark.parametrize("fault", list(FIRST))
def test_caught_by_its_rule_with_three_seeds(fault: Fault, tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=len(SEEDS)) as pool:
        runs = list(pool.map(lambda seed: detection(fault, seed, tmp_path), SEEDS))
    for seed, run in zip(SEEDS, runs, strict=True):
        assert run.caught, (seed, BREAKS[fault].rule, run.failed_rules, run.tail)
