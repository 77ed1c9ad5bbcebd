"""`okroute-load`'s push receiver: started for the campaign, the embedded mock pointed at it.

Against the built-in mock a receiver always takes part (`--dlr-listen off` leaves it out): the
mock's DLR and MO URLs are set to it. Against a live platform it starts only with `--dlr-listen`,
and prints the URL templates to configure on the account: the platform decides where it pushes.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from contracts.receiver import parse_listen
from contracts.records import typed
from loadtests import options
from loadtests.receiver import ReceiverError, launched_receiver
from loadtests.summary import PushError, PushSection
from okroute_model.push import PushKind, default_template

__all__ = ["ReceiverError", "add_arguments", "receiver", "summary_line"]
OFF = "off"
EMBEDDED_LISTEN = "127.0.0.1:0"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dlr-listen",
        metavar="HOST:PORT",
        help="where the push receiver listens, or 'off' (default: 127.0.0.1:0 with the built-in "
        "mock; none against a live platform)",
    )
    p.add_argument(
        "--dlr-public-url",
        default="",
        metavar="URL",
        help="base URL the platform reaches the receiver at (default http://HOST:PORT)",
    )


@contextmanager
def receiver(
    args: argparse.Namespace, directory: Path, embedded: bool, username: str
) -> Iterator[tuple[list[str], str]]:
    """Yields (arguments for the embedded mock, the receiver's control URL); ([], "") when off."""
    listen = args.dlr_listen or (EMBEDDED_LISTEN if embedded else OFF)
    if listen == OFF:
        yield [], ""
        return
    try:
        parse_listen(listen)
    except ValueError as exc:
        raise ReceiverError(f"--dlr-listen: {exc}") from None
    with launched_receiver(directory, listen, username, args.dlr_public_url) as ready:
        public = ready["public_url"]
        if embedded:
            # `{username}` is the mock's own placeholder: every account its own path.
            mock_args = [
                f"--dlr-url={default_template(public, PushKind.DLR, '{username}').text}",
                f"--mo-url={default_template(public, PushKind.MO, '{username}').text}",
            ]
        else:
            mock_args = []
            print("okroute-load: push receiver on " + ready["url"], flush=True)
            print("  configure these URL templates on the account:", flush=True)
            for kind, template in ready["templates"].items():
                print(f"  {kind.upper()}: {template}", flush=True)
            print(
                "  every submitted message must get a push of its final status within "
                f"--push-grace: SLO {options.DEFAULT_PUSH_SLO} unless an --slo judges "
                f"{options.PUSH_MISSING}",
                flush=True,
            )
        yield mock_args, ready["url"]


def slos(args: argparse.Namespace, given: list[str] | None) -> list[str] | None:
    """The campaign's SLOs: with a receiver the user asked for (`--dlr-listen`, not off), the
    defaults and the default push SLO, so that a platform that never pushes cannot PASS."""
    if not args.dlr_listen or args.dlr_listen == OFF:
        return given
    return options.with_push_slo(given or options.DEFAULT_SLOS)


def summary_line(push: PushSection | PushError | dict[str, Any] | None) -> str | None:
    """The push figures in one line, or None when no receiver took part."""
    push = typed(PushSection | PushError, push)
    if push is None:
        return None
    if isinstance(push, PushError):
        return f"  pushes: {push.error}"
    latency = push.latency_ms or {}
    line = (
        f"  pushes: {push.received} received; {push.with_final} of {push.messages} "
        f"messages got a final push (missing {push.missing_share:.3%}); "
        f"p50 {latency.get('p50', '-')} ms, p95 {latency.get('p95', '-')} ms; "
        f"duplicates {push.duplicates}, out of order {push.out_of_order}, "
        f"unknown {push.unknown}"
    )
    missing = missing_line(push)
    return f"{line}\n{missing}" if missing else line


def missing_line(push: PushSection) -> str | None:
    """The verdict's own line when messages got no push of a final status after the grace."""
    if not push.missing:
        return None
    waited = push.grace_waited_s
    if not push.received:
        return (
            f"  NO PUSH RECEIVED: none of {push.messages} messages was pushed after "
            f"{waited:g} s of grace; is the account's DLR URL set to the template printed at "
            "the start?"
        )
    return (
        f"  MISSING PUSHES: {push.missing} of {push.messages} messages got no push of a "
        f"final status after {waited:g} s of grace"
    )
