"""Command-line options as rows of a table, so that a parser's setup is data and one loop.

A `Flag` holds what argparse's `add_argument` and pytest's `addoption` take (they share their
keywords), in the order `--help` shows them: `okroute-mock`'s parser and the contract suite's
pytest options are tables of flags, and `add_flags` adds one table to a parser or a group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class Flag:
    """One option: its names (`--http-port`) and its settings (`type=`, `default=`, `help=`)."""

    __slots__ = ("names", "settings")

    def __init__(self, *names: str, **settings: Any) -> None:
        self.names = names
        self.settings = settings

    def __repr__(self) -> str:
        return f"Flag({', '.join(self.names)})"


def add_flags(add: Callable[..., object], flags: Iterable[Flag]) -> None:
    """Each flag, in order, through `add` (a parser's or group's `add_argument`, pytest's
    `addoption`)."""
    for flag in flags:
        settings = flag.settings
        if isinstance(settings.get("default"), list):  # each parser its own list to append to
            settings = {**settings, "default": list(settings["default"])}
        add(*flag.names, **settings)
