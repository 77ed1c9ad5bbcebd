"""What a live run with a push receiver needs set on the platform first: every account's URLs.

The platform pushes to the URLs configured on each account, so the user must set them before the
run. The suite prints the templates at the start of a live run and in `--okroute-plan`, for every
account it uses (the second account's messages are followed too), at the address the platform
reaches: `--okroute-dlr-public-url` (or the profile's `push_public_url`) when given, else
`http://HOST:PORT` of the listen address. A wildcard listen address is no address to reach, so
it is never printed as one.
"""

from __future__ import annotations

from contracts.push_checks import final_status_is_pushed
from contracts.receiver import parse_listen
from contracts.recorder import RunRecorder
from contracts.target import Target
from okroute_model.push import PushKind, default_template

WILDCARDS = frozenset({"0.0.0.0", "::", ""})
PREFIX = "okroute push:"
RECEIVER = "push receiver"  # what a silent receiver leaves unjudged, in the run's results
THIS_HOST = "THIS-HOST"  # stands for an address the user must fill in
ANY_PORT = "PORT"


def public_base(listen: str, public_url: str = "", bound_port: int | None = None) -> str:
    """The base URL the platform pushes to: the public URL, else http://HOST:PORT."""
    if public_url:
        return public_url.rstrip("/")
    host, port = parse_listen(listen)
    port_text = str(bound_port or port or ANY_PORT)
    host = THIS_HOST if host in WILDCARDS else f"[{host}]" if ":" in host else host
    return f"http://{host}:{port_text}"


def template_lines(listen: str, public_url: str, accounts: list[str]) -> list[str]:
    """Lines for the user: where the receiver listens, then each account's DLR and MO template,
    then what is missing (a public URL for a wildcard address, a fixed port)."""
    base = public_base(listen, public_url)
    lines = [
        f"{PREFIX} the receiver listens on {listen}; before the run, set these URL templates on "
        f"{'every account' if len(accounts) > 1 else 'the account'} (the platform pushes there):"
    ]
    for account in accounts:
        for kind in PushKind:
            lines.append(
                f"{PREFIX}   {account} {kind.upper()}: {default_template(base, kind, account).text}"
            )
    if len(accounts) > 1:
        lines.append(
            f"{PREFIX} the second account's messages are followed too: its URLs must be set as "
            "well, or a correct platform fails the push rules"
        )
    host, port = parse_listen(listen)
    if not public_url and host in WILDCARDS:
        lines.append(
            f"{PREFIX} {host or '*'} listens on every interface and is no address to push to: "
            f"give --okroute-dlr-public-url http://ADDRESS:{port or ANY_PORT} ({THIS_HOST} above)"
        )
    if not port:
        lines.append(f"{PREFIX} port 0 picks a free port at the start: give a fixed port")
    return lines


# The check that finds messages with a final status and no push of it.
MISSING_CHECK = final_status_is_pushed.__name__.replace("_", "-")


def silence_lines(target: Target | None, recorder: RunRecorder) -> list[str]:
    """The verdict's own lines about a receiver that got nothing, or too little: a run whose
    platform never pushed must say so, not only fail a rule among others."""
    pushes = getattr(target, "pushes", None)
    if pushes is None or not recorder.push_coverage:
        return []
    lines = []
    if not pushes.pushes():
        lines.append(
            f"{PREFIX} NOTHING RECEIVED: the receiver at {pushes.url} got no push in the whole "
            "run; is every account's URL set to the templates printed at the start?"
        )
    missing = [v for v in recorder.violations if v["check"] == MISSING_CHECK and not v["warning"]]
    for v in missing[:1]:
        lines.append(f"{PREFIX} MISSING PUSHES after the wait: {v['problem']}")
    return lines


def judge_silence(target: Target | None, recorder: RunRecorder) -> None:
    """Push rules judged on no push at all were not checked: the verdict is at best incomplete
    (a receiver that got nothing never passes, even with the missing-push rule lowered)."""
    pushes = getattr(target, "pushes", None)
    if pushes is None or not recorder.push_coverage or pushes.pushes():
        return
    why = f"no push reached the receiver at {pushes.url}: the push rules were judged on nothing"
    recorder.not_judged(RECEIVER, why)
