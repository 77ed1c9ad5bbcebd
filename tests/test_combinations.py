"""A request with several defects: judged by what holds whichever one a correct platform answers.

§2: "What is not open: such a request is never accepted, and its answer reveals no message ID and
no status." The issue's case: a wrong password and a `message` sent as a JSON list.
"""

from __future__ import annotations

import pytest

from contracts.cases import Case
from contracts.checks import CheckContext, verify
from contracts.exchange import Exchange, Response
from contracts.failures import ContractViolation
from okroute_model.errors import NOT_AUTHORIZED
from okroute_model.profile import load_profile
from okroute_model.wire import ApiRequest, Method, Transport, Variant, encode

REQUEST = ApiRequest(
    "submit", "qa-user", "wrong-password-x1", (("dnis", "4477009123"), ("message", ["a", "b"]))
)
CASE = Case(REQUEST, defect="wrong-password", also=("wrong-type",))


def _exchange(status: int, body: bytes) -> Exchange:
    variant = Variant(Method.POST_BODY, Transport.HTTP)
    wire = encode(REQUEST, variant.method)
    return Exchange(CASE, variant, "http://x", wire, Response(status, {}, body))


CTX = CheckContext(load_profile().platform)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (NOT_AUTHORIZED.status, NOT_AUTHORIZED.text.encode()),  # credentials judged first
        (400, b"invalid parameter type"),  # the unreadable body judged first
        (422, b"message must be a string"),
    ],
)
def test_every_answer_a_correct_platform_may_give_passes(status: int, body: bytes) -> None:
    verify(_exchange(status, body), CTX)


@pytest.mark.parametrize(
    ("status", "body", "rule"),
    [
        (200, b'{"message_id":"abc"}', "auth.wrong-credentials"),  # accepted
        (400, b"", "auth.wrong-credentials"),  # says nothing
        (400, b'[{"message_id":"abc"}]', "auth.reveals-nothing"),  # reveals an ID
    ],
)
def test_what_is_not_open_still_fails(status: int, body: bytes, rule: str) -> None:
    with pytest.raises(ContractViolation) as failure:
        verify(_exchange(status, body), CTX)
    assert failure.value.rule.name == rule
