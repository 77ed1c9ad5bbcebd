"""ARCHITECTURE.md stays true: its diagram names every module, its recipes name files that exist
and completeness tests that pytest collects; and the completeness tests the recipes lean on
that no other file holds (every rule judged and breakable, every fault acting, every campaign
option reaching both parsers).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import REPO

ARCHITECTURE = (REPO / "ARCHITECTURE.md").read_text()
PACKAGES = ("okroute_model", "okroute_mock", "contracts", "loadtests", "okroute_verify")
LIST_LINES = ("Touches", "Sometimes", "Completeness")


def _diagram() -> dict[str, set[str]]:
    """The names the diagram lists under each package (a trailing `/` marks a folder)."""
    block = ARCHITECTURE.split("```")[1]
    named: dict[str, set[str]] = {}
    current = None
    for line in block.splitlines():
        text = re.sub(r"\([^)]*\)", " ", line).strip(" │▲▼")
        first = text.split(maxsplit=1)[0] if text.split() else ""
        if first in PACKAGES:
            current, text = first, text[len(first) :]
        if current:
            named[current] = named.get(current, set()) | {
                w.strip() for w in text.split("·") if w.strip()
            }
    return named


def _on_disk(package: str) -> set[str]:
    folder = REPO / package
    modules = {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")}
    folders = {
        f"{p.name}/"
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and not p.name.endswith("egg-info")
    }
    return modules | folders


@pytest.mark.parametrize("package", PACKAGES)
def test_the_diagram_names_every_module_and_nothing_else(package: str) -> None:
    named, present = _diagram().get(package, set()), _on_disk(package)
    assert not present - named, f"ARCHITECTURE.md does not name {sorted(present - named)}"
    assert not named - present, (
        f"ARCHITECTURE.md names what is not there: {sorted(named - present)}"
    )


def _recipes(text: str = ARCHITECTURE) -> dict[str, dict[str, list[str]]]:
    """Each `### Recipe:` section's Touches, Sometimes and Completeness lines, as named items."""
    recipes = {}
    for section in text.split("### Recipe: ")[1:]:
        title, body = section.split("\n", 1)
        body = body.split("\n## ", 1)[0]
        lines = {}
        for key in LIST_LINES:
            found = re.search(rf"^{key}: (.*)$", body, re.M)
            named = re.sub(r"\([^)]*\)", "", found.group(1)) if found else ""  # not the why
            lines[key] = re.findall(r"`([^`]+)`", named)
        recipes[title.strip()] = lines
    return recipes


RECIPES = _recipes()


def test_the_recipes_are_there() -> None:
    wanted = {"a rule with its fault", "a fault alone", "a MAY point", "an SLO metric"}
    assert wanted <= set(RECIPES), sorted(wanted - set(RECIPES))
    assert any("option" in title for title in RECIPES), "no recipe for a campaign option"


@pytest.mark.parametrize("title", RECIPES)
def test_each_recipe_names_files_that_exist_and_its_completeness_tests(title: str) -> None:
    recipe = RECIPES[title]
    assert recipe["Touches"], f"{title}: no Touches line"
    assert recipe["Completeness"], f"{title}: no Completeness line"
    missing = [f for f in recipe["Touches"] + recipe["Sometimes"] if not (REPO / f).is_file()]
    assert not missing, f"{title}: no such file {missing}"
    for node in recipe["Completeness"]:
        path, _, name = node.partition("::")
        assert (REPO / path).is_file() and name, f"{title}: {node} is not a test node"


def test_a_rule_with_its_fault_touches_at_most_four_code_files() -> None:
    """The issue's bound: the rule, the defect with its finding, the mutation, the fault."""
    touches = RECIPES["a rule with its fault"]["Touches"]
    code = [f for f in touches if f.endswith(".py")]
    assert len(code) <= 4, f"a rule with its fault touches {len(code)} code files: {code}"


def test_every_completeness_test_is_collected() -> None:
    nodes = sorted({n for r in RECIPES.values() for n in r["Completeness"]})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *nodes],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    collected = {line.split("[")[0] for line in result.stdout.splitlines() if "::" in line}
    absent = [n for n in nodes if n not in collected]
    assert not absent, f"pytest collects none of {absent}\n{result.stdout[-2000:]}{result.stderr}"


# -- completeness tests the recipes lean on ---------------------------------------------------


def test_every_rule_is_judged_and_breakable() -> None:
    """A new `Rule` needs a check that judges it and a fault of the mock that breaks it."""
    from contracts.checks import CHECKS, GROUP_CHECKS
    from contracts.push_checks import PUSH_CHECKS
    from okroute_mock.breaks import BREAKS
    from okroute_model.rules import RULES

    judged = {c.rule.name for c in (*CHECKS.values(), *GROUP_CHECKS.values())}
    judged |= {c.rule.name for c in PUSH_CHECKS.values()}
    broken = {b.rule for b in BREAKS.values()}
    missing = {
        name: [
            what
            for what, ok in (
                ("a check (contracts/checks.py, push_checks.py)", name in judged),
                ("a Fault and Break (okroute_mock/breaks.py)", name in broken),
            )
            if not ok
        ]
        for name in RULES
    }
    missing = {name: lacks for name, lacks in missing.items() if lacks}
    assert not missing, f"rules that lack: {missing}"


def _mock_code() -> str:
    folder = REPO / "okroute_mock"
    return "".join(p.read_text() for p in sorted(folder.glob("*.py")) if p.name != "breaks.py")


def test_every_fault_is_catalogued_and_acts() -> None:
    """A new `Fault` needs its `Break` (rule, summary) and a place in the mock that acts on it:
    the code naming the member, a `Break.ignores`, or the raw-input kind it drops on. The
    detection run (`contracts.detection`) takes every `Break`, so it is in the meta-test."""
    from contracts import detection
    from okroute_mock.breaks import BREAKS, DROP_ON, Fault
    from okroute_model.rules import RULES

    code = _mock_code()
    lacks = {}
    for fault in Fault:
        b = BREAKS.get(fault)
        if b is None or b.rule not in RULES or not b.summary:
            lacks[fault] = "a Break with a known rule and a summary in okroute_mock/breaks.py"
        elif (
            f"Fault.{fault.name}" not in code
            and b.ignores is None
            and fault not in DROP_ON.values()
        ):
            lacks[fault] = "the mock code that acts on it (or `ignores=Defect.X` on its Break)"
    assert not lacks, f"faults that lack: {lacks}"
    assert detection.BREAKS is BREAKS  # detection runs every catalogued fault


def test_the_fault_check_would_see_a_fault_nothing_acts_on() -> None:
    code = _mock_code()
    assert "Fault.AUTH_IGNORED" in code and "Fault.NOT_A_FAULT_ANYWHERE" not in code


_LOCUST_OPTIONS = """
import loadtests.locustfile
from locust.argument_parser import get_parser
for action in get_parser()._actions:
    print(*action.option_strings)
"""


def test_every_option_reaches_both_parsers() -> None:
    """A new `Option` is offered by okroute-load as `--NAME`, by Locust (with the locustfile
    loaded, as `locust -f` does) as `--okroute-NAME`, and in both generated reference pages."""
    from loadtests import cli, options

    ours = {s for a in cli.parser()._actions for s in a.option_strings}
    # Locust's parser in its own process: importing Locust patches the standard library.
    result = subprocess.run(
        [sys.executable, "-c", _LOCUST_OPTIONS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    locust = set(result.stdout.split())
    # The reference pages as the generator writes them now (whether the files are current is
    # `tests/test_docs.py`'s staleness test).
    sys.path.insert(0, str(REPO / "docs"))
    import gen_reference

    pages = {p.name: text for p, text in gen_reference.pages().items()}
    shown = {"okroute-load.md": "--{}", "locust-options.md": f"--{options.PREFIX}{{}}"}
    lacks = {}
    for option in options.OPTIONS:
        where = [
            what
            for what, ok in (
                ("okroute-load's parser", f"--{option.name}" in ours),
                ("Locust's parser", f"--{options.PREFIX}{option.name}" in locust),
                *(
                    (f"docs/reference/{n}", form.format(option.name) in pages[n])
                    for n, form in shown.items()
                ),
            )
            if not ok
        ]
        if where:
            lacks[option.name] = where
    assert not lacks, f"options missing from: {lacks} (run python docs/gen_reference.py)"


def test_the_option_check_reads_the_real_parser() -> None:
    from loadtests import cli

    assert "--a-made-up-option" not in {s for a in cli.parser()._actions for s in a.option_strings}


def test_the_recipe_parser_sees_a_missing_line() -> None:
    """A recipe without a Completeness line is named, not silently passed."""
    recipes = _recipes("### Recipe: x\n\nTouches: `loadtests/options.py`\n")
    assert recipes == {
        "x": {"Touches": ["loadtests/options.py"], "Sometimes": [], "Completeness": []}
    }
