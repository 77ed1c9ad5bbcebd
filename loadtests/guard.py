"""Locust's own client, made safe: an unnamed request is refused, and URLs reach no listener.

A request without `name=` would put its full URL, password and all, into Locust's statistics,
CSV, HTML and web UI; FastHttpSession also hands every listener the full URL. Our scenarios send
through `loadtests.sender`, which never does either. `guard` closes the same holes on the
FastHttpUser client for any task that uses `self.client` directly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit


class UnnamedRequest(Exception):
    """A request without `name=`: its URL would become its name, credentials included."""


def scrub_url(url: str | None) -> str:
    """The URL without its query string, user info or fragment: scheme, host, port and path."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class ScrubbedEvents:
    """A request event hook that scrubs the URL before any listener sees it."""

    def __init__(self, hook: Any) -> None:
        self._hook = hook

    def fire(self, **kwargs: Any) -> Any:
        kwargs["url"] = scrub_url(kwargs.get("url"))
        return self._hook.fire(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hook, name)


def guard(session: Any) -> Any:
    """Make `session` (a FastHttpSession) refuse unnamed requests and scrub its URLs."""
    session.request_event = ScrubbedEvents(session.request_event)
    send = session.request

    def request(method: str, url: str, name: str | None = None, **kwargs: Any) -> Any:
        if not name:
            raise UnnamedRequest(
                f"{method} request without name=: give every request a name (e.g. "
                "'submit GET http'), or its URL, password included, becomes the name"
            )
        return send(method, url, name=name, **kwargs)

    session.request = request  # get(), post() and the rest call self.request
    return session
