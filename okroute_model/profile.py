"""Per-deployment knobs, loaded from TOML profiles.

The documented defaults live in one place, `okroute_model/profiles/default.toml`; a user's
profile is an overlay on top of it. Keys and types come from the default file, so a typo in a
profile is an error that names the key, not a silently ignored setting.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

DEFAULT_PROFILE = Path(__file__).resolve().parent / "profiles" / "default.toml"


class ProfileError(ValueError):
    """A profile that cannot be used, with the file and key it is about."""


@dataclass(frozen=True)
class PlatformKnobs:
    service_type_max_bytes: int
    plus_prefix: bool
    http_port: int
    https_port: int
    retention_seconds: float


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


@dataclass(frozen=True)
class CheckSettings:
    warn: list[str]


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
        from dataclasses import replace

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


def _coerce(value: Any, hint: Any, where: str) -> Any:
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
    return cls(**{k: _coerce(values[k], hints[k], f"{where}.{k}") for k in hints})


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
