"""Raw input, whatever its content (§3): never a 5xx (508 aside), never a dropped connection.

Last in the run, so that a probe that takes the platform down costs no other test its verdict.
Live, every probe goes over a raw socket on each transport (TLS verified with the target's CA);
offline, the probes that httpx can carry go through the respx fake, and the kinds that need a
real connection are skipped with the reason.
"""

from __future__ import annotations

import pytest

from contracts.robustness import SOCKET_ONLY, PlatformUnreachable, judge, probe_kind
from okroute_model.rawinput import RawInput

UNREACHABLE_EXIT = 4  # the code of every run that could not verify (the plugin's setup errors)


@pytest.mark.parametrize("kind", list(RawInput))
def test_raw_input(okroute, okroute_target, kind: RawInput, request: pytest.FixtureRequest) -> None:
    if not okroute_target.live and kind in SOCKET_ONLY:
        pytest.skip(f"offline: {kind} probes need a real socket ({SOCKET_ONLY[kind]}); live only")
    try:
        exchanges = probe_kind(okroute_target, kind)
    except PlatformUnreachable as exc:
        pytest.exit(
            f"okroute: the platform became unreachable at {request.node.nodeid}: {exc}",
            returncode=UNREACHABLE_EXIT,
        )
    okroute.recorder.exchanges += len(exchanges)
    assert exchanges, f"no {kind} probe was sent"
    judge(exchanges, okroute.ctx)
