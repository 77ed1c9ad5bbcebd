"""The three documented variants carry the same parameters (§1)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okroute_model.wire import (
    ALL_VARIANTS,
    ApiRequest,
    Method,
    decode,
    encode,
    method_of,
    parse_variant,
)

values = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
names = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", min_size=1, max_size=12).filter(
    lambda n: n not in ("command", "username", "password")
)


@given(
    command=st.sampled_from(["submit", "query", "mo"]),
    username=values.filter(bool),
    password=values.filter(bool),
    params=st.dictionaries(names, values, max_size=6),
)
def test_every_variant_decodes_to_the_same_parameters(command, username, password, params):
    request = ApiRequest(command, username, password, tuple(params.items()))
    decoded = [decode(encode(request, m)) for m in Method]
    expected = {"command": command, "username": username, "password": password, **params}
    for d, method in zip(decoded, Method, strict=True):
        assert d.error is None
        assert d.params == expected, method
    for method in Method:
        wire = encode(request, method)
        assert method_of(wire, decode(wire)) is method


def test_post_body_url_is_the_bare_endpoint() -> None:
    wire = encode(ApiRequest("submit", "u", "secret", (("dnis", "1"),)), Method.POST_BODY)
    assert wire.target == "/api?"
    assert json.loads(wire.body)["password"] == "secret"


def test_post_url_carries_only_credentials_and_command_in_the_query() -> None:
    wire = encode(
        ApiRequest("submit", "u", "p", (("dnis", "1"), ("message", "a b"))), Method.POST_URL
    )
    assert wire.query == "command=submit&username=u&password=p"
    assert json.loads(wire.body) == {"dnis": "1", "message": "a b"}


def test_get_cannot_carry_json_only_values() -> None:
    request = ApiRequest("submit", "u", "p", (("message", ["a", "b"]),))
    assert request.body_only
    with pytest.raises(ValueError, match="JSON body"):
        encode(request, Method.GET)


def test_repr_masks_the_password() -> None:
    assert "hunter22" not in repr(ApiRequest("submit", "u", "hunter22"))


def test_variant_names_round_trip() -> None:
    assert [parse_variant(v.name) for v in ALL_VARIANTS] == list(ALL_VARIANTS)
    with pytest.raises(ValueError, match="unknown variant"):
        parse_variant("PUT http")


def test_query_wins_unless_the_body_does() -> None:
    from okroute_model.wire import WireRequest

    wire = WireRequest(
        "POST", "/api", "dnis=1", (("Content-Type", "application/json"),), b'{"dnis": "2"}'
    )
    assert decode(wire).params["dnis"] == "1"
    assert decode(wire, body_wins=True).params["dnis"] == "2"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{", "malformed-json"),
        (b"\xff\xfe\x00", "malformed-json"),
        (b"[1, 2]", "json-not-object"),
        (b'"text"', "json-not-object"),
    ],
)
def test_unreadable_bodies(body: bytes, error: str) -> None:
    from okroute_model.wire import WireRequest

    wire = WireRequest("POST", "/api", "", (("Content-Type", "application/json"),), body)
    assert decode(wire).error == error


def test_invalid_utf8_in_the_query() -> None:
    from okroute_model.wire import WireRequest

    assert decode(WireRequest("GET", "/api", "message=%FF%FE", (), b"")).error == "invalid-utf8"
