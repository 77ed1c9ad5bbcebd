"""Segmenting as the contract documents it, table by table (§3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okroute_model.segments import (
    GSM7_ALPHABET,
    Encoding,
    count_segments,
    encoding_of,
    entries_per_number,
)

# text, data coding, expected encoding, expected segments in split mode
SEGMENTS = [
    ("a" * 160, None, Encoding.GSM7, 1),
    ("a" * 161, None, Encoding.GSM7, 2),
    ("a" * 306, None, Encoding.GSM7, 2),
    ("a" * 307, None, Encoding.GSM7, 3),
    ("€" * 80, None, Encoding.GSM7, 1),  # 160 septets
    ("€" * 81, None, Encoding.GSM7, 2),  # 162 septets: 76 per segment
    ("a" * 152 + "€" + "a" * 152, None, Encoding.GSM7, 3),  # the escape never splits
    ("a" * 159 + "{", None, Encoding.GSM7, 2),  # 161 septets
    ("ж" * 70, None, Encoding.UCS2, 1),
    ("ж" * 71, None, Encoding.UCS2, 2),
    ("ж" * 134, None, Encoding.UCS2, 2),
    ("ж" * 135, None, Encoding.UCS2, 3),
    ("😀" * 35, None, Encoding.UCS2, 1),  # 70 code units
    ("😀" * 36, None, Encoding.UCS2, 2),  # 72 code units
    ("a" * 66 + "😀" + "a" * 66, None, Encoding.UCS2, 3),  # a surrogate pair never splits
    ("a" * 71, 8, Encoding.UCS2, 2),  # dataCoding 8 forces UCS-2
    ("a" * 161, 0, Encoding.GSM7, 2),
    ("a" * 161, 3, Encoding.GSM7, 2),
    ("ж" * 10, 0, Encoding.UCS2, 1),  # outside GSM-7 means UCS-2 whatever the coding
    ("a" * 500, 6, Encoding.OTHER, None),  # undocumented sizes: not judged
]


@pytest.mark.parametrize(
    ("text", "coding", "encoding", "segments"),
    SEGMENTS,
    ids=[f"{len(t)}x{t[0]!r}-dc{c}" for t, c, _, _ in SEGMENTS],
)
def test_segments(text: str, coding: int | None, encoding: Encoding, segments: int | None) -> None:
    assert encoding_of(text, coding) is encoding
    assert count_segments(text, encoding) == segments


# mode, text, admissible entries per number, shared ID
MODES = [
    (None, "a" * 400, {1}, False),
    ("cut", "a" * 400, {1}, False),
    ("payload", "a" * 400, None, False),  # named, never described: not judged
    ("split", "a" * 400, {3}, False),
    ("split_sar", "a" * 161, {2}, False),
    ("single_id_split", "a" * 400, {1, 3}, True),
    ("split_or_payload", "a" * 400, {1, 3}, False),
    ("split", "😀" * 36, {1, 2}, False),  # code points or code units
]


@pytest.mark.parametrize(("mode", "text", "choices", "shared"), MODES)
def test_entries_per_mode(mode, text, choices, shared) -> None:
    entries = entries_per_number(text, None, mode)
    assert entries.choices == (None if choices is None else frozenset(choices))
    assert entries.shared_id is shared


@given(st.text(alphabet=sorted(GSM7_ALPHABET), min_size=1, max_size=1000))
def test_gsm7_segments_hold_the_text(text: str) -> None:
    """Enough segments for every septet, and never more than one per started segment."""
    septets = sum(2 if ch in "\f^{}\\[~]|€" else 1 for ch in text)
    n = count_segments(text, Encoding.GSM7)
    if septets <= 160:
        assert n == 1
    else:
        assert septets <= n * 153 < septets + 2 * 153
