"""Units the project's options and files are written in: durations, ranges, probabilities, mixes.

Every command-line option, profile value and SLO that names a time goes through `parse_duration`,
so `90s`, `1m30s`, `5m`, `1h` and `200us` mean the same thing everywhere.

Grammar of a duration (whitespace allowed between parts)::

    duration = number [ unit ] | ( number unit )+
    unit     = "us" | "µs" | "ms" | "s" | "m" | "h"

A bare number is seconds. Parts add up: `1h30m`, `1m30s`, `2s500ms`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

DURATION_UNITS: dict[str, float] = {
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
# "ms" before "m", "us" before "s": the longest unit that matches wins.
_UNIT = "|".join(sorted((re.escape(u) for u in DURATION_UNITS), key=len, reverse=True))
_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"\s*({_NUMBER})\s*({_UNIT})")
_BARE = re.compile(rf"^\s*({_NUMBER})\s*$")
DURATION_HINT = "write e.g. 200us, 5ms, 1.5s, 5m, 1h or 1m30s"


def parse_duration(text: str) -> float:
    """`"5ms"`, `"1.5s"`, `"5m"`, `"1h30m"`, `"200us"` or plain seconds into seconds."""
    bare = _BARE.match(text)
    if bare:
        return float(bare.group(1))
    total, position, parts = 0.0, 0, 0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * DURATION_UNITS[match.group(2)]
        position, parts = match.end(), parts + 1
    if not parts or text[position:].strip():
        raise ValueError(f"{text!r} is not a duration: {DURATION_HINT}")
    return total


def format_duration(seconds: float) -> str:
    """A short human form: `250ms`, `30s`, `5m`, `1h30m`."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    if seconds < 60 or seconds % 60:
        if seconds >= 60:
            minutes, rest = divmod(seconds, 60)
            return f"{int(minutes)}m{rest:g}s"
        return f"{seconds:g}s"
    hours, minutes = divmod(int(seconds) // 60, 60)
    if hours and minutes:
        return f"{hours}h{minutes}m"
    return f"{hours}h" if hours else f"{minutes}m"


def parse_range(text: str) -> tuple[float, float]:
    """`"LOW..HIGH"` durations (or one duration for both) into seconds, low first."""
    low, sep, high = text.partition("..")
    values = (parse_duration(low), parse_duration(high if sep else low))
    if values[0] > values[1]:
        raise ValueError(f"{text!r}: the low end is above the high end")
    return values


def parse_probability(text: str) -> float:
    """`"0.05"` into a probability; anything outside 0..1 is an error."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a probability") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{text!r}: a probability is between 0 and 1")
    return value


def parse_weights(
    spec: str,
    names: Iterable[str],
    what: str,
    *,
    normalise: Callable[[str], str] = str.strip,
) -> dict[str, float]:
    """`"a=1,b=2"` into weights over `names`; unnamed ones weigh 0; at least one positive."""
    weights = dict.fromkeys(names, 0.0)
    for part in spec.split(","):
        name, sep, value = part.partition("=")
        name = normalise(name)
        if not sep or name not in weights:
            raise ValueError(
                f"{what} {part!r}: write NAME=WEIGHT with NAME one of {', '.join(weights)}"
            )
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"{what} {part!r}: the weight must be a number") from None
        if weights[name] < 0:
            raise ValueError(f"{what} {part!r}: the weight must not be negative")
    if not any(weights.values()):
        raise ValueError(f"{what} {spec!r}: at least one weight must be positive")
    return weights


def argtype(convert: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a parser that raises ValueError: its message, no traceback."""

    def parse(text: str) -> T:
        try:
            return convert(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = convert.__name__  # argparse names the type in its messages
    return parse
