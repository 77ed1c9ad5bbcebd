"""Per-deployment knobs, loaded from TOML profiles.

The documented defaults live in one place, `okroute_model/profiles/default.toml`; a user's
profile is an overlay on top of it. Keys and types come from the default file, so a typo in a
profile is an error that names the key, not a silently ignored setting.
"""

from __future__ import annotations

import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, get_type_hints

from okroute_model.params import SERVICE_TYPE_READINGS

DEFAULT_PROFILE = Path(__file__).resolve().parent / "profiles" / "default.toml"


class ProfileError(ValueError):
    """A profile that cannot be used, with the file and key it is about."""


class Knob(StrEnum):
    """The knobs where deployments differ in behaviour. Unset in a profile, each is unknown."""

    SERVICE_TYPE_MAX_BYTES = "service_type_max_bytes"
    PLUS_PREFIX = "plus_prefix"


@dataclass(frozen=True)
class PlatformKnobs:
    # None: the profile does not set it. The suite then judges only what holds for every value
    # it may take, and the fingerprint reports the value it observed (contract preamble, §3).
    service_type_max_bytes: int | None
    plus_prefix: bool | None
    http_port: int
    https_port: int
    retention_seconds: float

    @property
    def service_type_accepted(self) -> int:
        """The longest serviceType every reading accepts, in bytes."""
        known = self.service_type_max_bytes
        return SERVICE_TYPE_READINGS[0] if known is None else known

    @property
    def service_type_rejected_over(self) -> int:
        """Over this many bytes, every reading rejects a serviceType."""
        known = self.service_type_max_bytes
        return SERVICE_TYPE_READINGS[-1] if known is None else known

    def unknown(self) -> tuple[Knob, ...]:
        return tuple(k for k in Knob if getattr(self, k) is None)

    def filled(self, values: Mapping[Knob, Any]) -> PlatformKnobs:
        """These knobs with each unknown one taken from `values` (a platform's own settings)."""
        return replace(self, **{k.value: values[k] for k in self.unknown()})


@dataclass(frozen=True)
class TargetSettings:
    http_url: str
    https_url: str
    ca_bundle: str
    dnis_prefix: str
    no_route_dnis: str
    no_route_prefix: str
    ani: str
    max_messages: int
    rate: float
    final_status_timeout: float
    push_listen: str  # HOST:PORT of the contract run's push receiver; empty: none
    push_public_url: str = ""  # base URL the platform reaches that receiver at; empty: HOST:PORT


@dataclass(frozen=True)
class CheckSettings:
    warn: list[str]
    known: str  # a file of accepted findings (contracts.known), relative to the profile; "" none


@dataclass(frozen=True)
class LoadSmoke:
    rate: float
    duration: float
    mix: str
    slo: list[str]


@dataclass(frozen=True)
class CompareSettings:
    latency_increase: float
    throughput_decrease: float
    fingerprint_change: str


@dataclass(frozen=True)
class Profile:
    platform: PlatformKnobs
    target: TargetSettings
    checks: CheckSettings
    load: LoadSmoke
    compare: CompareSettings
    source: str  # which file(s) it came from, for messages

    def replace_section(self, name: str, **changes: Any) -> Profile:
        return replace(self, **{name: replace(getattr(self, name), **changes)})


_SECTIONS = {f.name: f for f in fields(Profile) if f.name != "source"}


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ProfileError(f"profile {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {path} is not valid TOML: {exc}") from None


def _optional(hint: Any) -> Any:
    """The inner type of `T | None`; None for a hint that is not optional."""
    if isinstance(hint, types.UnionType) and type(None) in hint.__args__:
        return next(a for a in hint.__args__ if a is not type(None))
    return None


def _coerce(value: Any, hint: Any, where: str) -> Any:
    hint = _optional(hint) or hint
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    origin = getattr(hint, "__origin__", hint)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{where} must be a list of strings, not {value!r}")
        return list(value)
    if not isinstance(value, origin) or (origin is int and isinstance(value, bool)):
        raise ProfileError(f"{where} must be {origin.__name__}, not {value!r}")
    return value


def _section(cls: type, values: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    unknown = set(values) - set(hints)
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(hints)}")
    missing = {k for k in hints if k not in values and _optional(hints[k]) is None}
    if missing:
        raise ProfileError(f"{where}: missing key(s) {sorted(missing)}")
    # An optional key that no file sets stays None: unknown, not a default.
    return cls(
        **{k: _coerce(values[k], hints[k], f"{where}.{k}") if k in values else None for k in hints}
    )


def load_profile(path: str | Path | None = None) -> Profile:
    """The default profile, overlaid with `path` when one is given."""
    merged = _read(DEFAULT_PROFILE)
    source = str(DEFAULT_PROFILE)
    if path:
        overlay = _read(Path(path))
        source = str(path)
        for name, values in overlay.items():
            if isinstance(values, dict) and {"username", "password"} & values.keys():
                raise ProfileError(
                    f"{path} [{name}]: credentials never go in a profile; set "
                    "OKROUTE_USERNAME and OKROUTE_PASSWORD in the environment"
                )
            if name not in merged or not isinstance(values, dict):
                raise ProfileError(f"{path}: unknown section [{name}]; known: {sorted(merged)}")
            merged[name] = {**merged[name], **values}
    extra = set(merged) - set(_SECTIONS)
    if extra:
        raise ProfileError(f"{source}: unknown section(s) {sorted(extra)}")
    hints = get_type_hints(Profile)
    sections = {
        name: _section(hints[name], merged.get(name, {}), f"{source} [{name}]")
        for name in _SECTIONS
    }
    profile = Profile(source=source, **sections)
    if profile.compare.fingerprint_change not in ("warn", "fail"):
        raise ProfileError(f"{source} [compare] fingerprint_change is 'warn' or 'fail'")
    return profile
