"""How a campaign ends: its verdict, and the exit code each verdict gives, defined once.

The wrapper, the locustfile, the help texts and the README all take their codes from here.
"""

from __future__ import annotations

import signal
from enum import IntEnum, StrEnum


class Outcome(StrEnum):
    PASS = "PASS"  # the load ran as asked and every SLO held
    FAIL = "FAIL"  # an SLO breached
    INVALID = (
        "INVALID"  # the generator did not apply the load asked for: figures are not the platform's
    )
    ABORTED = "ABORTED"  # stopped early: Ctrl-C, SIGTERM, or an SLO's abort-after rule


class Exit(IntEnum):
    PASS = 0
    FAIL = 1
    USAGE = 2  # a mistake on the command line, rejected credentials, a target that is not OKRoute
    INVALID = 3
    ABORTED = 4


EXIT_CODES = {
    Outcome.PASS: Exit.PASS,
    Outcome.FAIL: Exit.FAIL,
    Outcome.INVALID: Exit.INVALID,
    Outcome.ABORTED: Exit.ABORTED,
}

EXIT_MEANINGS = {
    Exit.PASS: "PASS: the load ran as asked and every SLO held",
    Exit.FAIL: "FAIL: an SLO breached",
    Exit.USAGE: "a usage mistake, an unreachable target, rejected credentials, not OKRoute",
    Exit.INVALID: "INVALID: the generator did not apply the load (dropped, late or held sends, "
    "or its CPU saturated): the figures are not the platform's",
    Exit.ABORTED: "ABORTED: stopped early by Ctrl-C, SIGTERM or an SLO's abort-after",
}
EXIT_HELP = "exit codes:\n" + "\n".join(f"  {int(c)}  {text}" for c, text in EXIT_MEANINGS.items())


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
