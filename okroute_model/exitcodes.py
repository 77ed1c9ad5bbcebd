"""The exit codes of the four commands, one table: the same number means the same thing for
okroute-contract, okroute-load, okroute-verify and okroute-mock, and every `--help` prints its
rows from here.

The numbers follow pytest's where pytest has one (2 interrupted, 4 usage error, 5 no tests), so
`pytest --pyargs contracts` run directly exits with the same codes as okroute-contract.
"""

from __future__ import annotations

import argparse
import textwrap
from enum import IntEnum, StrEnum


class Command(StrEnum):
    CONTRACT = "okroute-contract"
    LOAD = "okroute-load"
    VERIFY = "okroute-verify"
    MOCK = "okroute-mock"


class ExitCode(IntEnum):
    PASS = 0
    FAIL = 1
    ABORTED = 2
    INVALID = 3
    COULD_NOT_VERIFY = 4
    NO_TESTS = 5
    INCOMPLETE = 6
    WARN = 7
    # The names the contract suite and the campaign used before the table: the same numbers.
    CONFORMS = 0
    CONTRACT_FAILURE = 1
    USAGE = 4


HELP_WIDTH = 96
ARGPARSE_ERROR = 2  # what argparse exits with on a usage mistake
STRICT = "--strict"  # the option that turns WARN into its own exit code

# What each code means, in each command's words; a command missing from a row never exits so.
MEANINGS: dict[ExitCode, dict[Command, str]] = {
    ExitCode.PASS: {
        Command.CONTRACT: "the platform conforms: every planned rule checked, none failed "
        "(rules lowered to warnings too, unless --okroute-strict)",
        Command.LOAD: "PASS: the load ran as asked and every SLO held",
        Command.VERIFY: f"PASS, or WARN without {STRICT}: the release may go live "
        "(the warnings are listed)",
        Command.MOCK: "stopped by SIGINT or SIGTERM, or a --list-* printed",
    },
    ExitCode.FAIL: {
        Command.CONTRACT: "a MUST or SHOULD rule failed",
        Command.LOAD: "FAIL: an SLO breached",
        Command.VERIFY: "FAIL: a contract rule, an SLO or a comparison with the baseline failed",
    },
    ExitCode.ABORTED: {
        Command.CONTRACT: "stopped before the end (Ctrl-C)",
        Command.LOAD: "ABORTED: stopped early by Ctrl-C, SIGTERM or an SLO's abort-after; the "
        "report shows what ran",
        Command.VERIFY: "stopped before the end (Ctrl-C)",
    },
    ExitCode.INVALID: {
        Command.LOAD: "INVALID: the generator did not apply the load (dropped, late or held "
        "sends, or its CPU saturated): the figures are not the platform's",
    },
    ExitCode.COULD_NOT_VERIFY: {
        **{
            command: "could not verify, nothing judged: a usage mistake, an unreachable "
            "target, an answer that is not OKRoute's, rejected credentials, a platform that "
            "went away"
            for command in (Command.CONTRACT, Command.LOAD, Command.VERIFY)
        },
        Command.MOCK: "a usage mistake: a bad option, an unreadable config or profile, a port "
        "in use",
    },
    ExitCode.NO_TESTS: {
        Command.CONTRACT: "no contract test was selected (-k or -m matched none)",
    },
    ExitCode.INCOMPLETE: {
        Command.CONTRACT: "nothing failed, but rules or cases were not checked (budget, "
        "throttling): raise the budget to check everything",
        Command.VERIFY: "INCOMPLETE: nothing failed, but rules or MAY points were left "
        "unchecked within the budget",
    },
    ExitCode.WARN: {
        Command.CONTRACT: "with --okroute-strict: nothing failed, but a rule lowered to a "
        "warning did",
        Command.VERIFY: f"with {STRICT}: WARN, nothing failed but warnings were listed",
    },
}


def codes(command: Command) -> list[ExitCode]:
    """The codes `command` may exit with, lowest first."""
    return [code for code in ExitCode if command in MEANINGS.get(code, {})]


def meaning(command: Command, code: int) -> str:
    return MEANINGS[ExitCode(code)][command]


def help_text(command: Command) -> str:
    """The "exit codes:" block of `command`'s --help."""
    rows = [
        textwrap.fill(
            MEANINGS[code][command],
            HELP_WIDTH,
            initial_indent=f"  {int(code)}  ",
            subsequent_indent="     ",
        )
        for code in codes(command)
    ]
    return "exit codes:\n" + "\n".join(rows)


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """`parser.parse_args(argv)`, a mistake on the command line exiting with the table's code
    (argparse's own is 2, which the table gives to a run stopped early)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code == ARGPARSE_ERROR:
            raise SystemExit(ExitCode.COULD_NOT_VERIFY) from None
        raise
