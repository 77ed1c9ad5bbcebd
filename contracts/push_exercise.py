"""Following the suite's own messages to their pushes: submit, wait, query again, judge, record.

The push test submits a few messages (one from the second account first, so a platform that
mixes up accounts has another account's ID to push), lets one message's pushes be refused twice
to see the retries, waits until query shows each one final and then until its final push comes,
asks query about the run's pushed IDs (`contracts.push_whole`), and judges every push of the run
(`contracts.push_checks`).
The MAY behaviour seen on the way goes to the run's observations and the fingerprint.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from contracts import push_whole
from contracts.exercise import Exerciser
from contracts.push_checks import PushRun
from contracts.pushes import PushCollector
from okroute_model.push import Push, PushKind, PushMay
from okroute_model.statuses import FINAL_STATUSES, RANK, Status

REFUSALS = 2  # pushes of the retry probe answered 500


@dataclass
class Followed:
    """Messages the push test follows: each one number's IDs (its segments), by account."""

    groups: list[list[str]] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)
    probe: str | None = None  # the ID whose pushes are refused at first

    def add(self, groups: list[list[str]], owner: str) -> None:
        for ids in groups:
            self.groups.append(ids)
            for message_id in ids:
                self.owners[message_id] = owner


def groups_of(entries: object) -> list[list[str]]:
    """A submit answer's IDs, one group per number."""
    items = [entries] if isinstance(entries, dict) else entries if isinstance(entries, list) else []
    groups: dict[str, list[str]] = {}
    for i, e in enumerate(items):
        if isinstance(e, dict) and isinstance(e.get("message_id"), str) and e["message_id"]:
            ids = groups.setdefault(str(e.get("dnis", f"#{i}")), [])
            if e["message_id"] not in ids:
                ids.append(e["message_id"])
    return list(groups.values())


def has_final_push(collector_pushes: list[Push], ids: list[str]) -> bool:
    wanted = set(ids)
    return any(
        p.kind is PushKind.DLR and p.app_msg_id in wanted and p.status in FINAL_STATUSES
        for p in collector_pushes
    )


def wait_for_pushes(
    okroute: Exerciser,
    collector: PushCollector,
    groups: list[list[str]],
    wait: float,
    step: float,
    probe: str | None = None,
) -> None:
    """Let time pass until every group has a final push and the retry probe a push after its
    refusals (what it does is observed then, not halfway), at most `wait` seconds."""
    waited = 0.0
    while waited <= wait:
        pushes = collector.pushes()
        retried = probe is None or _pushes_of(pushes, probe) > REFUSALS
        if retried and all(has_final_push(pushes, ids) for ids in groups):
            return
        okroute.target.wait(step)
        waited += step


def _pushes_of(pushes: list[Push], message_id: str) -> int:
    return sum(1 for p in pushes if p.kind is PushKind.DLR and p.app_msg_id == message_id)


def push_run(okroute: Exerciser, collector: PushCollector, followed: Followed, waited) -> PushRun:
    """Every push of the run with what judges it: whose each ID is (a query for the IDs the run
    was never given) and what query answers after each pushed final (`contracts.push_whole`)."""
    pushes = collector.pushes()
    owners = push_whole.owners_of(okroute, followed.owners)
    queried_after = push_whole.queried_finals(okroute, pushes, owners)
    strangers = push_whole.strangers(okroute, pushes, owners)
    secrets = tuple(c.password for c in (okroute.target.primary, okroute.target.secondary) if c)
    refused = frozenset(collector.refused)
    return PushRun(pushes, owners, queried_after, waited, secrets, refused, strangers)


def _shape(value: str) -> str:
    return re.sub(r"\d", "9", value)


def observations(run: PushRun, followed: Followed, collector: PushCollector) -> dict[str, str]:
    """What the platform did at each MAY point of §7, as short texts (no IDs, no numbers)."""
    own = [p for p in run.pushes if p.kind is PushKind.DLR and p.app_msg_id in followed.owners]
    if not own:
        return {point: "no push received" for point in PushMay}
    mo = sorted({p.how for p in run.pushes if p.kind is PushKind.MO}) or ["none received"]
    steps = sorted({p.status for p in own if p.status in RANK and RANK[Status(p.status)] < 2})
    seen: dict[PushMay, str] = {
        PushMay.METHOD: f"DLR {', '.join(sorted({p.how for p in own}))}; MO {', '.join(mo)}",
        PushMay.STATUSES: f"{', '.join(steps)} and final" if steps else "final statuses only",
    }
    split = [ids for ids in followed.groups if len(ids) > 1]
    if split:
        pushed = {p.app_msg_id for p in own}
        ids = split[0]
        parts = {p.values.get("part_amount", "-") for p in own if p.app_msg_id in ids}
        per = "per segment" if len(pushed & set(ids)) > 1 else "per message"
        seen[PushMay.PER] = f"{per} (part_amount {', '.join(sorted(parts))})"
    else:
        seen[PushMay.PER] = "not seen: no split message"
    probe = followed.probe
    if probe is None:
        seen[PushMay.RETRIES] = "not probed"
    else:
        # Whether a refused push is retried until accepted: a fact that two runs of one
        # release agree on (the gaps between retries vary with load, so they are not part of it).
        pushed = _pushes_of(own, probe)
        refused = len(collector.refused.get(probe, []))
        if not pushed:
            seen[PushMay.RETRIES] = "nothing pushed"
        elif pushed > refused:
            seen[PushMay.RETRIES] = f"retried until accepted, after {refused} refusals"
        else:
            seen[PushMay.RETRIES] = f"not retried after {refused} refusals (within the wait)"
    counts = Counter((p.app_msg_id, p.status) for p in own if p.app_msg_id != probe)
    duplicates = sum(n - 1 for n in counts.values())
    seen[PushMay.DUPLICATES] = f"{duplicates} duplicate pushes" if duplicates else "none"
    backwards = 0
    for message_id in {p.app_msg_id for p in own}:
        ranks = [RANK[Status(p.status)] for p in run.of(message_id) if p.status in RANK]
        backwards += ranks != sorted(ranks)
    seen[PushMay.ORDER] = f"{backwards} IDs out of order" if backwards else "in status order"
    dates = {_shape(p.values["done_date"]) for p in own if "done_date" in p.values}
    seen[PushMay.DONE_DATE] = ", ".join(sorted(dates)) or "not in the template"
    return {str(k): v for k, v in seen.items()}
