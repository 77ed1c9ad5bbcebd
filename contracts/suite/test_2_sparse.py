"""Every command with its parameters absent, empty or of the wrong type (`contracts.sparse`).

Judged by the contract as any request is: a required parameter missing gets its documented answer
(credentials: 401; dnis, message: a 4xx that says why), and nothing, whatever is left out, gets a
5xx (§5: `mo` "SHOULD never 5xx").
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.sparse import single_parameter_cases, sparse_cases
from okroute_model.params import Command

# What a submit case may cost: one number through six variants if a faulty platform accepted it
# (none when the live target has a no-route range); query and mo send no SMS.
SUBMIT_ONE_AT_A_TIME = pytest.mark.okroute_cost(at_risk=6 * 12, requests=6 * 12)
COMMANDS = [
    pytest.param(Command.SUBMIT, marks=SUBMIT_ONE_AT_A_TIME),
    pytest.param(Command.QUERY, marks=pytest.mark.okroute_cost(at_risk=0, requests=6 * 8)),
    pytest.param(Command.MO, marks=pytest.mark.okroute_cost(at_risk=0, requests=6 * 15)),
]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_required_parameter_left_out(okroute, okroute_cfg, command: Command) -> None:
    cases = list(single_parameter_cases(okroute_cfg, command))
    assert cases, f"{command} has no required parameter"
    for case in cases:
        okroute.all_variants(case, follow_ids=False)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(Command.SUBMIT, marks=pytest.mark.okroute_cost(at_risk=6, requests=6)),
        pytest.param(Command.QUERY, marks=pytest.mark.okroute_cost(at_risk=0, requests=6)),
        pytest.param(Command.MO, marks=pytest.mark.okroute_cost(at_risk=0, requests=6)),
    ],
)
@given(data=st.data())
def test_sparse_request(okroute, okroute_cfg, command: Command, data) -> None:
    case = data.draw(sparse_cases(okroute_cfg, command), label="case")
    exchanges = okroute.all_variants(case, follow_ids=False)
    assert exchanges, "no variant can carry this case"
