"""The pushes of a whole run, made judgeable: whose each pushed ID is, and what query says of it.

The receiver runs for the whole run, so the push test judges the pushes of every test's messages,
not only of the few it follows. Three things need a query (budget-free: queries send no SMS):

- a pushed ID the run was never given: asked with the credentials of the account whose URL it came
  to. `UNKNOWN` (or a 4xx) means the platform pushed an ID it never issued to this account; an ID
  it knows is the account's other traffic, and passes;
- every pushed final status of a message the run submitted, compared with what query answers
  afterwards (an ID whose query already showed a final status needs none: that status must stay);
- nothing else: formats, statuses and secrets are judged on the pushes themselves.
"""

from __future__ import annotations

from contracts.cases import Case
from contracts.exercise import Exerciser, Issued
from okroute_model.params import QUERY_ID_PARAM, Command
from okroute_model.push import Push, PushKind
from okroute_model.secrets import Credentials
from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.wire import ApiRequest, Method, Variant

NEVER_ISSUED = "never issued"  # what a stranger's query means when it answers UNKNOWN or a 4xx


def owners_of(okroute: Exerciser, followed: dict[str, str]) -> dict[str, str]:
    """message ID -> the account that was given it, for every ID of the run."""
    given = {i: c.username for i, c in okroute.given.items()}
    return given | {i: s.owner.username for i, s in okroute.issued.items()} | followed


def _accounts(okroute: Exerciser) -> dict[str, Credentials]:
    target = okroute.target
    return {c.username: c for c in (target.primary, target.secondary) if c is not None}


def _dlrs(pushes: list[Push]) -> list[Push]:
    return [p for p in pushes if p.kind is PushKind.DLR and p.app_msg_id]


def strangers(okroute: Exerciser, pushes: list[Push], owners: dict[str, str]) -> dict[str, str]:
    """Pushed IDs the run was never given -> NEVER_ISSUED, or the status the receiving account's
    query answers (its other traffic). Each asked once, by the first account it came to."""
    accounts = _accounts(okroute)
    asked: dict[str, str] = {}
    for push in _dlrs(pushes):
        message_id = push.app_msg_id
        if message_id in owners or message_id in asked:
            continue
        credentials = accounts.get(push.account, okroute.target.primary)
        request = ApiRequest(
            Command.QUERY,
            credentials.username,
            credentials.password,
            ((QUERY_ID_PARAM, message_id),),
        )
        variant = Variant(Method.GET, okroute.target.transports[0])
        ex = okroute.one(Case(request, note="a pushed ID this run was not given"), variant)
        status = okroute.status_in(ex)
        unknown = 400 <= ex.status < 500 or status == Status.UNKNOWN
        asked[message_id] = NEVER_ISSUED if unknown else (status or f"HTTP {ex.status}")
    return asked


def queried_finals(
    okroute: Exerciser, pushes: list[Push], owners: dict[str, str]
) -> dict[str, str]:
    """message ID -> the status query answers after its final push, for every message of the run
    with a pushed final status (pushed to its own account: another's is `push.own-ids`)."""
    accounts = _accounts(okroute)
    answered: dict[str, str] = {}
    for push in _dlrs(pushes):
        message_id = push.app_msg_id
        owner = owners.get(message_id)
        if push.status not in FINAL_STATUSES or owner is None or message_id in answered:
            continue
        if (push.account and push.account != owner) or owner not in accounts:
            continue
        issued = okroute.issued.get(message_id)
        if issued is None:
            transport, now = okroute.target.transports[0], okroute.target.now()
            issued = Issued(message_id, transport, accounts[owner], issued_at=now)
            okroute.issued[message_id] = issued
        if issued.last_status not in FINAL_STATUSES:
            okroute.query(message_id)
        if issued.last_status is not None:
            answered[message_id] = issued.last_status
    return answered
