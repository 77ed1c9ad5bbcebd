"""An answer's JSON is read by orjson, and its verdict and value are still `json.loads`'s: what
orjson refuses goes to `json.loads`, so no answer is judged otherwise than before."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.exchange import Response, parse_json


def _json_loads(body: bytes) -> tuple[bool, object]:
    try:
        return True, json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False, None


# What a platform might answer, and what only json.loads reads (or reads its own way).
ODD_BODIES = [
    b"",
    b" ",
    b"null",
    b'{"a": 1, "a": 2}',  # a repeated name: the last one wins
    b"[NaN, Infinity, -Infinity]",  # not JSON, read by json.loads
    b"1e400",  # a float past the double range
    b"-0",
    b"-0.0",
    b"123456789012345678901234567890",  # past 64 bits
    b'"\\ud800"',  # a lone surrogate escape
    b'"\xed\xa0\x80"',  # a surrogate encoded in UTF-8
    b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
    '{"a": "\u00e9"}'.encode("utf-16"),
    '["x"]'.encode("utf-32-le"),
    b'{"a": "\xff"}',  # not UTF-8
    b'{"a": "tab\there"}',  # a raw control character
    b"[1,]",
    b"{'a': 1}",
    b'{"message_id": "cd072cd8-be6f9f62"} trailing',
    b"[" * 600 + b"]" * 600,
    b'\n\t\r {"dnis": "447700123456", "message_id": "a"} \n',
]


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_odd_bodies_read_as_json_loads_reads_them(body: bytes) -> None:
    assert repr(parse_json(body)) == repr(_json_loads(body))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_json_reads_as_json_loads_reads_it(value: object, ascii_only: bool, indent: int) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    assert repr(parse_json(body)) == repr(_json_loads(body))


def test_a_response_reads_its_body_once() -> None:
    response = Response(200, {}, b'{"message_id": "a"}')
    assert response.is_json and response.json == {"message_id": "a"}
    assert response.parsed is response.parsed
    assert not Response(200, {}, b"OK").is_json and Response(200, {}, b"OK").json is None
