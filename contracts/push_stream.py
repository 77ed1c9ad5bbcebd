"""The second account's own stream of messages through a run, for the push checks.

A platform that pushes one account's reports to another (`push.own-ids`) shows it only when the
other account has traffic at the same time. So, while pushes are received, the second account
submits one message in each phase of the run (test module) that submits anything: a handful of
numbers, planned as a reserve of the budget (`reserve`).
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.boundaries import number
from contracts.cases import Case
from contracts.client import BudgetExhausted, PlatformSick, PlatformUnreachable, Throttled
from contracts.exercise import Exerciser
from okroute_model.params import Command
from okroute_model.wire import ApiRequest, Method, Variant

FIRST_NUMBER = 800  # the stream's numbers, apart from the push test's (900 and up)
NOTE = "the second account's stream"


def reserve(phases: Iterable[str], has_second_account: bool) -> int:
    """Numbers the stream may send: one per phase of the run."""
    return len(set(phases)) if has_second_account else 0


class SecondStream:
    """Called after each valid submit of the run: the second account's message of this phase."""

    def __init__(self, okroute: Exerciser) -> None:
        self.okroute = okroute
        self.phases: set[str] = set()
        self.sending = False

    def __call__(self) -> None:
        okroute = self.okroute
        second = okroute.target.secondary
        phase = okroute.recorder.current_test.partition("::")[0]
        if second is None or self.sending or phase in self.phases:
            return
        self.phases.add(phase)
        client = okroute.client
        if client.at_risk + 1 > okroute.target.max_messages:
            return  # the budget's reserve is spent: the run's own tests come first
        params = {"dnis": number(okroute.cfg, FIRST_NUMBER + len(self.phases)), "message": NOTE}
        if okroute.cfg.ani:
            params["ani"] = okroute.cfg.ani
        request = ApiRequest(
            Command.SUBMIT, second.username, second.password, tuple(params.items())
        )
        variant = Variant(Method.GET, okroute.target.transports[0])
        self.sending = True
        try:
            ex = okroute.client.send(Case(request, note=NOTE), variant)
            okroute.recorder.exchanges += 1
            okroute.query_fresh_ids(ex)
        except (BudgetExhausted, Throttled, PlatformUnreachable, PlatformSick):
            return  # the test's own next request meets it and says so
        finally:
            self.sending = False
