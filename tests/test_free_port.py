"""`okroute_mock.launch.free_port`: a port for a child to listen on, drawn below the kernel's
ephemeral range, so no bind(0) or outgoing connection of another process takes it meanwhile."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from okroute_mock import launch


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_the_port_is_free_and_below_the_ephemeral_range() -> None:
    low = launch._ephemeral_low()
    ports = [launch.free_port() for _ in range(20)]
    assert all(launch.PORTS_FROM <= p < low for p in ports), (low, ports)
    assert all(_bindable(p) for p in ports)
    assert len(set(ports)) > 1  # drawn, not one fixed port every caller would share


def test_no_room_below_the_range_falls_back_to_the_kernels_choice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ranges = tmp_path / "ip_local_port_range"
    ranges.write_text(f"{launch.PORTS_FROM + 10}\t60999\n")
    monkeypatch.setattr(launch, "EPHEMERAL", ranges)
    assert launch._ephemeral_low() == launch.PORTS_FROM + 10
    port = launch.free_port()
    assert port >= launch.PORTS_FROM + 10 and _bindable(port)
