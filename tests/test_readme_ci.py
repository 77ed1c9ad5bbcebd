"""CI runs what the README tells a new user to run: its two set-up commands and its test
command, as printed (a README command that CI does not run is a README command that rots)."""

from __future__ import annotations

import re

from tests.helpers import REPO

README = (REPO / "README.md").read_text()
CI = (REPO / ".ci" / "run").read_text()


def _first_block_after(heading: str) -> list[str]:
    section = README.split(f"## {heading}\n", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, heading
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def _ci_lines() -> set[str]:
    return {line.strip() for line in CI.splitlines()}


def test_ci_runs_the_two_set_up_commands() -> None:
    setup = _first_block_after("Set up")
    assert len(setup) == 2
    ci = _ci_lines()
    for command in setup:
        # .ci/run chains the two with && and quiets pip; the commands themselves are the same
        assert any(command.replace("pip install", "pip install -q") in line or command in line
                   for line in ci), command  # fmt: skip


def test_ci_runs_the_test_command_as_printed() -> None:
    (command,) = _first_block_after("Run the tests")
    assert command.startswith("pytest")
    assert command in _ci_lines()
