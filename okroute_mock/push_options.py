"""`okroute-mock`'s push options: per-account URL templates and policy, flags and config keys.

Flags set the policy of every account; an `[[accounts]]` table of `--config` may set its own
with the same names (`dlr_url`, `mo_url`, `push_method`, `push_statuses`, `push_per`,
`push_ack`, `push_retries`, `push_retry_every`). In a URL given by flag, `{username}` becomes
the account's name, so one flag can give every account a URL of its own.
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import fields, replace
from typing import Any

from okroute_mock.push import (
    PushFaults,
    PushPer,
    PushPolicy,
    PushQueue,
    PushStatuses,
    parse_schedule,
)
from okroute_model.flags import Flag, add_flags
from okroute_model.push import PushMethod
from okroute_model.units import argtype, parse_duration, parse_probability

_probability, _duration, _schedule = (
    argtype(parse_probability),
    argtype(parse_duration),
    argtype(parse_schedule),
)
# Policy fields and the config-file / flag names that set them.
_KEYS = {
    "dlr_url": "dlr_url",
    "mo_url": "mo_url",
    "push_method": "method",
    "push_statuses": "statuses",
    "push_per": "per",
    "push_ack": "ack",
    "push_retries": "retries",
    "push_retry_every": "retry_every",
}
_FAULTS = ("duplicate", "reorder", "delay", "wrong_id", "contradict", "password", "drop")


_TITLE = "delivery report and MO pushes (§7; per account in --config)"
# The push options, in the order --help shows them (one rate per push fault).
_FLAGS: tuple[Flag, ...] = (
    Flag("--dlr-url", help="DLR URL template with $marker$ placeholders (default none)"),
    Flag("--mo-url", help="MO URL template with $marker$ placeholders (default none)"),
    Flag(
        "--no-push",
        action="store_true",
        help="never push, whatever URLs the accounts have: rehearses a platform whose push "
        "settings were never made, or whose pushes cannot get out (default off)",
    ),
    Flag(
        "--push-method",
        choices=[m.value for m in PushMethod],
        default="get",
        help="how a push travels: the template's query (get) or a body (default get)",
    ),
    Flag(
        "--push-statuses",
        choices=[s.value for s in PushStatuses],
        default="final",
        help="which statuses are pushed: final only, or every step (default final)",
    ),
    Flag(
        "--push-per",
        choices=[s.value for s in PushPer],
        default="segment",
        help="one push per segment or per message, part_amount (default segment)",
    ),
    Flag(
        "--push-ack",
        default="200",
        help="reply that counts as received: 200, or a body like OK (default 200)",
    ),
    Flag("--push-retries", type=int, default=3, help="retries after a failed push (default 3)"),
    Flag(
        "--push-retry-every",
        type=_schedule,
        default=(1.0,),
        metavar="DELAYS",
        help="spacing of retries: 1s, or 1s,5s,30s (the last repeats; default 1s)",
    ),
    Flag("--push-concurrency", type=int, default=50, help="pushes in flight at most (default 50)"),
    *(
        Flag(
            f"--push-{name.replace('_', '-')}-rate",
            type=_probability,
            default=0.0,
            metavar="P",
            help=f"probability 0..1 of a push fault: {name.replace('_', ' ')} (default 0)",
        )
        for name in _FAULTS
    ),
    Flag(
        "--push-delay",
        type=_duration,
        default=5.0,
        help="extra wait of a delayed push, a duration (default 5s)",
    ),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_flags(p.add_argument_group(_TITLE).add_argument, _FLAGS)


def _policy(values: dict[str, Any], base: PushPolicy, username: str) -> PushPolicy:
    changes: dict[str, Any] = {}
    for key, attribute in _KEYS.items():
        if key not in values or values[key] is None:
            continue
        value = values[key]
        if attribute in ("dlr_url", "mo_url"):
            value = str(value).replace("{username}", username)
        elif attribute == "method":
            value = PushMethod(value)
        elif attribute == "statuses":
            value = PushStatuses(value)
        elif attribute == "per":
            value = PushPer(value)
        elif attribute == "retry_every" and isinstance(value, str):
            value = parse_schedule(value)
        elif attribute == "retries":
            value = int(value)
        elif attribute == "ack":
            value = str(value)
        changes[attribute] = value
    return replace(base, **changes)


def _config_entries(path: str | None) -> dict[str, dict[str, Any]]:
    if not path:
        return {}
    with open(path, "rb") as fh:  # cli._accounts has read it already: errors were told there
        data = tomllib.load(fh)
    return {e["username"]: e for e in data.get("accounts", []) if isinstance(e, dict)}


def queue(
    args: argparse.Namespace, passwords: dict[str, str], lookup: Any, breaks: frozenset, cap: int
) -> PushQueue | None:
    """The platform's push queue, or None when no account has a push URL (or --no-push)."""
    if args.push_concurrency < 1:
        raise ValueError("--push-concurrency is at least 1")
    if getattr(args, "no_push", False):
        return None
    flags = {key: getattr(args, key, None) for key in _KEYS}
    entries = _config_entries(args.config)
    policies = {}
    for username in passwords:
        try:
            policy = _policy(flags, PushPolicy(), username)
            policy = _policy(entries.get(username, {}), policy, username)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"push settings of {username}: {exc}") from None
        policies[username] = policy
    if not any(p.dlr_url or p.mo_url for p in policies.values()):
        return None
    rates = {name: getattr(args, f"push_{name}_rate") for name in _FAULTS}
    faults = PushFaults(**rates, delay_for=args.push_delay, seed=args.seed)
    assert {f.name for f in fields(PushFaults)} >= set(rates)
    # Each stored message has at most three status pushes, each with a possible duplicate.
    return PushQueue(policies, passwords, lookup, faults, breaks, cap=cap * 6)


def describe(q: PushQueue) -> list[str]:
    """One line per account that pushes, for the start-up banner (no password in it)."""
    return [
        f"  push {account}: {p.method} {p.statuses} per {p.per}, ack {p.ack}, "
        f"{p.retries} retries; DLR {p.dlr_url or '-'}; MO {p.mo_url or '-'}"
        for account, p in q.policies.items()
    ]
