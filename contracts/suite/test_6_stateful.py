"""A state machine of submit, query and waiting: final statuses stay, IDs stay known."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from contracts.cases import Case
from contracts.checks import verify
from contracts.strategies import Config, valid_submit_params
from okroute_model.params import Command
from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.wire import ALL_VARIANTS, ApiRequest, Variant

OFFLINE_MAX_WAIT = 3.0  # seconds of fake platform time one step may let pass
LIVE_MAX_WAIT = 0.3  # real seconds


def machine(okroute, cfg: Config) -> type[RuleBasedStateMachine]:
    transports = okroute.target.transports
    max_wait = LIVE_MAX_WAIT if okroute.target.live else OFFLINE_MAX_WAIT

    class DeliveryMachine(RuleBasedStateMachine):
        ids = Bundle("ids")

        def __init__(self) -> None:
            super().__init__()
            self.mine: set[str] = set()  # the IDs this run of the machine submitted

        @rule(
            target=ids,
            params=valid_submit_params(cfg, max_numbers=2),
            variant=st.sampled_from(ALL_VARIANTS),
        )
        def submit(self, params: dict[str, str], variant: Variant):
            if variant.transport not in transports:
                variant = Variant(variant.method, transports[0])
            c = cfg.credentials
            case = Case(ApiRequest(Command.SUBMIT, c.username, c.password, tuple(params.items())))
            ex = okroute.send(case, variant)
            verify(ex, okroute.ctx)
            okroute.query_fresh_ids(ex)
            new = [i for i in okroute.ids_of(ex) if i in okroute.issued]
            self.mine.update(new)
            return multiple(*new)

        @rule(message_id=ids)
        def query(self, message_id: str):
            okroute.query(message_id)

        @rule(seconds=st.floats(0.0, max_wait))
        def wait(self, seconds: float):
            okroute.target.wait(seconds)

        @invariant()
        def final_statuses_stay(self):
            # §4: "once a final status is returned, later queries return the same final status".
            # Nothing orders the steps before it (ACCEPTD may come and go): that is a MAY point.
            for message_id in self.mine:
                history = okroute.issued[message_id].history
                finals = [i for i, s in enumerate(history) if s in FINAL_STATUSES]
                if finals:
                    after = set(history[finals[0] :]) - {Status.UNKNOWN}
                    assert after == {history[finals[0]]}, f"{message_id}: {history}"

        @invariant()
        def ids_stay_known(self):
            # The run lasts far less than the retention period: a known ID never turns UNKNOWN.
            for message_id in self.mine:
                history = okroute.issued[message_id].history
                if Status.UNKNOWN in history:
                    assert all(s == Status.UNKNOWN for s in history), f"{message_id}: {history}"

    return DeliveryMachine


def test_delivery_state_machine(okroute, okroute_cfg) -> None:
    live = okroute.target.live
    run_state_machine_as_test(
        machine(okroute, okroute_cfg),
        settings=settings(
            settings.default, stateful_step_count=8 if live else 25, max_examples=3 if live else 15
        ),
    )
