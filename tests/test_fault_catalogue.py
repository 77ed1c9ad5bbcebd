"""The meta-test: the live suite catches every fault of the catalogue, and no correct platform
(the default mock, every MAY choice flipped, twenty random ones) fails it.

Runs the whole detection (`python -m contracts.detection`): each fault in its own mock, the live
contract suite against it, three runs at a time. Writes the detection matrix to reports/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.detection import ALL_CHECK_NAMES, RANDOM_PREFIX, detect, write
from okroute_mock.breaks import BREAKS

pytestmark = pytest.mark.slow
REPORTS = Path(__file__).resolve().parent.parent / "reports"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    result = detect(parallel=3, work=tmp_path_factory.mktemp("detection"))
    write(result, REPORTS)
    return result


def test_the_catalogue_is_broad(matrix) -> None:
    assert len(BREAKS) >= 30
    assert len(matrix.faults) == len(BREAKS)


def test_controls_pass_clean(matrix) -> None:
    for run in matrix.controls:
        assert run.clean, f"{run.name}: exit {run.exit_code}, failed {run.failed_rules}\n{run.tail}"


def test_at_least_twenty_random_correct_platforms_pass(matrix) -> None:
    drawn = [r for r in matrix.controls if r.name.startswith(RANDOM_PREFIX)]
    assert len(drawn) >= 20 and all(r.clean and r.platform for r in drawn)
    table = (REPORTS / "detection-matrix.md").read_text()
    for run in drawn:
        assert f"| {run.name} | {run.platform} | 0 | - |" in table


def test_every_fault_is_caught_by_its_rule(matrix) -> None:
    missed = {
        r.name: (r.expected_rule, r.failed_rules, r.exit_code)
        for r in matrix.faults
        if not r.caught
    }
    assert not missed, missed
    assert matrix.detection == 1.0


def test_no_check_is_dead_weight(matrix) -> None:
    assert set(matrix.caught_by) >= set(ALL_CHECK_NAMES)
    assert not matrix.dead_checks, matrix.dead_checks


def test_the_matrix_is_written(matrix) -> None:
    table = (REPORTS / "detection-matrix.md").read_text()
    for run in matrix.faults:
        assert f"| {run.name} | {run.expected_rule} | yes |" in table
