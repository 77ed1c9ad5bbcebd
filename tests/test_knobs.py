"""Knobs: unset in the profile, the suite judges what every value shares; set, it judges exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.boundaries import boundary_cases
from contracts.strategies import Config
from okroute_model.profile import Knob, load_profile
from okroute_model.secrets import Credentials
from tests.helpers import run_contracts, running_mock


def _profile(directory: Path, **platform: object) -> Path:
    path = directory / "knobs.toml"
    lines = ["[platform]"] + [f"{k} = {json.dumps(v)}" for k, v in platform.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_unset_knobs_are_unknown_and_set_ones_are_values(tmp_path: Path) -> None:
    assert load_profile().platform.unknown() == tuple(Knob)
    knobs = load_profile(_profile(tmp_path, service_type_max_bytes=8, plus_prefix=False)).platform
    assert knobs.unknown() == ()
    assert (knobs.service_type_accepted, knobs.service_type_rejected_over) == (8, 8)
    unknown = load_profile().platform
    assert (unknown.service_type_accepted, unknown.service_type_rejected_over) == (6, 9)


def test_boundaries_follow_what_is_known(tmp_path: Path) -> None:
    def notes(**platform: object) -> list[str]:
        knobs = load_profile(_profile(tmp_path, **platform) if platform else None).platform
        return [c.note for c in boundary_cases(Config(Credentials("u", "p"), knobs, "1"))]

    unknown = notes()
    assert "serviceType of 6 bytes" in unknown and "serviceType of 10 bytes" in unknown
    assert not any("'+'" in n for n in unknown)  # recorded by the fingerprint, never judged
    known = notes(service_type_max_bytes=9, plus_prefix=True)
    assert "serviceType of 9 bytes" in known and "a leading '+' (accepted)" in known


@pytest.mark.slow
@pytest.mark.parametrize(
    ("platform", "rule"),
    [
        ({"service_type_max_bytes": 6}, "submit.service-type-limit"),  # the mock takes 9
        ({"plus_prefix": True}, "request.valid-accepted"),  # the mock refuses a '+'
    ],
)
def test_a_knob_set_in_the_profile_is_judged_exactly(tmp_path: Path, platform, rule) -> None:
    reports = tmp_path / "reports"
    with running_mock(tmp_path / "mock") as mock:
        result = run_contracts(
            mock,
            reports,
            "-k",
            "boundary",
            "--okroute-profile",
            str(_profile(tmp_path, **platform)),
        )
    results = json.loads((reports / "contract-results.json").read_text())
    assert result.returncode == 1 and rule in results["failed_rules"], result.stdout[-3000:]
