"""`contracts.invoke.targeted_then_whole`: a broken platform's run tries the tests that judged
its rule first, and the whole suite only when those miss it (so "missed" means the whole suite
missed it)."""

from __future__ import annotations

import pytest

from contracts.invoke import targeted_then_whole

TARGETED = ("contracts/test_submit.py::test_a", "contracts/test_submit.py::test_b")


@pytest.mark.parametrize(
    ("tests", "caught_when", "runs"),
    [
        (TARGETED, {TARGETED}, [TARGETED]),  # the targeted tests caught it: done
        (TARGETED, {()}, [TARGETED, ()]),  # they missed it: the whole suite, which caught it
        (TARGETED, set(), [TARGETED, ()]),  # both missed: the whole suite's result stands
        (None, {()}, [()]),  # no test judged the rule on a correct platform: the whole suite
        ((), {()}, [()]),
    ],
)
def test_the_whole_suite_runs_only_when_the_targeted_tests_miss(tests, caught_when, runs) -> None:
    seen: list[tuple[str, ...]] = []

    def run(selected):
        seen.append(tuple(selected))
        return tuple(selected)

    result = targeted_then_whole(run, tests, lambda r: r in caught_when)
    assert seen == runs
    assert result == runs[-1]
