"""command=query: IDs of this run through every variant, and IDs that were never issued."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contracts.boundaries import boundary_cases
from contracts.cases import IdKind
from contracts.strategies import message_ids, query_case
from okroute_model.wire import Method


@given(data=st.data())
def test_never_issued_id(okroute, okroute_cfg, data) -> None:
    message_id = data.draw(message_ids().filter(lambda i: i not in okroute.issued))
    exchanges = okroute.all_variants(query_case(okroute_cfg, message_id, IdKind.NEVER_ISSUED))
    assert {ex.variant.method for ex in exchanges} == set(Method)


def test_own_id_through_every_variant(okroute, okroute_cfg) -> None:
    """GET is documented for query; POST answers are recorded as a MAY point."""
    exchanges = okroute.all_variants(boundary_cases(okroute_cfg)[0])
    ids = [i for ex in exchanges for i in okroute.ids_of(ex)]
    assert ids, "the submit gave no message IDs"
    for message_id in ids:
        issued = okroute.issued[message_id]
        case = query_case(okroute_cfg, message_id, IdKind.OWN, issued.last_status, issued.owner)
        okroute.all_variants(case, follow_ids=False)
