"""Every open point of the contract is a MAY point: flipped in the mock, probed on purpose.

Each flip changes exactly its own line of the behaviour fingerprint, so that a fingerprint
difference between two correct platforms names what differs, once. Random correct platforms
(`okroute-mock --may-random SEED`) are drawn independently per point and per unknown knob.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from contracts import fingerprint
from contracts.client import ContractClient
from contracts.strategies import Config
from contracts.target import offline_target
from okroute_mock.quirks import CHOICES, RandomPlatform
from okroute_model.exitcodes import ExitCode
from okroute_model.may import KNOB_POINTS, MAY_POINTS, May
from okroute_model.profile import Knob, load_profile

PROFILE = load_profile()


def offline_fingerprint(flips: frozenset[May] = frozenset(), drawn=None) -> dict[str, str]:
    target = offline_target(PROFILE, flips=flips, drawn=drawn, inspect=False)
    cfg = Config(target.primary, target.knobs, target.dnis_prefix)
    client = ContractClient(target)
    try:
        return fingerprint.take(client, cfg, target.secondary)
    finally:
        client.close()


@cache
def default_fingerprint() -> dict[str, str]:
    return offline_fingerprint()


def test_every_point_but_the_passive_ones_has_a_flip() -> None:
    assert set(CHOICES) | set(fingerprint.PASSIVE) == set(May)
    assert len(CHOICES) >= 33


def test_each_knob_is_a_may_point_while_unset() -> None:
    assert set(KNOB_POINTS) == set(Knob)
    assert set(PROFILE.platform.unknown()) == set(Knob)  # the default profile asserts neither


@pytest.mark.parametrize("point", list(CHOICES))
def test_a_flip_changes_its_own_fingerprint_line_and_no_other(point: May) -> None:
    before, after = default_fingerprint(), offline_fingerprint(frozenset({point}))
    changed = {p for p in MAY_POINTS if before.get(p) != after.get(p)}
    assert changed == {point}, (point, {p: (before.get(p), after.get(p)) for p in changed})


def test_random_platforms_draw_each_point_and_knob() -> None:
    draws = [RandomPlatform.draw(seed, PROFILE.platform) for seed in range(1, 21)]
    assert RandomPlatform.draw(7, PROFILE.platform) == draws[6]  # seeded
    for point in CHOICES:
        if MAY_POINTS[point].knob is None:
            assert {point in d.flips for d in draws} == {True, False}, point
    for knob in Knob:
        assert len({d.knobs[knob] for d in draws}) > 1, knob


def test_a_knob_the_profile_sets_is_not_drawn() -> None:
    from dataclasses import replace

    knobs = replace(PROFILE.platform, plus_prefix=True)
    assert Knob.PLUS_PREFIX not in RandomPlatform.draw(1, knobs).knobs


@pytest.mark.parametrize("seeds", [(1, 2), (3, 4), (5, 6)])
def test_two_random_platforms_differ_in_the_fingerprint_where_their_descriptions_do(
    seeds: tuple[int, int],
) -> None:
    prints, described = [], []
    for seed in seeds:
        draw = RandomPlatform.draw(seed, PROFILE.platform)
        target = offline_target(PROFILE, flips=draw.flips, drawn=draw.knobs, inspect=False)
        described.append(target.fake.platform.describe())  # type: ignore[attr-defined]
        prints.append(offline_fingerprint(draw.flips, draw.knobs))
    expected = {p for p, v in described[0]["may"].items() if described[1]["may"][p] != v}
    changed = {p for p in MAY_POINTS if prints[0].get(p) != prints[1].get(p)}
    assert expected and changed == expected


def test_the_mock_describes_a_random_platform(capsys) -> None:
    from okroute_mock import cli

    assert cli.main(["--may-random", "5", "--describe"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["seed"] == 5 and set(described["may"]) == set(CHOICES)
    assert set(described["knobs"]) == {str(k) for k in Knob}
    assert cli.main(["--may-random", "5", "--may-flip", "all"]) == ExitCode.USAGE
    assert "leave out --may-flip" in capsys.readouterr().err


def test_two_platforms_that_differ_only_in_id_shape_are_told_apart_by_that_point() -> None:
    """What okroute-verify's baseline comparison says of two such platforms: that one point."""
    from okroute_verify.compare import fingerprint_differences

    before = default_fingerprint()
    after = offline_fingerprint(frozenset({May.ID_SHAPE}))
    differences = fingerprint_differences(before, after, PROFILE.compare)
    assert [(d.kind, d.subject) for d in differences] == [("fingerprint", May.ID_SHAPE)]
    assert differences[0].before == "35 characters, 8-8-8-8 (lowercase hex)"
    assert differences[0].after == "22 characters, alss-8-8 (lowercase hex)"
