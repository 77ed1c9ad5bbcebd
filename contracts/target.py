"""Which platform the suite talks to: the offline respx fake, or a live endpoint.

Live settings come from command-line options, then the environment, then the profile; credentials
only ever from the environment. A live run refuses to start without a number prefix: it must never
send to numbers nobody configured.
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.inspect_requests import suite_inspector
from contracts.pushes import PushCollector, offline_collector
from okroute_mock.delivery import DeliverySim
from okroute_mock.fake import OFFLINE_URLS, ManualClock, RespxFake
from okroute_mock.platform import Platform, PlatformConfig
from okroute_mock.push import PushPolicy, PushQueue
from okroute_model.accounts import Accounts, CredentialsMissing, from_env, known
from okroute_model.environment import (
    ENV_BY_KEY,
    OFFLINE_DNIS_PREFIX,
    OFFLINE_NO_ROUTE_PREFIX,
    PREFIX_RULE,
    valid_prefix,
)
from okroute_model.params import PATH
from okroute_model.profile import Knob, PlatformKnobs, Profile
from okroute_model.push import PushKind, default_template
from okroute_model.secrets import Credentials
from okroute_model.wire import Transport

ENV = ENV_BY_KEY
OFFLINE_RECEIVER = "http://receiver.okroute.invalid"  # never resolved: the fake pushes in process


def tls_verification(ca_bundle: str | None) -> ssl.SSLContext:
    """Verification always on: the system trust store, or a private CA's bundle."""
    return (
        ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    )


class TargetError(ValueError):
    """A target that cannot be used; the message says what to set."""


@dataclass
class Target:
    live: bool
    urls: dict[Transport, str]
    primary: Credentials
    secondary: Credentials | None
    knobs: PlatformKnobs
    dnis_prefix: str
    no_route_dnis: str | None
    ani: str | None
    max_messages: int
    rate: float
    final_status_timeout: float
    ca_bundle: str | None = None
    no_route_prefix: str | None = None  # numbers under it have no route: they cost no budget
    fake: object | None = None  # okroute_mock.fake.RespxFake when offline
    clock: object | None = None  # okroute_mock.fake.ManualClock when offline
    pushes: PushCollector | None = None  # DLR and MO pushes received, when a receiver is set

    @property
    def transports(self) -> list[Transport]:
        return [t for t in Transport if t in self.urls]

    def wait(self, seconds: float) -> None:
        """Let platform time pass: the fake's clock moves, a live platform is waited for."""
        if self.clock is not None:
            self.clock.advance(seconds)  # type: ignore[attr-defined]
        else:
            time.sleep(seconds)
        if self.pushes is not None:
            self.pushes.poll()

    def now(self) -> float:
        """Platform time in seconds: the fake's clock offline, a monotonic clock live."""
        if self.clock is not None:
            return self.clock()  # type: ignore[operator]
        return time.monotonic()

    def describe(self) -> str:
        where = ", ".join(f"{t}: {u}" for t, u in self.urls.items())
        kind = "live" if self.live else "offline (respx fake)"
        return f"{kind} — {where}; account {self.primary.username}; budget {self.max_messages}"


def _pick(
    options: Mapping[str, object], env: Mapping[str, str], key: str, default: object
) -> object:
    value = options.get(key)
    if value not in (None, ""):
        return value
    if env.get(ENV[key], "") != "":
        return env[ENV[key]]
    return default


def _number(raw: object, name: str, kind: type) -> float | int:
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise TargetError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise TargetError(f"{name} must not be negative")
    return value


def _url(raw: str, transport: Transport, source: str) -> str:
    url = raw.rstrip("/")
    url = url.removesuffix(PATH)
    if not url.startswith(f"{transport}://"):
        raise TargetError(f"{source} must start with {transport}://, not {raw!r}")
    return url


def wants_live(options: Mapping[str, object], env: Mapping[str, str], profile: Profile) -> bool:
    return bool(
        _pick(options, env, "http_url", profile.target.http_url)
        or _pick(options, env, "https_url", profile.target.https_url)
    )


def live_target(
    options: Mapping[str, object], profile: Profile, env: Mapping[str, str] | None = None
) -> Target:
    env = os.environ if env is None else env
    t = profile.target
    urls = {}
    for transport, key, flag in (
        (Transport.HTTP, "http_url", "--okroute-url"),
        (Transport.HTTPS, "https_url", "--okroute-https-url"),
    ):
        raw = str(_pick(options, env, key, getattr(t, key)))
        if raw:
            urls[transport] = _url(raw, transport, f"{flag} / {ENV[key]}")
    try:
        accounts = from_env(env)
    except CredentialsMissing as exc:
        raise TargetError(f"a live run needs credentials: {exc}") from None
    prefix = str(_pick(options, env, "dnis_prefix", t.dnis_prefix))
    if not valid_prefix(prefix):
        raise TargetError(
            f"a live run sends real SMS: set {ENV['dnis_prefix']} (or [target] dnis_prefix) to the "
            f"digits every test number starts with ({PREFIX_RULE})"
        )
    ca = os.path.expanduser(str(_pick(options, env, "ca_bundle", t.ca_bundle))) or None
    if ca and not os.path.isfile(ca):
        raise TargetError(f"the CA bundle {ca} does not exist")
    no_route = str(_pick(options, env, "no_route_dnis", t.no_route_dnis)) or None
    no_route_prefix = str(_pick(options, env, "no_route_prefix", t.no_route_prefix)) or None
    if no_route_prefix is not None and not valid_prefix(no_route_prefix):
        raise TargetError(
            f"{ENV['no_route_prefix']} must be {PREFIX_RULE}, not {no_route_prefix!r}"
        )
    if no_route_prefix and prefix.startswith(no_route_prefix):
        raise TargetError(
            f"{ENV['no_route_prefix']} {no_route_prefix} covers every test number under "
            f"{ENV['dnis_prefix']} {prefix}: no valid request could be delivered"
        )
    if no_route is None and no_route_prefix:
        no_route = number_under(no_route_prefix)  # the prefix serves the no-routes check too
    return Target(
        live=True,
        urls=urls,
        primary=accounts.primary,
        secondary=accounts.secondary,
        knobs=profile.platform,
        dnis_prefix=prefix,
        no_route_dnis=no_route,
        ani=str(_pick(options, env, "ani", t.ani)) or None,
        max_messages=int(
            _number(_pick(options, env, "max_messages", t.max_messages), ENV["max_messages"], int)
        ),
        rate=float(_number(_pick(options, env, "rate", t.rate), ENV["rate"], float)),
        final_status_timeout=t.final_status_timeout,
        ca_bundle=ca,
        no_route_prefix=no_route_prefix,
    )


def number_under(prefix: str, digits: int = 12) -> str:
    """A number under `prefix`, with at least three digits after it."""
    return prefix + "1".rjust(max(digits - len(prefix), 3), "0")


def offline_target(
    profile: Profile,
    breaks: frozenset[str] = frozenset(),
    flips: frozenset[str] = frozenset(),
    seed: int = 0,
    drawn: dict[Knob, Any] | None = None,
    inspect: bool = True,
) -> Target:
    """The respx fake: two accounts, a manual clock, no route under `OFFLINE_NO_ROUTE_PREFIX`.

    `drawn`: knob values of a random platform. `inspect`: fail a request of the suite that does
    not carry what its case claims (off for the fingerprint, whose probes are MAY points).
    """
    primary = Credentials("qa-offline", "offline-Pa55word-1")
    secondary = Credentials("qa-offline-2", "offline-Pa55word-2")
    known(Accounts(primary, secondary))
    clock = ManualClock()
    platform = Platform(
        PlatformConfig(
            accounts=tuple((primary, secondary)),
            knobs=profile.platform,
            sim=DeliverySim(seed, accept_delay=(1.0, 3.0), final_delay=(2.0, 20.0)),
            no_route_prefix=OFFLINE_NO_ROUTE_PREFIX,
            breaks=breaks,
            flips=flips,
            drawn=drawn,
        ),
        clock=clock,
    )
    # The fake pushes too, to a receiver that is only a name: the queue is drained in process.
    policies = {
        c.username: PushPolicy(
            dlr_url=default_template(OFFLINE_RECEIVER, PushKind.DLR, c.username).text,
            mo_url=default_template(OFFLINE_RECEIVER, PushKind.MO, c.username).text,
        )
        for c in (primary, secondary)
    }
    passwords = {c.username: c.password for c in (primary, secondary)}
    queue = PushQueue(policies, passwords, platform.store.get, breaks=breaks)
    platform.pushes = queue
    return Target(
        live=False,
        urls=dict(OFFLINE_URLS),
        primary=primary,
        secondary=secondary,
        knobs=profile.platform,
        dnis_prefix=OFFLINE_DNIS_PREFIX,
        no_route_dnis=OFFLINE_NO_ROUTE_PREFIX + "12345678",
        ani=None,
        max_messages=10**9,
        rate=0.0,
        final_status_timeout=120.0,
        no_route_prefix=OFFLINE_NO_ROUTE_PREFIX,
        fake=RespxFake(platform, inspect=suite_inspector(platform.diagnose) if inspect else None),
        clock=clock,
        pushes=offline_collector(queue, clock),
    )
