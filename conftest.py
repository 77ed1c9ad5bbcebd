"""The repository's own test run. The contract suite's plugin loads by itself (the `pytest11`
entry point of the installed package); this file guards the network and orders the run.

Tests and benchmarks send traffic only to loopback servers they start: any connection this test
process opens to another address fails the test that opened it, before a byte leaves the machine.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # xdist hands out files by their number of tests, most first; ours go in the order below.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def _weight(item: pytest.Item) -> int:
    if item.get_closest_marker("longest"):
        return 0
    return 1 if item.get_closest_marker("slow") else 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first, then those that start servers, then the quick ones, which fill
    the gaps at the end. Under `-n 4 --dist loadfile` a file runs on one worker: the fault
    catalogue alone takes about 500 s, and when it started a third into the run (xdist's own
    order), its tail was the run's (13.6 min; started first, the other three workers fill in
    around it). A stable sort: the contract suite keeps its own order."""
    items.sort(key=_weight)


_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like never leave the machine
    host = str(address[0]).split("%", 1)[0]
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost: resolving it could already leave


class OffLoopback(ConnectionRefusedError):
    """A test tried to reach an address other than loopback."""


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise OffLoopback(f"tests reach loopback only, not {address!r}")
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise OffLoopback(f"tests reach loopback only, not {address!r}")
        return original_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield
