"""okroute-verify's comparison of two load smokes: slower or fewer answers fail a release only
when both smokes measured the platform (neither generator fell behind)."""

from __future__ import annotations

import pytest

from okroute_model.profile import CompareSettings
from okroute_verify.compare import load_differences

SETTINGS = CompareSettings(latency_increase=0.5, throughput_decrease=0.2, fingerprint_change="warn")


def smoke(p99: float, rps: float, valid: bool | None = True) -> dict:
    figures = {"submit": {"p99_ms": p99, "rps": rps}, "all": {"p99_ms": p99, "rps": rps}}
    return figures if valid is None else figures | {"valid": valid}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (smoke(10, 60), smoke(14, 58), []),  # within the allowed increase and decrease
        (smoke(10, 60), smoke(40, 60), [("latency", "fail")]),
        (smoke(10, 60), smoke(10, 30), [("throughput", "fail")]),
        (smoke(10, 60), smoke(40, 30), [("latency", "fail"), ("throughput", "fail")]),
        # A generator that fell behind, now or in the baseline: its figures are its own.
        (smoke(10, 60), smoke(40, 30, valid=False), [("latency", "warn"), ("throughput", "warn")]),
        (smoke(10, 60, valid=False), smoke(40, 60), [("latency", "warn")]),
        # A baseline written before validity was kept counts as valid.
        (smoke(10, 60, valid=None), smoke(40, 60), [("latency", "fail")]),
        ({}, smoke(40, 60), []),  # no load smoke in the baseline: nothing to compare
    ],
)
def test_load_differences_fail_only_between_valid_smokes(before, after, expected) -> None:
    found = [(d.kind, d.severity) for d in load_differences(before, after, SETTINGS)]
    assert found == expected
