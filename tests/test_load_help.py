"""Help that teaches: every option of the three commands says what it is, its unit and default;
each help ends with examples and the exit codes; the load commands on every documentation page
(README.md and docs/) are valid as printed, and the pages list every `--okroute-*` option."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys

import pytest

from loadtests import cli as load_cli
from loadtests import options
from okroute_mock import cli as mock_cli
from okroute_model.exitcodes import Command, codes
from okroute_verify import cli as verify_cli
from tests.helpers import REPO

PARSERS = {
    "okroute-load": load_cli.parser,
    "okroute-mock": mock_cli.parser,
    "okroute-verify": verify_cli.parser,
}
# Every page a user reads: the README and the docs site (its generated reference included).
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
README = "\n".join(p.read_text() for p in PAGES)


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


@pytest.mark.parametrize("name", PARSERS)
def test_every_option_has_a_one_line_help_with_its_default(name: str) -> None:
    parser = PARSERS[name]()
    for action in _actions(parser):
        text = action.help or ""
        assert text, action.option_strings
        assert "default" in text or "required" in text, (action.option_strings, text)
        assert "\n" not in text
    rendered = parser.format_help()  # a bare % in a help text would raise here
    assert "examples:" in rendered and "exit codes:" in rendered
    assert len(re.findall(r"^  \S", rendered.split("examples:")[1], re.M)) >= 2


@pytest.mark.parametrize("module", ["loadtests.cli", "okroute_mock", "okroute_verify"])
def test_help_runs_without_a_traceback(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "exit codes:" in result.stdout


def test_every_exit_code_is_in_the_help_and_the_readme() -> None:
    rendered = load_cli.parser().format_help()
    for code in codes(Command.LOAD):
        assert re.search(rf"^  {int(code)}  ", rendered, re.M), code
        assert f"{int(code)} = " in README or f"`{int(code)}`" in README, code


def _readme_commands(program: str) -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith(program + " ") or line == program:
            commands.append(shlex.split(line)[1:])
    return commands


def test_the_readmes_load_commands_are_valid_as_printed() -> None:
    commands = _readme_commands("okroute-load")
    assert len(commands) >= 4
    for argv in commands:
        args = load_cli.parser().parse_args(argv)
        values = {o.dest: getattr(args, o.dest) for o in options.OPTIONS}
        values["okroute_dnis_prefix"] = values["okroute_dnis_prefix"] or "4477009"
        options.settings(values, args.duration, env={}, flag="")
        if args.find_capacity:
            load_cli._search_config(args)


def test_the_readme_lists_every_locust_option() -> None:
    for option in options.OPTIONS:
        assert f"--okroute-{option.name}" in README, option.name
