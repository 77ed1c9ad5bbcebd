"""The options of a load campaign, defined once.

Locust gets them as `--okroute-*` arguments (so `locust -f loadtests/locustfile.py` and its web UI
know them, and a master hands them to its workers); `okroute-load` offers the same options without
the prefix. Credentials are never options: they come from the environment
(`okroute_model.environment.Env`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loadtests import metrics
from loadtests.pacer import parse_arrival
from loadtests.thresholds import METRICS, PUSH_MISSING, SCOPES, parse_all
from loadtests.traffic import MESSAGE_KINDS, STREAMS
from okroute_model.environment import PREFIX_RULE, Env, valid_prefix
from okroute_model.units import argtype, format_duration, parse_duration, parse_range, parse_weights

PREFIX = "okroute-"


@dataclass(frozen=True)
class Option:
    name: str  # without the prefix, e.g. "model"
    default: Any
    help: str
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None
    repeat: bool = False  # may be given several times

    @property
    def dest(self) -> str:
        return (PREFIX + self.name).replace("-", "_")


def parse_share(text: str) -> float:
    """`"1%"` or `"0.01"` into a fraction between 0 and 1."""
    text = str(text).strip()
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a share: write e.g. 1% or 0.01") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{text!r}: a share is between 0% and 100%")
    return value


OPTIONS: tuple[Option, ...] = (
    Option(
        "model",
        "closed",
        "workload model: closed (users with wait times) or open (an arrival rate, requests/s)",
        choices=("closed", "open"),
    ),
    Option(
        "arrival",
        "constant:200",
        "open model, in requests/s: constant:R | poisson:R | ramp:R1..R2 | "
        "spike:R1..R2@AT+FOR | soak:R",
    ),
    Option(
        "wait", "0..0.05", "closed model: pause between one user's requests, LOW..HIGH durations"
    ),
    Option("mix", "submit=1,query=1", "stream weights over submit, query, mo"),
    Option(
        "variants",
        "GET=1,POST-url=1,POST-body=1",
        "submit variant weights: GET, POST-url, POST-body",
    ),
    Option("transports", "http=1,https=1", "transport weights (only those with a URL count)"),
    Option(
        "messages",
        "short=60,long=20,ucs2=15,multi=5",
        "message mix weights: short GSM-7, long split, UCS-2, several numbers",
    ),
    Option("https-host", "", "HTTPS base URL (the HTTP one is --host); empty: none"),
    Option(
        "ca-bundle",
        "",
        f"PEM file of a private CA, TLS verification stays on (env {Env.CA_BUNDLE})",
    ),
    Option("dnis-prefix", "", f"every destination number starts with it (env {Env.DNIS_PREFIX})"),
    Option("ani", "", f"sender ID (env {Env.ANI}); empty sends none"),
    Option(
        "max-messages", 100_000, "hard cap on destination numbers submitted in the run", type=int
    ),
    Option(
        "check-rate",
        1.0,
        "share 0..1 of answers run through every contract check (status codes: always)",
        type=float,
    ),
    Option(
        "dlr-timeout",
        60.0,
        "duration an ID is followed before it is given up on",
        type=parse_duration,
    ),
    Option(
        "max-in-flight", 1000, "open model: requests in flight before sends are dropped", type=int
    ),
    Option(
        "max-dropped",
        0.01,
        "open model: share of due sends dropped (in-flight cap) that makes the run INVALID",
        type=parse_share,
    ),
    Option(
        "max-late",
        0.05,
        "open model: share of due sends started late or never that makes the run INVALID",
        type=parse_share,
    ),
    Option(
        "max-held",
        0.05,
        "open model: share of due sends held back by throttling that makes the run INVALID",
        type=parse_share,
    ),
    Option(
        "slo",
        [],
        "threshold such as 'submit:p99<250ms' or 'dlr:p95<1m:abort-after=30s' (repeatable; "
        f"default errors<1%; with --dlr-listen {PUSH_MISSING}<1% too, unless an SLO judges "
        f"{PUSH_MISSING}; metrics {' '.join(METRICS)}; scopes {' '.join(SCOPES)})",
        repeat=True,
    ),
    Option("progress", 5.0, "duration between progress lines; 0 for none", type=parse_duration),
    Option("campaign", "", "report folder name under the reports folder (default: a timestamp)"),
    Option("reports", "reports", "folder the campaign folders go in"),
    Option("seed", 0, "seed of the traffic plan and Poisson arrivals", type=int),
    Option(
        "push-receiver",
        "",
        "control URL of the push receiver (python -m loadtests.receiver); empty: none",
    ),
    Option(
        "push-grace",
        30.0,
        "duration the end of the run waits for late pushes before counting them missing",
        type=parse_duration,
    ),
    Option(
        "metrics-listen",
        "",
        "serve the live figures for Prometheus at http://HOST:PORT/metrics (on the master; "
        "default none)",
        type=metrics.listen_address,
    ),
    Option(
        "metrics-linger",
        0.0,
        f"duration the final figures stay on the metrics endpoint after the report, for a last "
        f"scrape (at most {metrics.MAX_LINGER:g}s; default 0s)",
        type=metrics.linger,
    ),
)
DEFAULT_SLOS = ["errors<1%"]
# With a push receiver the user asked for (okroute-load --dlr-listen), a platform that never
# pushes must not PASS: missing pushes (messages with no push of a final status by the end of
# --push-grace) are judged unless an SLO already does.
DEFAULT_PUSH_SLO = f"{PUSH_MISSING}<1%"
FINAL_WAIT = 30.0  # seconds a Locust master waits for its workers' last figures at the end


def register(parser: Any, prefix: str = PREFIX, locust: bool = True) -> None:
    """Add the options to Locust's parser (`prefix="okroute-"`) or to okroute-load's (`""`)."""
    for option in OPTIONS:
        kwargs: dict[str, Any] = {
            "help": _help(option),
            "dest": option.dest,
            "metavar": option.name.upper().replace("-", "_"),
        }
        if option.repeat:
            kwargs |= {"action": "append", "default": None}
        else:
            kwargs |= {"default": option.default, "type": argtype(option.type)}
        if option.choices:
            kwargs["choices"] = option.choices
        if locust:
            kwargs["include_in_web_ui"] = not option.repeat
        parser.add_argument(f"--{prefix}{option.name}", **kwargs)


def _shown(option: Option) -> str:
    if option.repeat or "default" in option.help:
        return ""  # the help says what an empty list means
    if option.type is parse_duration:
        return f" (default {format_duration(option.default) if option.default else '0'})"
    if option.type is parse_share:
        return f" (default {option.default:.0%})"
    return f" (default {option.default if option.default != '' else 'empty'})"


def _help(option: Option) -> str:
    """One line: what it is, its unit, its default; `%` escaped for argparse."""
    return (option.help + _shown(option)).replace("%", "%%")


def as_locust_args(values: dict[str, Any]) -> list[str]:
    """Parsed values back into `--okroute-*` arguments for a Locust command line."""
    args = []
    for option in OPTIONS:
        value = values.get(option.dest)
        if option.repeat:
            for item in value or []:
                args.append(f"--{PREFIX}{option.name}={item}")
        elif value is not None and value != option.default:
            args.append(f"--{PREFIX}{option.name}={value}")
    return args


@dataclass(frozen=True)
class Settings:
    """Validated campaign settings, read from parsed options and the environment."""

    model: str
    arrival: str
    wait: tuple[float, float]
    mix: dict[str, float]
    variants: dict[str, float]
    transports: dict[str, float]
    messages: dict[str, float]
    https_host: str
    ca_bundle: str
    dnis_prefix: str
    ani: str
    max_messages: int
    check_rate: float
    dlr_timeout: float
    max_in_flight: int
    max_dropped: float
    max_late: float
    max_held: float
    slos: list[str]
    progress: float
    campaign: str
    reports: str
    seed: int
    push_receiver: str = ""
    push_grace: float = 30.0


def with_push_slo(slos: list[str]) -> list[str]:
    """`slos` and the default push SLO, unless one of them judges missing pushes already."""
    if any(t.metric == PUSH_MISSING for t in parse_all(slos)):
        return slos
    return [*slos, DEFAULT_PUSH_SLO]


def settings(
    values: dict[str, Any], run_time: float, env: dict[str, str] | None = None, flag: str = PREFIX
) -> Settings:
    """Check every option; a ValueError names the one that is wrong, as `--{flag}NAME`."""
    env = dict(os.environ) if env is None else env
    get = {o.name: values.get(o.dest, o.default) for o in OPTIONS}
    mix = parse_weights(get["mix"], STREAMS, "mix")
    if mix["query"] and not mix["submit"]:
        raise ValueError("mix: status queries follow this run's submits, so submit needs weight")
    slos = get["slo"] or DEFAULT_SLOS
    parse_all(slos)
    if get["model"] == "open":
        parse_arrival(get["arrival"], max(run_time, 1.0))
    for name in ("check-rate",):
        if not 0 <= get[name] <= 1:
            raise ValueError(f"{name} is a share between 0 and 1")
    for name in ("dlr-timeout", "progress"):
        if get[name] < 0:
            raise ValueError(f"{name} must not be negative")
    for name in ("max-messages", "max-in-flight", "push-grace"):
        if get[name] < 0:
            raise ValueError(f"{name} must not be negative")
    prefix = get["dnis-prefix"] or env.get(Env.DNIS_PREFIX, "")
    if not valid_prefix(prefix):
        raise ValueError(
            f"set a destination number prefix (--{flag}dnis-prefix or {Env.DNIS_PREFIX}): "
            f"{PREFIX_RULE} every test number starts with"
        )
    return Settings(
        model=get["model"],
        arrival=get["arrival"],
        wait=parse_range(get["wait"]),
        mix=mix,
        variants=parse_weights(get["variants"], ("GET", "POST-url", "POST-body"), "variants"),
        transports=parse_weights(get["transports"], ("http", "https"), "transports"),
        messages=parse_weights(get["messages"], MESSAGE_KINDS, "messages"),
        https_host=get["https-host"],
        ca_bundle=get["ca-bundle"] or env.get(Env.CA_BUNDLE, ""),
        dnis_prefix=prefix,
        ani=get["ani"] or env.get(Env.ANI, ""),
        max_messages=get["max-messages"],
        check_rate=get["check-rate"],
        dlr_timeout=get["dlr-timeout"],
        max_in_flight=get["max-in-flight"],
        max_dropped=get["max-dropped"],
        max_late=get["max-late"],
        max_held=get["max-held"],
        slos=slos,
        progress=get["progress"],
        campaign=get["campaign"],
        reports=get["reports"],
        seed=get["seed"],
        push_receiver=get["push-receiver"],
        push_grace=get["push-grace"],
    )
