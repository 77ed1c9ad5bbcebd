"""The time phase (§4): the run's earliest IDs queried again, long after their final status.

"An ID from a successful submit is known at once (not `UNKNOWN`) for the retention period; once a
final status is returned, later queries return the same final status." A run lasts seconds, so a
platform that forgets a status, or changes a final one, a few seconds later would pass every
other test. At the end of the run this phase queries again, through every transport, the IDs
whose final status the run saw first, once at least `wait` seconds have passed since then, and
the run's oldest IDs; the exchange checks `query.retention` and `query.final-stable` judge the
answers. The wait counts from those final statuses, so a run that lasts longer than the wait
costs nothing extra. Queries send no SMS: the phase costs no budget, unless the run saw no final
status at all (a targeted run): then it submits one message and follows it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from contracts.boundaries import number
from contracts.cases import Case
from contracts.exercise import Exerciser, Issued
from contracts.failures import ContractViolation
from okroute_model.params import Command
from okroute_model.wire import ApiRequest, Method, Variant

DEFAULT_WAIT = 10.0  # seconds since the earliest final statuses (--okroute-age-wait)
AGED_IDS = 3  # IDs re-queried among those whose final status the run saw first
OLDEST_IDS = 2  # and the run's oldest IDs, whatever their status
ANCHOR_EVERY = 1.0  # seconds between the anchor's queries
OWN_NUMBER = 950  # the number of the phase's own message, when it needs one


@dataclass
class Aging:
    """What the time phase verified: recorded in contract-results.json (`aging`)."""

    wait_s: float  # the wait asked for
    waited_s: float  # what the phase itself waited (0 when the run lasted long enough)
    ids: int
    queries: int
    oldest_since_submit_s: float
    oldest_since_final_s: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}

    def line(self) -> str:
        return (
            f"time phase: {self.ids} IDs queried again ({self.queries} queries), up to "
            f"{self.oldest_since_submit_s:.1f} s after submit and "
            f"{self.oldest_since_final_s:.1f} s after their final status "
            f"(wait {self.wait_s:g} s; the phase waited {self.waited_s:.1f} s)"
        )


def plan_line(wait: float) -> str:
    """The phase in `--okroute-plan`."""
    return (
        f"time phase: the run's earliest IDs queried again {wait:g} s after their final status "
        "(--okroute-age-wait), through every transport; no numbers at risk"
    )


class Anchor:
    """Called after each valid submit: while the run has seen fewer than `AGED_IDS` final
    statuses, query its oldest ID not yet final again (at most once a second), so that the time
    phase's wait starts early in the run and has passed by its end."""

    def __init__(self, okroute: Exerciser) -> None:
        self.okroute = okroute
        self.next_at = float("-inf")

    def __call__(self) -> None:
        okroute = self.okroute
        now = okroute.target.now()
        if now < self.next_at or len(_finals(okroute)) >= AGED_IDS:
            return
        self.next_at = now + ANCHOR_EVERY
        pending = [
            i
            for i in okroute.issued.values()
            if i.final_seen_at is None and now - i.issued_at >= ANCHOR_EVERY
        ]
        if pending:
            okroute.query(min(pending, key=lambda i: i.issued_at).message_id)


def _finals(okroute: Exerciser) -> list[Issued]:
    seen = [i for i in okroute.issued.values() if i.final_seen_at is not None]
    return sorted(seen, key=lambda i: i.final_seen_at or 0.0)


def _own_message(okroute: Exerciser) -> None:
    """A targeted run saw no final status: one message of the phase's own, followed to it."""
    cfg, target = okroute.cfg, okroute.target
    c = target.primary
    params = {"dnis": number(cfg, OWN_NUMBER), "message": "time phase"}
    if cfg.ani:
        params["ani"] = cfg.ani
    request = ApiRequest(Command.SUBMIT, c.username, c.password, tuple(params.items()))
    ex = okroute.one(Case(request, note="time phase"), Variant(Method.GET, target.transports[0]))
    okroute.query_fresh_ids(ex)
    for message_id in okroute.ids_of(ex)[:1]:
        if message_id in okroute.issued:
            okroute.wait_for_final(message_id, target.final_status_timeout, 0.1)


def _chosen(okroute: Exerciser, wait: float) -> tuple[list[Issued], float]:
    """The IDs to query again, and the seconds waited first (only for the earliest final)."""
    finals = _finals(okroute)
    if not finals:
        _own_message(okroute)
        finals = _finals(okroute)
    waited = 0.0
    if finals:
        waited = max(0.0, wait - (okroute.target.now() - (finals[0].final_seen_at or 0.0)))
        if waited:
            okroute.target.wait(waited)
    now = okroute.target.now()
    aged = [i for i in finals if now - (i.final_seen_at or now) >= wait][:AGED_IDS]
    oldest = sorted(okroute.issued.values(), key=lambda i: i.issued_at)[:OLDEST_IDS]
    return list({i.message_id: i for i in (*aged, *oldest)}.values()), waited


def age_phase(okroute: Exerciser, wait: float) -> Aging:
    """Query the chosen IDs through every transport; record, then raise the first violation."""
    chosen, waited = _chosen(okroute, wait)
    now = okroute.target.now()
    since_submit = max((now - i.issued_at for i in chosen), default=0.0)
    since_final = max((now - (i.final_seen_at or now) for i in chosen), default=0.0)
    violations: list[ContractViolation] = []
    queries = 0
    for issued in chosen:
        for transport in okroute.target.transports:
            try:
                queries += 1
                okroute.query(issued.message_id, Variant(Method.GET, transport))
            except ContractViolation as violation:
                violations.append(violation)
    aging = Aging(wait, waited, len(chosen), queries, since_submit, since_final)
    okroute.recorder.aging = aging.as_dict()
    if violations:
        raise violations[0]
    return aging
