"""What a platform finds wrong with parameters, in the order it decides (table-driven)."""

from __future__ import annotations

import pytest

from okroute_model.classify import classify
from okroute_model.profile import load_profile

KNOBS = load_profile().platform  # the knobs it leaves unset are unknown


class _Remove:
    """A parameter left out of the request (a stable repr: test IDs must not change per run)."""

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE = _Remove()
OK = {"command": "submit", "username": "u", "password": "p", "dnis": "34511121", "message": "hi"}

CASES = [
    ({}, []),
    ({"dnis": "34511121,34511122"}, []),
    ({"dnis": ",".join(["3451112"] * 100)}, []),
    ({"dnis": ",".join(["3451112"] * 101)}, ["dnis-too-many"]),
    ({"dnis": ",".join(["1" * 30] * 70)}, ["dnis-too-long", "dnis-too-many-digits"]),
    ({"dnis": "1234567, 2345678, 3456789"}, ["dnis-list-spaces"]),
    ({"dnis": "3451a112"}, ["dnis-not-digits"]),
    ({"dnis": "1" * 15}, []),
    ({"dnis": "1" * 16}, ["dnis-too-many-digits"]),
    ({"dnis": "+34511121"}, ["plus-prefix"]),
    ({"dnis": "34511121, 34511122"}, ["dnis-list-spaces"]),
    ({"dnis": "34511121,,34511122"}, ["dnis-empty-items"]),
    ({"dnis": "٣٤٥"}, ["dnis-not-digits"]),  # Arabic-Indic digits are not ASCII digits
    ({"dnis": None}, ["wrong-type"]),
    ({"message": None}, ["wrong-type"]),
    ({"message": ["a", "b"]}, ["wrong-type"]),
    ({"dnis": ["34511121", "34511122"]}, ["dnis-json-array"]),
    ({"dnis": 34511121}, ["json-types"]),
    ({"serviceType": "S" * 9}, []),
    ({"serviceType": "S" * 10}, ["service-type-too-long"]),
    ({"serviceType": "é" * 5}, ["service-type-too-long"]),  # 10 bytes
    (
        {"longMessageMode": "split_or_payload", "dnis": "1234567,2345678"},
        ["split-or-payload-multi"],
    ),
    ({"longMessageMode": "split_or_payload"}, []),
    ({"longMessageMode": "bogus"}, ["unknown-long-message-mode"]),
    ({"dataCoding": "2"}, ["out-of-range-ints"]),
    ({"dataCoding": "8"}, []),
    ({"esmClass": "300"}, ["out-of-range-ints"]),
    ({"flash": "true"}, ["out-of-range-ints"]),
    ({"silent": "false"}, []),
    ({"ani": "A" * 32}, []),
    ({"ani": "A" * 33}, ["ani-format"]),
    ({"ani": "My Shop!"}, ["ani-format"]),
    ({"incMsgId": "x" * 129}, ["optional-param-limits"]),
    ({"validityPeriod": "000002000000000R"}, []),
    ({"validityPeriod": "241222080910000-"}, []),
    ({"validityPeriod": "2 days"}, ["optional-param-limits"]),
    ({"colour": "blue"}, ["unknown-params"]),
    ({"command": "SUBMIT"}, ["command-case"]),
    ({"command": "send"}, ["unknown-command"]),
    ({"command": REMOVE}, ["missing-command"]),
    ({"dnis": REMOVE}, ["missing-dnis"]),
    ({"message": ""}, ["missing-message"]),
]


@pytest.mark.parametrize(("changes", "expected"), CASES, ids=[repr(c)[:60] for c, _ in CASES])
def test_classify_submit(changes: dict, expected: list[str]) -> None:
    params = {k: v for k, v in {**OK, **changes}.items() if v is not REMOVE}
    assert classify(params, KNOBS).findings == expected


def test_classify_query() -> None:
    base = {"command": "query", "username": "u", "password": "p"}
    assert classify({**base, "messageId": "abc"}, KNOBS).findings == []
    assert classify(base, KNOBS).findings == ["query-missing-id"]


def test_plus_prefix_follows_the_profile() -> None:
    from dataclasses import replace

    knobs = replace(KNOBS, plus_prefix=True)
    assert classify({**OK, "dnis": "+34511121"}, knobs).findings == []
    assert classify({**OK, "dnis": "+34511121"}, knobs).numbers == ["34511121"]


def test_the_defects_declared_with_their_finding_decide_in_the_tables_order() -> None:
    """`DefectSpec.finds` is asked once the dnis list is read, in the order of `DEFECTS`."""
    from okroute_model.defects import DEFECTS, SUBMIT_FINDINGS, Defect

    declared = [d for d, spec in DEFECTS.items() if spec.finds]
    assert [d for d, _ in SUBMIT_FINDINGS] == declared
    shown = (Defect.SERVICE_TYPE_TOO_LONG, Defect.SPLIT_OR_PAYLOAD_MULTI)
    params = {
        **OK,
        "dnis": "1234567, 2345678",
        "serviceType": "S" * 10,
        "longMessageMode": "split_or_payload",
    }
    in_order = [d for d in declared if d in shown]
    assert len(in_order) == 2
    assert classify(params, KNOBS).findings == ["dnis-list-spaces", *in_order]
