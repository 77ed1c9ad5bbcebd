"""The repository's conftest keeps every test on loopback."""

from __future__ import annotations

import socket

import pytest


def test_a_connection_off_loopback_is_refused_before_it_is_made() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s,
        pytest.raises(ConnectionRefusedError, match="loopback only"),
    ):
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: never a real host, and never reached


def test_loopback_is_allowed() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
