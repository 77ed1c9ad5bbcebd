"""`okroute-mock`: an OKRoute platform on HTTP and HTTPS, for tests, rehearsals and load runs."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import tomllib
from pathlib import Path

from okroute_mock import push_options
from okroute_mock.breaks import BREAKS, parse_breaks
from okroute_mock.delivery import DEFAULT_MIX, DeliverySim, parse_mix
from okroute_mock.faults import FaultConfig, Faults, Latency
from okroute_mock.launch import until_signalled, write_ready
from okroute_mock.platform import Account, Platform, PlatformConfig
from okroute_mock.quirks import CHOICES, RandomPlatform, parse_flips
from okroute_mock.server import start
from okroute_mock.tls import DEFAULT_NAMES, default_state_dir, ensure_certificates
from okroute_model.environment import MOCK_NO_ROUTE_PREFIX, Env
from okroute_model.errors import NO_ROUTES
from okroute_model.exitcodes import Command, ExitCode, help_text, parse_args
from okroute_model.flags import Flag, add_flags
from okroute_model.params import PATH
from okroute_model.profile import ProfileError, load_profile
from okroute_model.rules import RULES
from okroute_model.units import argtype, parse_duration, parse_probability, parse_range

DEFAULT_ACCOUNTS = ("demo:demo-password", "demo2:demo2-password")


class UsageError(Exception):
    """A mistake in the command line or config file, told in one line."""


def _port(text: str) -> int | None:
    if text == "off":
        return None
    try:
        port = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a port (0 picks a free one)") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"{port} is not a port number")
    return port


_range, _duration = argtype(parse_range), argtype(parse_duration)
_latency, _probability, _port = argtype(Latency.parse), argtype(parse_probability), argtype(_port)


_DEMO = ", ".join(a.split(":")[0] for a in DEFAULT_ACCOUNTS)
EPILOG = f"""examples:
  okroute-mock
      HTTP on 8001 and HTTPS on 8002 (the profile's ports), accounts {_DEMO}
  okroute-mock --http-port 0 --https-port off --account load:SECRET --latency tail:2ms..200ms
      a free HTTP port, one account, a long-tailed latency
  okroute-mock --throttle-above 500 --retry-after 0.2 --break segment-num-integer
      a platform that throttles beyond 500 requests/s and breaks one contract rule

Without accounts it serves {_DEMO} (passwords in the README).
Counters (no numbers, texts or IDs) at /_mock/stats. SIGINT or SIGTERM stops it.

{help_text(Command.MOCK)}"""


# The options, in the order --help shows them: the platform's, then one table per group.
_GENERAL: tuple[Flag, ...] = (
    Flag("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"),
    Flag(
        "--http-port",
        type=_port,
        default=-1,
        help="HTTP port; 0 picks a free one; 'off' for none (default: the profile's, 8001)",
    ),
    Flag(
        "--https-port",
        type=_port,
        default=-1,
        help="HTTPS port; 0 picks a free one; 'off' for none (default: the profile's, 8002)",
    ),
    Flag("--profile", help="deployment profile (TOML) with the platform knobs (default: built in)"),
    Flag("--config", help="TOML file with [[accounts]] username/password tables (default none)"),
    Flag(
        "--account",
        action="append",
        default=[],
        metavar="USER:PASSWORD",
        help="an account, repeatable (default: the demo accounts, unless --config has some)",
    ),
    Flag(
        "--seed", type=int, default=0, help="seed of IDs, delivery stories and faults (default 0)"
    ),
    Flag(
        "--outcomes",
        default=DEFAULT_MIX,
        help=f"final status mix, STATUS=WEIGHT,... (default {DEFAULT_MIX})",
    ),
    Flag(
        "--accept-delay",
        type=_range,
        default=(0.5, 2.0),
        metavar="LOW..HIGH",
        help="duration until ACCEPTD, e.g. 500ms..2s (default 500ms..2s)",
    ),
    Flag(
        "--final-delay",
        type=_range,
        default=(2.0, 10.0),
        metavar="LOW..HIGH",
        help="duration from ACCEPTD to a final status (default 2s..10s)",
    ),
    Flag(
        "--ttl", type=_duration, help="status retention, a duration (default: the profile's, 24h)"
    ),
    Flag(
        "--max-stored",
        type=int,
        default=100_000,
        help="stored messages at most; the oldest go first (default 100000)",
    ),
    Flag(
        "--no-route-prefix",
        default=MOCK_NO_ROUTE_PREFIX,
        help=f"numbers with this prefix get {NO_ROUTES.text} (default {MOCK_NO_ROUTE_PREFIX})",
    ),
    Flag("--tls-dir", help=f"where the local CA and key live (default {default_state_dir()})"),
    Flag(
        "--tls-name",
        action="append",
        default=[],
        help="extra certificate name, repeatable (default: localhost and the --host address)",
    ),
    Flag(
        "--access-log",
        default="-",
        help="access log file (password masked), '-' for stdout, 'off' (default -)",
    ),
    Flag(
        "--ready-file", help="write the URLs and CA path here as JSON once listening (default none)"
    ),
)
_FAULTS: tuple[Flag, ...] = (
    Flag(
        "--latency",
        type=_latency,
        help="added latency: 5ms | 1ms..20ms | tail:5ms..500ms (median..p99) (default none)",
    ),
    Flag(
        "--latency-rate",
        type=_probability,
        default=1.0,
        help="probability 0..1 that a request gets the latency (default 1)",
    ),
    Flag(
        "--error-rate",
        type=_probability,
        default=0.0,
        help="probability 0..1 of a 5xx answer (default 0)",
    ),
    Flag("--error-status", type=int, default=503, help="status of those answers (default 503)"),
    Flag(
        "--throttle-rate",
        type=_probability,
        default=0.0,
        help="probability 0..1 of a throttling answer (default 0)",
    ),
    Flag(
        "--throttle-above",
        type=float,
        default=0.0,
        metavar="RATE",
        help="throttle every request beyond RATE requests/s, a capacity (default 0: no limit)",
    ),
    Flag(
        "--throttle-status",
        type=int,
        default=429,
        help="status of throttling answers: 429 or 503 (with Retry-After), or 403 (a "
        "'throughput exceeded' text) (default 429)",
    ),
    Flag(
        "--retry-after",
        type=float,
        default=1.0,
        help="seconds in the Retry-After of throttling answers (default 1)",
    ),
    Flag(
        "--drop-rate",
        type=_probability,
        default=0.0,
        help="probability 0..1 of a dropped connection (default 0)",
    ),
    Flag(
        "--truncate-rate",
        type=_probability,
        default=0.0,
        help="probability 0..1 that a 200 body is cut in half (default 0)",
    ),
    Flag(
        "--non-json-rate",
        type=_probability,
        default=0.0,
        help="probability 0..1 that a 200 body is an HTML page (default 0)",
    ),
    Flag(
        "--stall-every",
        type=_duration,
        default=0.0,
        metavar="DURATION",
        help="freeze all answers periodically, e.g. 10s (default 0: never)",
    ),
    Flag(
        "--stall-for",
        type=_duration,
        default=0.0,
        metavar="DURATION",
        help="how long each freeze lasts, e.g. 2s (default 0)",
    ),
)
_CONTRACT: tuple[Flag, ...] = (
    Flag(
        "--break",
        dest="breaks",
        action="append",
        default=[],
        metavar="NAME",
        help="violate one contract rule on purpose, repeatable (default none)",
    ),
    Flag("--list-breaks", action="store_true", help="list the faults and exit (default off)"),
    Flag(
        "--may-flip",
        action="append",
        default=[],
        metavar="POINT",
        help="give the other answer at a MAY point, 'all' for every one, repeatable (default none)",
    ),
    Flag(
        "--may-random",
        type=int,
        metavar="SEED",
        help="play a random correct platform: every MAY point and unknown knob drawn from SEED "
        "(default off)",
    ),
    Flag(
        "--describe",
        action="store_true",
        help="print what the platform does at every MAY point and its knobs (JSON), and exit "
        "(default off)",
    ),
    Flag("--list-may", action="store_true", help="list the MAY points and exit (default off)"),
    Flag(
        "--list-rules", action="store_true", help="list the contract rules and exit (default off)"
    ),
)
_GROUPS = (
    ("fault injection (each with a probability, seeded)", _FAULTS),
    ("contract faults and MAY choices", _CONTRACT),
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="okroute-mock",
        description="An OKRoute SMS platform on HTTP and HTTPS, built from the contract model.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_flags(p.add_argument, _GENERAL)
    for title, flags in _GROUPS:
        add_flags(p.add_argument_group(title).add_argument, flags)
    push_options.add_arguments(p)
    return p


def _accounts(args: argparse.Namespace) -> tuple[Account, ...]:
    specs = list(args.account)
    if args.config:
        try:
            with open(args.config, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"cannot read {args.config}: {exc}") from None
        for i, entry in enumerate(data.get("accounts", [])):
            if not isinstance(entry, dict) or not {"username", "password"} <= entry.keys():
                raise UsageError(f"{args.config}: accounts[{i}] needs username and password")
            specs.append(f"{entry['username']}:{entry['password']}")
    accounts = []
    for spec in specs or DEFAULT_ACCOUNTS:
        username, sep, password = spec.partition(":")
        if not sep or not username or not password:
            raise UsageError("an account is USER:PASSWORD, both non-empty")
        accounts.append(Account(username, password))
    if len({a.username for a in accounts}) != len(accounts):
        raise UsageError("two accounts share a username")
    return tuple(accounts)


def build(args: argparse.Namespace) -> tuple[Platform, Faults | None]:
    try:
        profile = load_profile(args.profile)
        mix = parse_mix(args.outcomes)
        breaks = parse_breaks(args.breaks)
        flips = parse_flips(args.may_flip)
        drawn = None
        if args.may_random is not None:
            if args.may_flip:
                raise UsageError("--may-random draws every MAY point: leave out --may-flip")
            platform_draw = RandomPlatform.draw(args.may_random, profile.platform)
            flips, drawn = platform_draw.flips, platform_draw.knobs
        fault_config = FaultConfig(
            latency=args.latency,
            latency_rate=args.latency_rate,
            error_rate=args.error_rate,
            error_status=args.error_status,
            throttle_rate=args.throttle_rate,
            throttle_status=args.throttle_status,
            retry_after=args.retry_after,
            drop_rate=args.drop_rate,
            truncate_rate=args.truncate_rate,
            non_json_rate=args.non_json_rate,
            stall_every=args.stall_every,
            stall_for=args.stall_for,
            throttle_above=args.throttle_above,
            seed=args.seed,
        )
        knobs = profile.platform
        if args.ttl is not None:
            from dataclasses import replace

            knobs = replace(knobs, retention_seconds=args.ttl)
        config = PlatformConfig(
            accounts=_accounts(args),
            knobs=knobs,
            sim=DeliverySim(args.seed, mix, args.accept_delay, args.final_delay),
            max_stored=args.max_stored,
            no_route_prefix=args.no_route_prefix,
            breaks=breaks,
            flips=flips,
            drawn=drawn,
            random_seed=args.may_random,
        )
        platform = Platform(config)
        platform.pushes = push_options.queue(
            args,
            {a.username: a.password for a in config.accounts},
            platform.store.get,
            breaks,
            args.max_stored,
        )
    except (ProfileError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    import time

    faults = Faults(fault_config, time.time()) if fault_config.active else None
    return platform, faults


def _list(args: argparse.Namespace) -> bool:
    if args.list_breaks:
        for b in BREAKS.values():
            print(f"{b.name:34} {RULES[b.rule].level:6} {b.rule:30} {b.summary}")
        return True
    if args.list_may:
        for name, (default, flipped) in CHOICES.items():
            print(f"{name:28} default: {default:28} flipped: {flipped}")
        return True
    if args.list_rules:
        for r in RULES.values():
            print(f"{r.name:32} {r.level:6} {r.section}  {r.summary}")
        return True
    return False


def _access_logger(target: str) -> logging.Logger | None:
    if target == "off":
        return None
    logger = logging.getLogger("okroute_mock.access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        handler = (
            logging.StreamHandler(sys.stdout) if target == "-" else logging.FileHandler(target)
        )
    except OSError as exc:
        raise UsageError(f"cannot write the access log {target}: {exc.strerror or exc}") from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    return logger


async def _serve(args: argparse.Namespace, platform: Platform, faults: Faults | None) -> None:
    profile = load_profile(args.profile)
    # -1: not given, take the profile's port; None: 'off'
    http_port = profile.platform.http_port if args.http_port == -1 else args.http_port
    https_port = profile.platform.https_port if args.https_port == -1 else args.https_port
    if http_port is None and https_port is None:
        raise UsageError("both listeners are off")
    tls = None
    if https_port is not None:
        names = tuple(dict.fromkeys((*DEFAULT_NAMES, args.host, *args.tls_name)))
        tls = ensure_certificates(
            Path(args.tls_dir) if args.tls_dir else default_state_dir(), names
        )
    try:
        listening = await start(
            platform,
            args.host,
            http_port,
            https_port,
            tls,
            faults,
            _access_logger(args.access_log),
            push_concurrency=args.push_concurrency,
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}: {exc.strerror or exc}") from None
    # Everything made so far lives as long as the process: keep it out of the collector's
    # full passes, which would otherwise pause every answer for milliseconds under load.
    gc.collect()
    gc.freeze()
    print("okroute-mock listening", flush=True)
    for transport, url in listening.urls.items():
        print(f"  {transport:5}  {url}{PATH}", flush=True)
    if listening.ca:
        print(f"  CA     {listening.ca}   (curl --cacert, {Env.CA_BUNDLE})", flush=True)
    print(f"  accounts: {', '.join(platform.accounts)}; stats: /_mock/stats", flush=True)
    if platform.pushes is not None:
        for line in push_options.describe(platform.pushes):
            print(line, flush=True)
    elif args.no_push:
        print("  push: never (--no-push), whatever URLs the accounts have", flush=True)
    if platform.breaks:
        print(f"  BROKEN on purpose: {', '.join(sorted(platform.breaks))}", flush=True)
    if platform.config.random_seed is not None:
        print(f"  behaviour: {json.dumps(platform.describe())}", flush=True)
    if args.ready_file:
        ready = {
            "urls": {str(t): u for t, u in listening.urls.items()},
            "ca": listening.ca,
            "pid": os.getpid(),
        }
        write_ready(args.ready_file, ready)
    await until_signalled()
    await listening.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(parser(), argv)
    if _list(args):
        return 0
    try:
        platform, faults = build(args)
        if args.describe:
            print(json.dumps(platform.describe(), indent=2))
            return 0
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:  # pragma: no cover - uvloop is Linux/macOS only
            runner = asyncio.run
        runner(_serve(args, platform, faults))
    except UsageError as exc:
        print(f"okroute-mock: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except OSError as exc:  # a folder or file it cannot write or read: one line, not a traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"okroute-mock: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
