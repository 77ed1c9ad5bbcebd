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

COMMANDS = list(Command)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_required_parameter_left_out(okroute, okroute_cfg, command: Command) -> None:
    cases = list(single_parameter_cases(okroute_cfg, command))
    assert cases, f"{command} has no required parameter"
    for case in cases:
        okroute.all_variants(case, follow_ids=False)


@pytest.mark.parametrize("command", COMMANDS)
@given(data=st.data())
def test_sparse_request(okroute, okroute_cfg, command: Command, data) -> None:
    case = data.draw(sparse_cases(okroute_cfg, command), label="case")
    exchanges = okroute.all_variants(case, follow_ids=False)
    assert exchanges, "no variant can carry this case"
