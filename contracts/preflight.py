"""The one preflight of every entry point: before anything is judged, does the target answer, as
OKRoute, and accept the credentials (the second account's too, when one is given)?

The contract suite (`okroute-contract`, `pytest --pyargs contracts`), the campaign (`okroute-load`
and plain `locust -f loadtests/locustfile.py`) and `okroute-verify` all call `check`. It sends
one status query of an ID that was never issued per endpoint and account: it costs no message.
A 401 (or a 403 that is not throttling) means rejected credentials; an HTML page, a redirect or an
empty answer is not OKRoute. Any other answer is the platform's own: a wrong one (a 5xx, a bare
status word) is a finding for the run to judge, never a setup mistake. Each failure is one line
that names the fix; everything shown passes the masker first.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable

import httpx

from contracts.target import tls_verification
from okroute_model.accounts import Accounts
from okroute_model.environment import Env
from okroute_model.errors import NOT_AUTHORIZED
from okroute_model.params import PATH, QUERY_ID_PARAM, Command
from okroute_model.secrets import MASKER, Credentials
from okroute_model.throttling import classify_throttle

PREFLIGHT_ID = "okroute-preflight"
TIMEOUT = 5.0  # seconds: a platform that takes longer to answer one query is not ready for a run
SHOWN = 120  # characters of an unexpected body in the message
FORBIDDEN = 403
REDIRECT = range(300, 400)


class PreflightError(Exception):
    """The target cannot be judged as it is: one line why, and what to change."""


def check(bases: Iterable[str], accounts: Accounts, ca_bundle: str | None = None) -> None:
    """Raise PreflightError unless every base URL answers a status query the way OKRoute does,
    for the first account and (on the first base) the second."""
    bases = [b.rstrip("/").removesuffix(PATH) for b in bases if b]
    for base in bases:
        _query(base, accounts.primary, ca_bundle, (Env.USERNAME, Env.PASSWORD))
    if accounts.secondary is not None and bases:
        _query(bases[0], accounts.secondary, ca_bundle, (Env.USERNAME_2, Env.PASSWORD_2))


def _query(base: str, account: Credentials, ca_bundle: str | None, names: tuple[Env, Env]) -> None:
    params = {
        "command": Command.QUERY,
        "username": account.username,
        "password": account.password,
        QUERY_ID_PARAM: PREFLIGHT_ID,
    }
    try:
        response = httpx.get(
            f"{base}{PATH}", params=params, verify=tls_verification(ca_bundle), timeout=TIMEOUT
        )
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        raise PreflightError(_unreachable(base, exc, ca_bundle)) from None
    _judge(base, response, account, names)


def _judge(
    base: str, response: httpx.Response, account: Credentials, names: tuple[Env, Env]
) -> None:
    status = response.status_code
    if classify_throttle(status, response.headers, response.content) is not None:
        return  # busy, but a platform that answers: the run will see the rest
    if status in (NOT_AUTHORIZED.status, FORBIDDEN):
        raise PreflightError(
            f"credentials rejected by {base} for user {account.username!r} "
            f"({_shown(response)}): check {names[0]} and {names[1]}; nothing was sent"
        )
    if status in REDIRECT or _looks_like_markup(response.text):
        raise PreflightError(
            f"{base}{PATH} does not answer as OKRoute ({_shown(response)}): check that the URL "
            f"is the platform's API endpoint; nothing was sent"
        )
    if not response.text.strip():
        raise PreflightError(
            f"{base}{PATH} answers with nothing ({_shown(response)}): check that the URL is the "
            f"platform's API endpoint; nothing was sent"
        )
    # Anything else is the platform's own answer: a JSON status, a documented refusal of an ID
    # never issued (§4), or a wrong one (a 5xx, a bare status word) that the run judges as a
    # finding, never as a setup mistake.


def _unreachable(base: str, exc: BaseException, ca_bundle: str | None) -> str:
    reason = MASKER.mask(str(exc) or type(exc).__name__)
    if _tls_verification_failed(exc):
        bundle = f" (now {ca_bundle})" if ca_bundle else ""
        return (
            f"the TLS certificate of {base} is not trusted ({reason}): set {Env.CA_BUNDLE} to "
            f"the CA bundle that signed it{bundle}"
        )
    return f"cannot reach {base} ({reason}): check the URL and that the platform is up"


def _tls_verification_failed(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:  # httpx wraps the ssl error: follow the chain
        if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _looks_like_markup(body: str) -> bool:
    head = body.lstrip()[:64].lower()
    return head.startswith(("<!doctype", "<html", "<?xml", "<head", "<body"))


def _shown(response: httpx.Response) -> str:
    body = MASKER.mask(response.text[:SHOWN]).replace("\n", " ").strip()
    kind = response.headers.get("content-type", "no content type")
    return f"{response.status_code} {kind} {body!r}"
