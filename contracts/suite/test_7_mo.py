"""command=mo: no documented answer, so only credentials and server errors are judged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contracts.strategies import valid_mos


@given(data=st.data())
def test_mo(okroute, okroute_cfg, data) -> None:
    exchanges = okroute.all_variants(data.draw(valid_mos(okroute_cfg)))
    assert all(ex.response is not None for ex in exchanges)
