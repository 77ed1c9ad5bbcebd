"""The house holds: one direction of imports, and every fact of the contract stated once.

The import graph is built from the source with `ast`, imports inside functions included, so a
cycle cannot hide in a late import. The restatement scan reads every string literal outside the
model (docstrings aside) and fails on the facts the model owns.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from okroute_model.defects import Defect
from okroute_model.environment import (
    MOCK_DNIS_PREFIX,
    MOCK_NO_ROUTE_PREFIX,
    OFFLINE_DNIS_PREFIX,
    Env,
)
from okroute_model.errors import (
    DNIS_TOO_LONG,
    LOOP_DETECTED,
    NO_ROUTES,
    NOT_AUTHORIZED,
    SERVICE_TYPE_INVALID,
)
from okroute_model.params import PATH
from okroute_model.statuses import Status

ROOT = Path(__file__).resolve().parent.parent
# Lowest first: a package may import only the packages before it.
LAYERS = ("okroute_model", "okroute_mock", "contracts", "loadtests", "okroute_verify")


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every import in `path`, wherever it stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def _edges() -> list[tuple[str, str, str]]:
    """(importing file, imported package, where) for every import between our packages."""
    edges = []
    for package in LAYERS:
        for path in _sources(package):
            for imported, line in _imported_packages(path):
                if imported in LAYERS and imported != package:
                    edges.append((package, imported, f"{path.relative_to(ROOT)}:{line}"))
    return edges


def test_every_package_exists_and_is_read() -> None:
    for package in LAYERS:
        assert _sources(package), f"{package} has no source"
    assert len(_edges()) > 20  # the scan sees imports at all


def test_no_import_runs_back_up() -> None:
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = [
        f"{where}: {package} imports {imported}"
        for package, imported, where in _edges()
        if rank[imported] > rank[package]
    ]
    assert not upward, "imports that run back up:\n" + "\n".join(upward)


def test_the_ground_floor_imports_nothing_of_ours() -> None:
    ours = set(LAYERS) | {"tests", "benchmarks"}
    for path in _sources("okroute_model"):
        for imported, line in _imported_packages(path):
            assert imported not in ours - {"okroute_model"}, f"{path}:{line} imports {imported}"


def test_the_package_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {p: set() for p in LAYERS}
    for package, imported, _ in _edges():
        graph[package].add(imported)
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        assert node not in visiting, "cycle: " + " -> ".join([*trail, node])
        if node in done:
            return
        visiting.add(node)
        for nxt in graph[node]:
            visit(nxt, [*trail, node])
        visiting.discard(node)
        done.add(node)

    for package in LAYERS:
        visit(package, [])


# -- every fact once -------------------------------------------------------------------------

DOCUMENTED_TEXTS = tuple(
    e.text for e in (NOT_AUTHORIZED, NO_ROUTES, DNIS_TOO_LONG, SERVICE_TYPE_INVALID, LOOP_DETECTED)
)
STATUS_NAMES = frozenset(s.value for s in Status)
DEFECT_LABELS = frozenset(d.value for d in Defect)
DEFECTS_HOME = ROOT / "okroute_model" / "defects.py"
PREFIXES = (MOCK_DNIS_PREFIX, OFFLINE_DNIS_PREFIX)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _restatements(text: str) -> list[str]:
    problems = []
    if text == PATH or text.startswith(f"{PATH}?") or text.endswith(PATH):
        problems.append(f"the path {PATH!r}")
    if text.startswith("OKROUTE_") or any(e.value in text for e in Env):
        problems.append("an environment variable name")
    if text in STATUS_NAMES:
        problems.append(f"the status {text}")
    if text in DEFECT_LABELS:
        problems.append(f"the defect label {text!r} (name the Defect member)")
    if text == MOCK_NO_ROUTE_PREFIX or any(p in text for p in PREFIXES):
        problems.append("a test number prefix")
    problems += [f"the documented text {t!r}" for t in DOCUMENTED_TEXTS if t in text]
    return problems


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


@pytest.mark.parametrize("package", LAYERS[1:])
def test_no_fact_of_the_model_is_restated(package: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {problem} in {text[:60]!r}"
        for path in _sources(package)
        for line, text in _literals(path)
        for problem in _restatements(text)
    ]
    assert not found, "restated outside okroute_model:\n" + "\n".join(found)


def test_no_defect_label_is_written_in_the_model_outside_its_home() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in _sources(LAYERS[0])
        if path != DEFECTS_HOME
        for line, text in _literals(path)
        if text in DEFECT_LABELS
    ]
    assert not found, "defect labels written as strings (name the Defect member):\n" + "\n".join(
        found
    )


def test_the_scan_would_see_a_restatement() -> None:
    assert _restatements("/api")
    assert _restatements("OKROUTE_PASSWORD")
    assert _restatements("DELIVRD")
    assert _restatements("4477009123")
    assert _restatements("Destination number is too long")
    assert _restatements("dnis-too-many")
    assert not _restatements("submit")


# -- summary keys and SLO metric names: written in their homes --------------------------------

# Each written file's keys are the fields of its typed records: summary.json's, verdict.json's and
# contract-results.json's; the SLO metric names are thresholds.METRICS. Every other module of the
# packages above the contracts reads and writes them as attributes, never as strings.
SUMMARY_HOMES = {
    "loadtests/summary.py",
    "loadtests/thresholds.py",
    "okroute_verify/verdict.py",
    "contracts/results.py",
}


def _summary_names() -> set[str]:
    """The field names of summary.json's, verdict.json's and contract-results.json's records and
    the SLO metric names that cannot be mistaken for ordinary words (they hold an underscore)."""
    import dataclasses

    from contracts import results
    from loadtests import summary, thresholds
    from okroute_verify import verdict

    names = {m for m in thresholds.METRICS if m != thresholds.PERCENTILE}
    for module in (summary, verdict, results):
        for value in vars(module).values():
            if dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                names |= {f.name for f in dataclasses.fields(value)}
    return {n for n in names if "_" in n}


def _summary_literals() -> dict[str, set[str]]:
    names = _summary_names()
    found: dict[str, set[str]] = {}
    for package in ("loadtests", "okroute_verify"):
        for path in _sources(package):
            where = str(path.relative_to(ROOT))
            if where in SUMMARY_HOMES:
                continue
            used = {text for _, text in _literals(path) if text in names}
            if used:
                found[where] = used
    return found


def test_summary_keys_and_metric_names_are_written_in_their_homes() -> None:
    found = {f: sorted(n) for f, n in _summary_literals().items()}
    assert not found, f"read them through loadtests.summary / thresholds.METRICS instead: {found}"


def test_the_summary_scan_sees_every_record() -> None:
    names = _summary_names()
    # a push counter, a process figure, a capacity step's, a verdict's, a contract run's, a metric
    assert {"out_of_order", "check_rate", "overhead_s", "known_findings", "failed_rules"} <= names
    assert {"duration_s", "push_missing"} <= names
