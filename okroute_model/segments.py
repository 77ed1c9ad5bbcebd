"""Documented segmenting (§3): how many messages a text becomes, per encoding and mode.

Positions this model takes where the contract page is silent, so that checks never judge them:
- data codings 6, 7, 10 and 14 have no documented sizes: their segment count is not judged;
- UCS-2 sizes count UTF-16 code units and a segment never splits a surrogate pair, but a platform
  that counts a non-BMP character as one is accepted too (`segment_range`);
- `single_id_split` may answer one entry per segment (sharing one ID) or one entry per number;
- `split_or_payload` with one number may split or send one payload message;
- `payload` is named by the page and never described: its entries per number are not judged (one
  payload message is the likely reading, and what the mock does, but no sentence says so);
- `split_sar` carries the concatenation in SAR options, not a UDH: its segments may be the sizes of
  `split` or whole single messages (160 septets, 70 code units), and either is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from math import ceil

from okroute_model.params import DEFAULT_LONG_MESSAGE_MODE, LongMessageMode

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table cost two septets (escape + character).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_ALPHABET = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_SEGMENT = 160, 153  # septets
UCS2_SINGLE, UCS2_SEGMENT = 70, 67  # UTF-16 code units
CUT_BYTES = 140  # what `cut` keeps, per the platform's own words

GSM7_CODINGS = frozenset({0, 1, 3})
UCS2_CODING = 8


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"
    OTHER = "other"  # a documented data coding without documented sizes


def encoding_of(text: str, data_coding: int | None) -> Encoding:
    if data_coding == UCS2_CODING:
        return Encoding.UCS2
    if data_coding is None or data_coding in GSM7_CODINGS:
        return Encoding.GSM7 if GSM7_ALPHABET.issuperset(text) else Encoding.UCS2
    return Encoding.OTHER


def _pack(costs: list[int], segment: int) -> int:
    """Greedy packing that never splits one character's units across two segments."""
    segments, used = 1, 0
    for cost in costs:
        if used + cost > segment:
            segments, used = segments + 1, cost
        else:
            used += cost
    return segments


def gsm7_segments(text: str) -> int:
    extended = (
        sum(1 for ch in text if ch in GSM7_EXTENSION) if not GSM7_BASIC.issuperset(text) else 0
    )
    septets = len(text) + extended
    if septets <= GSM7_SINGLE:
        return 1
    if not extended:
        return ceil(septets / GSM7_SEGMENT)
    return _pack([2 if ch in GSM7_EXTENSION else 1 for ch in text], GSM7_SEGMENT)


def ucs2_segments(text: str, *, count_code_points: bool = False) -> int:
    bmp_only = count_code_points or not text or max(text) <= "\uffff"
    units = len(text) if bmp_only else len(text.encode("utf-16-le")) // 2
    if units <= UCS2_SINGLE:
        return 1
    if bmp_only:
        return ceil(units / UCS2_SEGMENT)
    return _pack([2 if ch > "\uffff" else 1 for ch in text], UCS2_SEGMENT)


def sar_segments(text: str, encoding: Encoding) -> int | None:
    """Segments of whole single-message size, as SAR options allow; None where undocumented."""
    if encoding is Encoding.GSM7:
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return _pack(costs, GSM7_SINGLE)
    if encoding is Encoding.UCS2:
        return _pack([2 if ch > "\uffff" else 1 for ch in text], UCS2_SINGLE)
    return None


def count_segments(text: str, encoding: Encoding) -> int | None:
    """Segments a split-mode text becomes; None where sizes are undocumented."""
    if encoding is Encoding.GSM7:
        return gsm7_segments(text)
    if encoding is Encoding.UCS2:
        return ucs2_segments(text)
    return None


@dataclass(frozen=True)
class EntryRange:
    """How many answer entries one destination number may get, and whether they share an ID."""

    choices: frozenset[int] | None  # None: any count from one up (not judged)
    shared_id: bool = False

    def admits(self, n: int) -> bool:
        return n >= 1 if self.choices is None else n in self.choices

    def describe(self) -> str:
        if self.choices is None:
            return "one or more"
        return " or ".join(str(n) for n in sorted(self.choices))


def entries_per_number(text: str, data_coding: int | None, mode: str | None) -> EntryRange:
    """Documented entries per number for a valid submit (§3 segmenting)."""
    mode = mode or DEFAULT_LONG_MESSAGE_MODE
    if mode == LongMessageMode.CUT:
        return EntryRange(frozenset({1}))
    if mode == LongMessageMode.PAYLOAD:
        return EntryRange(None)
    shared = mode == LongMessageMode.SINGLE_ID_SPLIT
    encoding = encoding_of(text, data_coding)
    n = count_segments(text, encoding)
    if n is None:
        return EntryRange(None, shared_id=shared)
    if mode in (LongMessageMode.SINGLE_ID_SPLIT, LongMessageMode.SPLIT_OR_PAYLOAD):
        return EntryRange(frozenset({1, n}), shared_id=shared)
    low = ucs2_segments(text, count_code_points=True) if encoding is Encoding.UCS2 else n
    if mode == LongMessageMode.SPLIT_SAR:
        low = min(low, sar_segments(text, encoding) or n)
    return EntryRange(frozenset(range(low, n + 1)))
