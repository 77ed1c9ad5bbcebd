"""The documentation stays true: the README stays short, the generated reference is what the code
says, the site builds with `mkdocs build --strict`, and every command on every page (README and
docs/, the CI recipes included) is accepted by the command it names, as printed.

`okroute-load` commands also go through the campaign's settings (tests/test_load_help.py)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from loadtests import options
from okroute_mock import cli as mock_cli
from okroute_verify import cli as verify_cli
from tests.helpers import REPO

sys.path.insert(0, str(REPO / "docs"))
import gen_reference

DOCS = REPO / "docs"
README_LIMIT = 150
# A command inside a CI recipe: `- run: CMD` (GitHub), `- CMD` (GitLab), `sh 'CMD'` (Jenkins).
RECIPE = re.compile(r"^(?:-\s+)?(?:run:\s+)?(?:sh\s+'(?P<sh>.*)'|(?P<plain>.*))$")
SHELL_ENDS = {">", ">>", "|", "&&", ";", "||"}


def pages() -> list[Path]:
    """Every hand-written page: the README and docs/ (the generated reference aside)."""
    found = [REPO / "README.md"]
    found += sorted(p for p in DOCS.rglob("*.md") if "reference" not in p.parts)
    return found


def commands(text: str) -> list[list[str]]:
    """Every command line in the page's fenced blocks, continuation lines joined, comments and
    shell plumbing (`> file`, `&& next`) cut, each part of a `&&` chain on its own."""
    found = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            match = RECIPE.match(line)
            line = (match.group("sh") or match.group("plain") or "") if match else line
            try:
                words = shlex.split(line, comments=line.startswith("#"))
            except ValueError:
                continue  # not a shell line (YAML, Groovy, Python)
            while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
                words = words[1:]  # VAR=value before the command
            part: list[str] = []
            for word in [*words, "&&"]:
                if word in SHELL_ENDS:
                    if part:
                        found.append(part)
                    part = [] if word in ("&&", ";", "||") else ["#"]
                elif part[:1] != ["#"]:
                    part.append(word)
    return [c for c in found if c and c[0] != "#"]


def _plugin_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    for action in gen_reference._plugin_actions():
        takes = action.nargs != 0
        parser.add_argument(*action.option_strings, action="store" if takes else "store_true")
    return parser


def _check_pytest(argv: list[str]) -> None:
    _, rest = _plugin_parser().parse_known_args(argv)
    unknown = [w for w in rest if w.startswith("--okroute-")]
    assert not unknown, f"not an option of the contract plugin: {unknown}"


def _check_locust(argv: list[str]) -> None:
    assert (REPO / argv[argv.index("-f") + 1]).exists(), argv
    known = {f"--okroute-{o.name}" for o in options.OPTIONS}
    unknown = [w.split("=")[0] for w in argv if w.startswith("--okroute-")]
    assert set(unknown) <= known, set(unknown) - known


def _check_python(argv: list[str]) -> None:
    if argv[:1] == ["-m"]:
        if argv[1] not in ("venv", "build", "pytest"):
            assert importlib.util.find_spec(argv[1]) is not None, argv
    elif argv and argv[0].endswith(".py"):
        assert (REPO / argv[0]).exists(), argv


def _parse(build: Callable[[], argparse.ArgumentParser]) -> Callable[[list[str]], None]:
    def check(argv: list[str]) -> None:
        try:
            build().parse_args(argv)
        except SystemExit as exc:  # argparse said what is wrong on stderr
            raise AssertionError(f"rejected: {argv}") from exc

    return check


CHECKS: dict[str, Callable[[list[str]], None]] = {
    "okroute-mock": _parse(mock_cli.parser),
    "okroute-verify": _parse(verify_cli.parser),
    "okroute-contract": _check_pytest,
    "pytest": _check_pytest,
    "locust": _check_locust,
    "python": _check_python,
    "python3": _check_python,
}


def test_the_readme_is_read_in_two_minutes() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) < README_LIMIT, f"README.md has {len(lines)} lines"


def test_every_page_is_reachable_from_the_site() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    for page in pages()[1:] + sorted((DOCS / "reference").glob("*.md")):
        assert str(page.relative_to(DOCS)) in nav, f"{page} is not in mkdocs.yml's nav"


def test_the_generated_reference_is_current() -> None:
    old = [str(p.relative_to(REPO)) for p in gen_reference.stale()]
    assert not old, f"stale: {old}; run python docs/gen_reference.py"


def test_the_reference_would_see_a_new_option() -> None:
    """The staleness check reads the parsers: an option added to one changes its page."""
    page = gen_reference._argparse_page("okroute-mock", mock_cli.parser)

    def more() -> argparse.ArgumentParser:
        parser = mock_cli.parser()
        parser.add_argument("--an-option-added-today", help="new (default none)")
        return parser

    assert page != gen_reference._argparse_page("okroute-mock", more)
    assert "--an-option-added-today" in gen_reference._argparse_page("okroute-mock", more)


def test_every_command_on_every_page_is_accepted_as_printed() -> None:
    checked = {name: 0 for name in CHECKS}
    for page in pages():
        for argv in commands(page.read_text()):
            program = argv[0]
            if program in CHECKS:
                checked[program] += 1
                try:
                    CHECKS[program](argv[1:])
                except AssertionError as exc:
                    raise AssertionError(f"{page.relative_to(REPO)}: {shlex.join(argv)}") from exc
    for program in ("okroute-mock", "okroute-verify", "okroute-contract", "pytest", "locust"):
        assert checked[program], f"no {program} command found on any page: the scan is blind"


def test_the_scan_would_catch_a_mistyped_command() -> None:
    text = "```bash\nokroute-mock --no-such-option 1\npytest contracts --okroute-urll x\n```\n"
    argv_mock, argv_pytest = commands(text)
    with pytest.raises(AssertionError):
        CHECKS["okroute-mock"](argv_mock[1:])
    with pytest.raises(AssertionError):
        CHECKS["pytest"](argv_pytest[1:])


def test_every_test_command_on_a_page_is_the_one_ci_runs() -> None:
    ci = {line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()}
    for page in pages():
        for argv in commands(page.read_text()):
            if argv[:2] == ["pytest", "-n"]:
                assert shlex.join(argv) in ci, f"{page.name}: {shlex.join(argv)} is not in .ci/run"


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have mkdocs-material (it is in the dev extras)")
        pytest.skip("mkdocs-material is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "reference" / "exit-codes" / "index.html").exists()
