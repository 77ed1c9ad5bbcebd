"""Every documented limit, just inside and just outside, before any random example."""

from __future__ import annotations

import pytest

from contracts.boundaries import boundary_cases
from contracts.strategies import Config
from okroute_model.environment import Env
from okroute_model.profile import load_profile
from okroute_model.secrets import Credentials

_NO_ROUTE_PLACEHOLDER = "0"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "boundary" in metafunc.fixturenames:
        knobs = load_profile(metafunc.config.getoption("okroute_profile")).platform
        sketch = Config(Credentials("u", "p"), knobs, "1")
        notes = [c.note for c in boundary_cases(sketch, _NO_ROUTE_PLACEHOLDER)]
        metafunc.parametrize("boundary", range(len(notes)), ids=notes)


def test_boundary(okroute, okroute_cfg, okroute_target, boundary: int) -> None:
    cases = boundary_cases(okroute_cfg, okroute_target.no_route_dnis)
    if boundary >= len(cases):
        pytest.skip(
            f"no number without a route is configured ({Env.NO_ROUTE_DNIS} or "
            f"{Env.NO_ROUTE_PREFIX}): the no-routes check did not run"
        )
    exchanges = okroute.all_variants(cases[boundary])
    # Every variant, or fewer where the plan says so (the cheapest case: one; a big case: once
    # per transport).
    assert len(exchanges) == len(okroute.variants(cases[boundary]))
    transports = len(okroute_target.transports)
    assert len(exchanges) in (3 * transports, transports, 1)
