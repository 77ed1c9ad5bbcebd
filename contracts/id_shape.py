"""The shape of message IDs (length, alphabet, separators): a MAY point of the fingerprint.

The contract calls IDs opaque, and the suite never parses them; but a release that changes their
shape changes what clients store and log, so two releases are compared on it. The shape is made
from a few IDs at once: a group that is the same in every ID (a prefix such as `alss`) is shown
as it is, every other group by its length, and the characters of those groups by the smallest
alphabet that holds them all.
"""

from __future__ import annotations

import re
import string

# Smallest first: the first alphabet that holds every varying character names it.
ALPHABETS = (
    ("digits", set(string.digits)),
    ("lowercase hex", set(string.digits + "abcdef")),
    ("uppercase hex", set(string.digits + "ABCDEF")),
    ("lowercase letters and digits", set(string.digits + string.ascii_lowercase)),
    ("uppercase letters and digits", set(string.digits + string.ascii_uppercase)),
    ("letters and digits", set(string.digits + string.ascii_letters)),
)
_SEPARATORS = re.compile(r"([^0-9A-Za-z]+)")
SHOWN_LAYOUTS = 3


def _layout(parts: list[str], constant: set[int]) -> str:
    """Separators as they are; a group the same in every ID as it is, any other by its length."""
    return "".join(
        part if k % 2 or k in constant else str(len(part)) for k, part in enumerate(parts)
    )


def id_shape(ids: list[str]) -> str:
    """One line: `35 characters, 8-8-8-8 (lowercase hex)`; stable across runs of one release."""
    ids = [i for i in ids if i]
    if not ids:
        return "not probed: no message ID"
    split = [_SEPARATORS.split(i) for i in ids]
    width = min(len(parts) for parts in split)
    constant = (
        {k for k in range(0, width, 2) if len({parts[k] for parts in split}) == 1}
        if len(ids) > 1
        else set()
    )
    varying = {
        ch for parts in split for k, part in enumerate(parts) if k % 2 == 0 and k not in constant
        for ch in part
    }  # fmt: skip
    alphabet = next((name for name, chars in ALPHABETS if varying <= chars), "other characters")
    lengths = sorted({len(i) for i in ids})
    size = f"{lengths[0]}" if len(lengths) == 1 else f"{lengths[0]} to {lengths[-1]}"
    layouts = sorted({_layout(parts, constant) for parts in split})
    shown = " or ".join(layouts[:SHOWN_LAYOUTS]) + (" or others" if len(layouts) > 3 else "")
    return f"{size} characters, {shown} ({alphabet if varying else 'no varying part'})"
