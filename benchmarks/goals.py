"""The goal beside each figure: every speed figure is a ratio to the bare stack in the same run."""

from __future__ import annotations


def met(ratio: float, goal: float) -> bool:
    return ratio >= goal


def goal_text(ratio: float, goal: float) -> str:
    """`goal >= 0.6: met` or `goal >= 0.6: NOT met`."""
    return f"goal >= {goal:g}: {'met' if met(ratio, goal) else 'NOT met'}"


def table(rows: list[tuple[str, float, float]]) -> list[str]:
    """(figure, ratio, goal) rows as aligned lines, for the end of `run.py`."""
    width = max(len(name) for name, _, _ in rows)
    return [
        f"  {name:{width}}  {ratio:5.2f}  {goal_text(ratio, goal)}" for name, ratio, goal in rows
    ]
