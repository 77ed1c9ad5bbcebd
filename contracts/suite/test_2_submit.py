"""command=submit: valid requests of every shape, and each documented or undocumented defect."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.mutations import SUBMIT_DEFECTS, invalid_submit
from contracts.strategies import valid_submits
from okroute_model.defects import Defect


@given(data=st.data())
def test_valid_submit(okroute, okroute_cfg, data) -> None:
    case = data.draw(valid_submits(okroute_cfg), label="case")
    exchanges = okroute.all_variants(case)
    assert all(ex.status == 200 for ex in exchanges)


@pytest.mark.parametrize("defect", SUBMIT_DEFECTS)
@given(data=st.data())
def test_invalid_submit(okroute, okroute_cfg, defect: Defect, data) -> None:
    case = data.draw(invalid_submit(okroute_cfg, defect), label="case")
    exchanges = okroute.all_variants(case)
    assert exchanges, "no variant can carry this case"
