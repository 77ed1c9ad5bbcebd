"""No function over 60 lines (the house rule), unless it is a declarative table listed below.

A long function is most often several jobs, or a table written as code (a parser's setup, a
chain of cases); the tables are data at module level instead (`okroute_model.flags.Flag` rows,
`contracts.boundaries` groups). A function that really is a table goes in `DECLARATIVE_TABLES`
with the reason it cannot be module data.
"""

from __future__ import annotations

import ast

from tests.helpers import REPO

PACKAGES = (
    "okroute_model",
    "okroute_mock",
    "contracts",
    "loadtests",
    "okroute_verify",
    "benchmarks",
    "tests",
)
LIMIT = 60
# "path::function" -> why it is a table that must stay a function. Keep it short.
DECLARATIVE_TABLES: dict[str, str] = {}


def _long_functions(source: str, where: str) -> dict[str, int]:
    """Every function of `source` (nested ones and methods included) longer than LIMIT lines,
    counted from its `def` to its last line, as "where::name" -> lines."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            if lines > LIMIT:
                found[f"{where}::{node.name}"] = lines
    return found


def _all_long_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if ".venv" not in path.parts:
                where = str(path.relative_to(REPO))
                found |= _long_functions(path.read_text(encoding="utf-8"), where)
    return found


def test_no_function_is_over_60_lines_unless_a_listed_table() -> None:
    long = {f: n for f, n in _all_long_functions().items() if f not in DECLARATIVE_TABLES}
    assert not long, (
        f"functions over {LIMIT} lines (split them, or make the table module data; a real "
        f"declarative table goes in DECLARATIVE_TABLES with its reason): {long}"
    )


def test_every_listed_table_is_still_there_and_long() -> None:
    found = _all_long_functions()
    stale = sorted(set(DECLARATIVE_TABLES) - set(found))
    assert not stale, f"no longer over {LIMIT} lines: remove from DECLARATIVE_TABLES: {stale}"
    assert all(reason.strip() for reason in DECLARATIVE_TABLES.values())


def test_the_scan_sees_a_long_function_and_counts_its_lines() -> None:
    body = "".join(f"        x{i} = {i}\n" for i in range(LIMIT))
    source = f"def short():\n    pass\n\n\nclass C:\n    async def long(self):\n{body}"
    assert _long_functions(source, "m.py") == {"m.py::long": LIMIT + 1}
