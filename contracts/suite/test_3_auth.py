"""Credentials: checked on every command and variant, before anything else, per account."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.boundaries import boundary_cases
from contracts.cases import IdKind
from contracts.mutations import bad_credentials, bad_credentials_on_invalid_submit
from contracts.strategies import (
    message_ids,
    query_case,
    valid_mos,
    valid_submits,
)
from okroute_model.defects import CREDENTIAL_DEFECTS
from okroute_model.environment import Env
from okroute_model.wire import Method


@pytest.mark.parametrize("defect", CREDENTIAL_DEFECTS)
@given(data=st.data())
def test_submit_credentials(okroute, okroute_cfg, defect: str, data) -> None:
    case = data.draw(bad_credentials(okroute_cfg, valid_submits(okroute_cfg), defect))
    exchanges = okroute.all_variants(case)
    assert all(ex.status != 200 for ex in exchanges if ex.response is not None)


@pytest.mark.parametrize("defect", CREDENTIAL_DEFECTS)
@given(data=st.data())
def test_credentials_judged_first(okroute, okroute_cfg, defect: str, data) -> None:
    okroute.all_variants(data.draw(bad_credentials_on_invalid_submit(okroute_cfg, defect)))


@pytest.mark.parametrize("defect", CREDENTIAL_DEFECTS)
@given(data=st.data())
def test_query_credentials(okroute, okroute_cfg, defect: str, data) -> None:
    """Through all six variants; POST is a MAY point for query, so only GET is judged."""
    own = list(okroute.issued) or [data.draw(message_ids())]
    ids = st.sampled_from(own).map(lambda i: query_case(okroute_cfg, i, IdKind.OWN))
    case = data.draw(bad_credentials(okroute_cfg, ids, defect))
    exchanges = okroute.all_variants(case)
    assert {ex.variant.method for ex in exchanges} == set(Method)


@pytest.mark.parametrize("defect", CREDENTIAL_DEFECTS)
@given(data=st.data())
def test_mo_credentials(okroute, okroute_cfg, defect: str, data) -> None:
    okroute.all_variants(data.draw(bad_credentials(okroute_cfg, valid_mos(okroute_cfg), defect)))


def test_other_account_cannot_read(okroute, okroute_cfg, okroute_target) -> None:
    other = okroute_target.secondary
    if other is None:
        pytest.skip(f"no second account: set {Env.USERNAME_2} and {Env.PASSWORD_2}")
    # A fixed, small submit: cross-account reading is about IDs, not about message shapes.
    case = boundary_cases(okroute_cfg)[0]
    exchanges = okroute.all_variants(case)
    ids = [i for ex in exchanges for i in okroute.ids_of(ex)]
    assert ids, "the submit gave no message IDs to read"
    for message_id in ids:
        query = query_case(okroute_cfg, message_id, IdKind.FOREIGN, credentials=other)
        okroute.all_variants(query, follow_ids=False)
