"""The robustness phase: each probe of `contracts.probes` sent and judged.

§3: "SHOULD for every request whatever its content: never a 5xx (508 aside), never a dropped
connection." Each probe is judged by that rule alone (`errors.no-5xx`), through the check that
judges it for every other answer.

A connection that fails right after one probe is a finding only when the platform still answers
a benign request straight after (`rawhttp.still_answers`); when it does not, the platform went
away, and that is no verdict about the probe.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from contracts.checks import CHECKS, CheckContext, verify
from contracts.client import MAX_THROTTLE_RETRIES
from contracts.exchange import Exchange, Response
from contracts.failures import ContractViolation
from contracts.probes import Context, Probe, catalogue
from contracts.rawhttp import NO_ANSWER_WITHIN, Endpoint, RawOutcome, exchange, still_answers
from contracts.target import Target
from okroute_model.rawinput import RawInput
from okroute_model.throttling import Throttle, classify_throttle
from okroute_model.wire import Transport, Variant

# Why a kind cannot run offline: the respx fake receives a parsed request, never bytes.
SOCKET_ONLY: dict[RawInput, str] = {
    RawInput.RAW_TARGET_BYTES: "httpx refuses to send bytes that a URL may not carry",
    RawInput.OVERLONG_HEAD: "line and header limits are the HTTP server's, which the fake has not",
    RawInput.CHUNKED: "the fake receives the body, never its chunked framing",
    RawInput.HALF_CLOSE: "the fake has no connection to half-close",
    RawInput.PIPELINED: "the fake has no connection to pipeline on",
}


# -- judging ---------------------------------------------------------------------------------


class PlatformUnreachable(Exception):
    """A probe's connection failed and the platform no longer answers a benign request either."""


@dataclass(frozen=True)
class ProbeCase:
    """What a report says about the request: the probe, where a case would be."""

    probe: Probe
    command: None = None

    def label(self) -> str:
        return self.probe.label()


@dataclass
class ProbeExchange(Exchange):
    """One answer (or its absence) to one request of a probe, for the checks and the reports."""

    replay_line: str = ""
    request_index: int = 0

    def curl(self) -> str:  # the reports' "reproduce" line: raw bytes, so python, not curl
        return self.replay_line

    def describe(self) -> str:
        probe: Probe = self.case.probe  # type: ignore[attr-defined]
        which = f" (request {self.request_index + 1} of {len(probe.messages)})"
        return probe.label() + (which if len(probe.messages) > 1 else "") + f" via {self.variant}"


def _exchange(
    probe: Probe, endpoint: Endpoint, transport: Transport, index: int, response, error
) -> ProbeExchange:
    return ProbeExchange(
        ProbeCase(probe),  # type: ignore[arg-type]
        Variant(probe.method, transport),
        endpoint.url,
        None,  # type: ignore[arg-type]
        response,
        error,
        replay_line=endpoint.replay(probe.wire(endpoint.authority), probe.half_close),
        request_index=index,
    )


def judged(
    probe: Probe, endpoint: Endpoint, transport: Transport, outcome: RawOutcome
) -> list[ProbeExchange]:
    """Exchanges to judge: every answer, and the first request left without one, unless the
    answer before it said that the server closes (HTTP lets it; the client retries)."""
    exchanges = [
        _exchange(probe, endpoint, transport, i, r, None)
        for i, r in enumerate(outcome.responses)
        if _throttled(r) is None  # throttling that outlasted the retries is no verdict
    ]
    answered = len(outcome.responses)
    if answered < len(probe.messages) and not (answered and outcome.closing):
        reason = outcome.ended or "the server closed the connection"
        if outcome.send_error:
            reason += f" (while sending: {outcome.send_error})"
        if answered:
            reason += f", after {answered} of {len(probe.messages)} pipelined requests"
        if not still_answers(endpoint):
            raise PlatformUnreachable(
                f"{probe.label()} via {transport}: {reason}; then a benign request got no "
                "answer either"
            )
        reason += "; a benign request straight after was answered"
        exchanges.append(_exchange(probe, endpoint, transport, answered, None, reason))
    return exchanges


def _throttled(response: Response) -> Throttle | None:
    return classify_throttle(response.status, response.headers, response.body)


def run(probe: Probe, endpoint: Endpoint, transport: Transport) -> list[ProbeExchange]:
    """Send one probe on its own connection and return what is to be judged. Throttling is
    waited out and the probe sent again, as the contract client does; it is never a failure."""
    raw = probe.wire(endpoint.authority)
    for _ in range(MAX_THROTTLE_RETRIES + 1):
        outcome = exchange(endpoint, raw, answers=len(probe.messages), half_close=probe.half_close)
        waits = [t.wait for t in map(_throttled, outcome.responses) if t and t.waitable]
        if not waits:
            break
        time.sleep(max(waits))
    return judged(probe, endpoint, transport, outcome)


def offline_request(probe: Probe) -> tuple[str, str, dict[str, str], bytes]:
    """The probe as an httpx request (method, target, headers, body) for the respx fake."""
    (message,) = probe.messages
    headers = {name: bytes(value).decode("latin-1") for name, value in message.headers}
    return message.method, bytes(message.target).decode("latin-1"), headers, bytes(message.body)


def offline_exchange(
    probe: Probe, transport: Transport, base_url: str, response: Response | None, error: str | None
) -> ProbeExchange:
    endpoint = Endpoint(base_url)
    return _exchange(probe, endpoint, transport, 0, response, error)


# -- running ---------------------------------------------------------------------------------

RULE = "errors.no-5xx"


def context(target: Target) -> Context:
    return Context(target.primary.username, target.primary.password, target.dnis_prefix)


def probe_live(target: Target, probe: Probe) -> list[ProbeExchange]:
    """One probe on every transport the target has, each on its own connection, within the
    target's request rate (OKROUTE_RATE) like every other request of the run."""
    exchanges: list[ProbeExchange] = []
    for transport in target.transports:
        endpoint = Endpoint(target.urls[transport], target.ca_bundle)
        exchanges += run(probe, endpoint, transport)
        if target.rate > 0:
            time.sleep(len(probe.messages) / target.rate)
    return exchanges


def probe_offline(target: Target, probe: Probe) -> list[ProbeExchange]:
    """One probe through the respx fake, as httpx sends it (no sockets: framing cannot travel)."""
    method, path, headers, body = offline_request(probe)
    exchanges = []
    for transport in target.transports:
        base = target.urls[transport]
        with httpx.Client(transport=target.fake.transport()) as client:  # type: ignore[attr-defined]
            request = client.build_request(method, base + path, headers=headers, content=body)
            if request.url.raw_path != path.encode("latin-1"):
                raise AssertionError(f"{probe.label()}: httpx would send {request.url.raw_path!r}")
            try:
                r = client.send(request)
                response, error = Response(r.status_code, dict(r.headers), r.content), None
            except Exception as exc:  # the platform itself failed: a 500 behind a real socket
                response, error = None, f"the platform raised {type(exc).__name__}: {exc}"
        exchanges.append(offline_exchange(probe, transport, base, response, error))
    return exchanges


def probe_kind(target: Target, kind: RawInput) -> list[ProbeExchange]:
    """Every probe of one kind, live over sockets or offline through the fake. A platform that
    hangs would cost READ_TIMEOUT per probe: the first probe it leaves unanswered that long is
    finding enough for the kind."""
    send = probe_live if target.live else probe_offline
    exchanges: list[ProbeExchange] = []
    for probe in catalogue(context(target), kind):
        found = send(target, probe)
        exchanges += found
        if any(NO_ANSWER_WITHIN in (ex.error or "") for ex in found):
            break
    return exchanges


def judge(exchanges: list[ProbeExchange], ctx: CheckContext) -> None:
    """Every exchange through the checks of `errors.no-5xx`; the first violation is raised."""
    checks = tuple(c for c in CHECKS.values() if c.rule.name == RULE)
    violations: list[ContractViolation] = []
    for ex in exchanges:
        try:
            verify(ex, ctx, checks)  # type: ignore[arg-type]
        except ContractViolation as violation:
            violations.append(violation)
    if violations:
        raise violations[0]
