"""The campaign's push receiver: its own process, a real async HTTP server (aiohttp).

    python -m loadtests.receiver --listen 0.0.0.0:8080 --username USER [--public-url URL]

Takes the platform's DLR and MO pushes at `/dlr/<account>` and `/mo/<account>` (any path works;
the account in it tells a foreign push), and each generator's report of what it submitted and
what its polling saw, at `/_receiver/submits`. `/_receiver/report?grace=SECONDS` waits until every
message has a final push or the grace period is over, then answers every generator's figures
(`loadtests.pushbook`), which the Locust master merges. The password (from the environment) is
only used to count pushes that carry it; it is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web

from contracts.receiver import make_handler, parse_listen, scripted, serve
from loadtests.pushbook import Matcher, PushBook, ReceiverReport
from okroute_mock.launch import ready_child, until_signalled, write_ready
from okroute_model.accounts import CredentialsMissing, from_env
from okroute_model.push import PushKind, default_template

CONTROL = "/_receiver"
MAX_GRACE = 600.0
LAST_REPORTS = 1.0  # seconds: two of the generators' report intervals


class ReceiverError(RuntimeError):
    """The receiver did not come up; the message says why."""


class ReceiverApp:
    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.received = 0
        self.started = time.time()
        self._push = make_handler(scripted(self._sink))

    def _sink(self, push) -> None:
        self.received += 1
        self.matcher.push(push)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if not request.path.startswith(CONTROL):
            return await self._push(request)  # type: ignore[misc]
        action = request.path[len(CONTROL) :].strip("/")
        if action == "submits" and request.method == "POST":
            try:
                data = json.loads(await request.read())
                generator = str(data["generator"])
                for at, groups in data.get("submits", []):
                    self.matcher.submitted(generator, float(at), groups)
                for message_id, status in data.get("polled", []):
                    self.matcher.polled(message_id, status)
            except (ValueError, KeyError, TypeError) as exc:
                return web.Response(status=400, text=f"not a submits report: {exc}")
            return web.Response(text="OK")
        if action == "report":
            try:
                grace = min(float(request.query.get("grace", "0")), MAX_GRACE)
            except ValueError:
                return web.Response(status=400, text="grace is a number of seconds")
            waited = await self._settle(grace)
            body = ReceiverReport(self.matcher.finish(), self.received, round(waited, 3))
            return web.json_response(dataclasses.asdict(body))
        if action == "live":  # a campaign's metrics endpoint, at each scrape
            return web.json_response(self.live())
        if action == "stats":
            return web.json_response(
                {"received": self.received, "open": self.matcher.open, "uptime_s": time.time()}
            )
        return web.Response(status=404, text=f"unknown: {request.path}")

    def live(self) -> dict:
        """The figures so far, every generator's book merged; cheap enough for each scrape."""
        books = [b.snapshot() for b in self.matcher.books.values()]
        book = PushBook.merged([*books, self.matcher.unmatched.snapshot()])
        return {"received": self.received, "open": self.matcher.open, "book": book.snapshot()}

    async def _settle(self, grace: float) -> float:
        """Wait until no message lacks a final push and no push waits for its submit, at most
        `grace` seconds; at least long enough for the generators' last reports to arrive."""
        started = time.monotonic()
        await asyncio.sleep(min(grace, LAST_REPORTS))
        matcher = self.matcher
        while (matcher.open or matcher.pending) and time.monotonic() - started < grace:
            await asyncio.sleep(0.1)
        return time.monotonic() - started


def templates(public_url: str, username: str) -> dict[PushKind, str]:
    """The DLR and MO URL templates to configure on the account."""
    return {k: default_template(public_url, k, username).text for k in PushKind}


async def _main(args: argparse.Namespace) -> None:
    host, port = parse_listen(args.listen)
    try:  # the password it counts leaks of, from the one reader of credentials
        passwords: tuple[str, ...] = (from_env().primary.password,)
    except CredentialsMissing:
        passwords = ()
    app = ReceiverApp(Matcher(args.username, passwords))
    runner, bound = await serve(app.handle, host, port)
    public = (args.public_url or f"http://{host}:{bound}").rstrip("/")
    ready = {"url": f"http://{host}:{bound}", "public_url": public, "pid": os.getpid()}
    ready |= {"templates": templates(public, args.username)}
    print(f"okroute push receiver listening on {ready['url']}", flush=True)
    for kind, template in ready["templates"].items():
        print(f"  {kind} URL template: {template}", flush=True)
    if args.ready_file:
        write_ready(args.ready_file, ready)
    await until_signalled()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtests.receiver", description=__doc__)
    p.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (0 picks a free port)")
    p.add_argument("--public-url", help="base URL the platform reaches this receiver at")
    p.add_argument("--username", default="", help="the campaign's account (foreign pushes)")
    p.add_argument("--ready-file", help="write the URLs here as JSON once listening")
    args = p.parse_args(argv)
    try:
        parse_listen(args.listen)
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:  # pragma: no cover
            runner = asyncio.run
        runner(_main(args))
    except (ValueError, OSError) as exc:
        print(f"okroute push receiver: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


@contextmanager
def launched_receiver(
    directory: Path, listen: str, username: str, public_url: str = ""
) -> Iterator[dict]:
    """The receiver as a child process; yields its ready data (url, public_url, templates).
    Like the mock, it outlives a Ctrl-C: the report asks it for the push figures."""
    directory.mkdir(parents=True, exist_ok=True)
    ready, log = directory / "receiver-ready.json", directory / "receiver.log"
    command = [sys.executable, "-m", "loadtests.receiver", "--listen", listen]
    command += ["--username", username, "--ready-file", str(ready)]
    if public_url:
        command += ["--public-url", public_url]
    with ready_child(command, ready, log, "the push receiver", ReceiverError) as (_, data):
        yield data


if __name__ == "__main__":
    sys.exit(main())
