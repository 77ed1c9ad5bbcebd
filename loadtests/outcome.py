"""How a campaign ends: its verdict, and the exit code each verdict gives, defined once.

The codes themselves are rows of the one table, `okroute_model.exitcodes`.
"""

from __future__ import annotations

import signal
from enum import StrEnum

from okroute_model.exitcodes import Command, ExitCode, help_text


class Outcome(StrEnum):
    PASS = "PASS"  # the load ran as asked and every SLO held
    FAIL = "FAIL"  # an SLO breached
    INVALID = (
        "INVALID"  # the generator did not apply the load asked for: figures are not the platform's
    )
    ABORTED = "ABORTED"  # stopped early: Ctrl-C, SIGTERM, or an SLO's abort-after rule


Exit = ExitCode  # the campaign's codes are rows of the one table

EXIT_CODES = {
    Outcome.PASS: Exit.PASS,
    Outcome.FAIL: Exit.FAIL,
    Outcome.INVALID: Exit.INVALID,
    Outcome.ABORTED: Exit.ABORTED,
}
EXIT_HELP = help_text(Command.LOAD)


def decide(valid: bool, breached: bool, aborted: bool) -> Outcome:
    """An abort wins (the run is incomplete), then invalidity (figures untrustworthy), then SLOs."""
    if aborted:
        return Outcome.ABORTED
    if not valid:
        return Outcome.INVALID
    return Outcome.FAIL if breached else Outcome.PASS


# The wrapper asks the Locust master to stop with a signal Locust leaves alone (its own SIGTERM
# handler writes no final worker figures first), one per signal the wrapper itself received.
STOP_REQUESTS = {
    signal.SIGINT: signal.SIGUSR1,
    signal.SIGTERM: signal.SIGUSR2,
}
STOP_REASONS = {
    signal.SIGUSR1: "stopped by Ctrl-C (SIGINT)",
    signal.SIGUSR2: "stopped by SIGTERM",
}
