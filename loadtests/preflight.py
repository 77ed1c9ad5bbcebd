"""One cheap authenticated request before any load: does the target answer as OKRoute, and does it
accept the credentials?

A status query of an ID that was never issued costs no message. A 401 (or a 403 that is not
throttling) ends the run with "credentials rejected" before a single submit; an answer that is not
OKRoute's (an HTML page, a redirect, a 5xx, a 200 that is not a JSON status) ends it with what
came back. Everything shown passes the masker first.
"""

from __future__ import annotations

import json
import ssl

import httpx

from okroute_model.errors import NOT_AUTHORIZED
from okroute_model.params import PATH, QUERY_ID_PARAM, Command
from okroute_model.secrets import MASKER, Credentials
from okroute_model.throttling import classify_throttle

PREFLIGHT_ID = "okroute-load-preflight"
TIMEOUT = 10.0
SHOWN = 120  # characters of an unexpected body in the message


class PreflightError(Exception):
    """The target cannot be load-tested as it is: one line why."""


def _verify(ca_bundle: str | None) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True


def _looks_like_markup(body: str) -> bool:
    head = body.lstrip()[:64].lower()
    return head.startswith(("<!doctype", "<html", "<?xml", "<head", "<body"))


def _shown(response: httpx.Response) -> str:
    body = MASKER.mask(response.text[:SHOWN]).replace("\n", " ").strip()
    kind = response.headers.get("content-type", "no content type")
    return f"{response.status_code} {kind} {body!r}"


def check(base: str, credentials: Credentials, ca_bundle: str | None = None) -> None:
    """Raise PreflightError unless `base` answers a status query the way OKRoute does."""
    MASKER.add(credentials.password)
    params = {
        "command": Command.QUERY,
        "username": credentials.username,
        "password": credentials.password,
        QUERY_ID_PARAM: PREFLIGHT_ID,
    }
    try:
        response = httpx.get(
            f"{base}{PATH}", params=params, verify=_verify(ca_bundle), timeout=TIMEOUT
        )
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        raise PreflightError(f"cannot reach {base}: {MASKER.mask(str(exc))}") from None
    status = response.status_code
    if classify_throttle(status, response.headers, response.content) is not None:
        return  # it is busy, but it is a platform that answers: the campaign will see the rest
    if status == NOT_AUTHORIZED.status or status == 403:
        raise PreflightError(
            f"credentials rejected by {base} for user {credentials.username!r} "
            f"({_shown(response)}): no load was sent"
        )
    if status == 200:
        try:
            value = json.loads(response.content)
        except ValueError:
            value = None
        if isinstance(value, dict) and isinstance(value.get("status"), str):
            return
    elif 400 <= status < 500 and response.text.strip() and not _looks_like_markup(response.text):
        return  # a documented way to refuse an ID that was never issued (§4)
    raise PreflightError(f"{base}{PATH} does not answer as OKRoute: {_shown(response)}")
