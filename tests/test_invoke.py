"""`contracts.invoke.targeted_then_whole`: a broken platform's run tries the tests that judged
its rule first, and the whole suite only when those miss it (so "missed" means the whole suite
missed it)."""

from __future__ import annotations

import pytest

from contracts.detection import first_tests
from contracts.invoke import targeted_then_whole
from okroute_mock.breaks import DROP_ON
from okroute_model.rawinput import RawInput

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


def test_a_drop_on_fault_sends_only_the_probe_of_its_raw_input_first() -> None:
    probes = [f"contracts/suite/test_8_robustness.py::test_raw_input[{k}]" for k in RawInput]
    judged = {"errors.no-5xx": [*TARGETED, *probes], "auth.wrong-credentials": list(TARGETED)}
    for kind, fault in DROP_ON.items():
        assert first_tests(fault, judged) == [
            f"contracts/suite/test_8_robustness.py::test_raw_input[{kind}]"
        ]
    # Another fault of the same rule sends every test that judged it.
    assert first_tests("malformed-json-500", judged) == judged["errors.no-5xx"]
    assert first_tests("auth-ignored", judged) == list(TARGETED)
    # No probe of that kind judged the rule (a suite that lost it): every test that did.
    assert first_tests("drop-on-pipelined", {"errors.no-5xx": list(TARGETED)}) == list(TARGETED)
    assert first_tests("drop-on-pipelined", {}) is None
