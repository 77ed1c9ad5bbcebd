"""The behaviour fingerprint: what a platform does at every MAY point, recorded as data.

MAY points are never judged. Each probe sends a few requests that land on one point and reduces
the answers to a short text with message IDs and numbers replaced by placeholders, so that two
releases can be compared answer by answer. Every number a probe sends to, even in a request
meant to be refused, is under the configured prefix, and counts against the message budget.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from contracts.boundaries import number
from contracts.cases import Case
from contracts.client import DRY_RUN, BudgetExhausted, ContractClient, DryClient
from contracts.exchange import Exchange, answer
from contracts.strategies import Config
from contracts.target import Credentials
from okroute_model.may import MAY_POINTS
from okroute_model.params import MAX_ANI_CHARS, MAX_INC_MSG_ID_CHARS, PATH, Command
from okroute_model.push import PUSH_MAY_POINTS
from okroute_model.secrets import MASKER
from okroute_model.wire import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    ApiRequest,
    Method,
    Transport,
    Variant,
    WireRequest,
    encode_json,
    encode_query,
)

DRY_RUN_ID = "ID-OF-THE-SUBMIT-ABOVE"


@dataclass
class ProbeContext:
    client: ContractClient
    cfg: Config
    transport: Transport
    secondary: Credentials | None
    seen: dict[str, Exchange]  # exchanges other probes may reuse, by name
    point: str = ""  # the MAY point being probed, to label its requests

    def request(self, command: str | None, **params: str) -> ApiRequest:
        c = self.cfg.credentials
        return ApiRequest(command, c.username, c.password, tuple(params.items()))

    def send(self, request: ApiRequest, method: Method = Method.GET) -> Exchange:
        return self.client.send(Case(request, note=self.point), Variant(method, self.transport))

    def send_wire(self, request: ApiRequest, wire: WireRequest) -> Exchange:
        return self.client.send_wire(Case(request, note=self.point), self.transport, wire)

    def submit(self, **params: str) -> Exchange:
        params = {"dnis": number(self.cfg, 1), "message": "fingerprint", **params}
        if self.cfg.ani and "ani" not in params:
            params["ani"] = self.cfg.ani
        return self.send(self.request(Command.SUBMIT, **params))

    def own_id(self) -> str | None:
        if "own" not in self.seen:
            self.seen["own"] = self.submit()
        ex = self.seen["own"]
        if ex.response is None and ex.error == DRY_RUN:
            return DRY_RUN_ID  # a dry run shows the queries that would follow the submit
        if ex.status == 200 and ex.response.is_json and isinstance(ex.response.json, dict):
            return ex.response.json.get("message_id")
        return None


def _json_post(ctx: ProbeContext, request: ApiRequest, body: dict) -> Exchange:
    query = encode_query(request.url_fields)
    wire = WireRequest(
        "POST", PATH, query, (("Content-Type", JSON_CONTENT_TYPE),), encode_json(body)
    )
    return ctx.send_wire(request, wire)


def _form_post(ctx: ProbeContext) -> str:
    request = ctx.request(Command.SUBMIT, dnis=number(ctx.cfg, 1), message="fingerprint form")
    body = urlencode(request.url_fields + list(request.params)).encode()
    wire = WireRequest("POST", PATH, "", (("Content-Type", FORM_CONTENT_TYPE),), body)
    return answer(ctx.send_wire(request, wire))


def _precedence(ctx: ProbeContext) -> str:
    two = f"{number(ctx.cfg, 2)},{number(ctx.cfg, 3)}"
    request = ApiRequest(
        Command.SUBMIT,
        ctx.cfg.credentials.username,
        ctx.cfg.credentials.password,
        (("dnis", number(ctx.cfg, 1)),),
    )
    query = encode_query([*request.url_fields, ("dnis", number(ctx.cfg, 1))])
    wire = WireRequest(
        "POST",
        PATH,
        query,
        (("Content-Type", JSON_CONTENT_TYPE),),
        encode_json({"dnis": two, "message": "fingerprint precedence"}),
    )
    ex = ctx.send_wire(request, wire)
    if ex.status != 200 or not ex.response.is_json:
        return answer(ex)
    entries = ex.response.json
    count = len(entries) if isinstance(entries, list) else 1
    return {1: "the query wins", 2: "the body wins"}.get(count, answer(ex))


def _query_via_post(ctx: ProbeContext) -> str:
    message_id = ctx.own_id()
    if message_id is None:
        return "not probed: the submit for an ID failed"
    request = ctx.request(Command.QUERY, messageId=message_id)
    return "; ".join(
        f"{m}: {answer(ctx.send(request, m))}" for m in (Method.POST_URL, Method.POST_BODY)
    )


def _entries(ctx: ProbeContext, **params: str) -> str:
    ex = ctx.submit(**params)
    if ex.status != 200 or not ex.response.is_json:
        return answer(ex)
    value = ex.response.json
    entries = value if isinstance(value, list) else [value]
    ids = {e.get("message_id") for e in entries if isinstance(e, dict)}
    return f"{answer(ex)}; {len(entries)} entries, {len(ids)} IDs"


def _errors(ctx: ProbeContext) -> str:
    lettered = number(ctx.cfg, 6)[:-2] + "ab"  # under the prefix, even when meant to be refused
    answers = [
        f"no dnis: {answer(ctx.send(ctx.request(Command.SUBMIT, message='x')))}",
        f"letters in a number: "
        f"{answer(ctx.send(ctx.request(Command.SUBMIT, dnis=lettered, message='x')))}",
        f"no command: {answer(ctx.send(ctx.request(None, dnis=number(ctx.cfg, 7), message='x')))}",
    ]
    request = ctx.request(Command.SUBMIT)
    wire = WireRequest(
        "POST",
        PATH,
        encode_query(request.url_fields),
        (("Content-Type", JSON_CONTENT_TYPE),),
        b'{"dnis": ',
    )
    answers.append(f"malformed JSON: {answer(ctx.send_wire(request, wire))}")
    return "; ".join(answers)


def _unknown_id(ctx: ProbeContext) -> str:
    request = ctx.request(Command.QUERY, messageId="00000000-fingerprint-never-issued")
    return answer(ctx.send(request))


def _cross_account(ctx: ProbeContext) -> str:
    message_id = ctx.own_id()
    if ctx.secondary is None or message_id is None:
        return "not probed: no second account" if ctx.secondary is None else "not probed"
    c = ctx.secondary
    return answer(
        ctx.send(ApiRequest(Command.QUERY, c.username, c.password, (("messageId", message_id),)))
    )


def _content_types(ctx: ProbeContext) -> str:
    own = ctx.seen.get("own") or ctx.submit()
    query = ctx.send(ctx.request(Command.QUERY, messageId=ctx.own_id() or "x"))
    error = ctx.send(
        ApiRequest(
            Command.SUBMIT,
            ctx.cfg.credentials.username,
            "wrong-fingerprint",
            (("dnis", number(ctx.cfg, 8)), ("message", "x")),
        )
    )
    return "; ".join(
        f"{name}: {ex.response.headers.get('content-type') if ex.response else '-'}"
        for name, ex in (("submit", own), ("query", query), ("error", error))
    )


def _json_value(ctx: ProbeContext, value: object) -> str:
    request = ctx.request(Command.SUBMIT)
    return answer(_json_post(ctx, request, {"dnis": value, "message": "fingerprint json"}))


def _mo(ctx: ProbeContext) -> str:
    request = ctx.request(
        Command.MO, ani=number(ctx.cfg, 4), dnis=number(ctx.cfg, 5), message="fingerprint mo"
    )
    return answer(ctx.send(request))


def _missing_id(ctx: ProbeContext) -> str:
    return answer(ctx.send(ctx.request(Command.QUERY)))


_LONG = "fingerprint " * 34  # 408 GSM-7 characters: three segments when split

PROBES: dict[str, Callable[[ProbeContext], str]] = {
    "form-post": _form_post,
    "query-body-precedence": _precedence,
    "query-via-post": _query_via_post,
    "single-object-dnis": lambda ctx: answer(ctx.seen.setdefault("own", ctx.submit())),
    "segment-num-multi": lambda ctx: _entries(
        ctx, dnis=f"{number(ctx.cfg, 1)},{number(ctx.cfg, 2)}"
    ),
    "single-id-split-entries": lambda ctx: _entries(
        ctx, message=_LONG, longMessageMode="single_id_split"
    ),
    "split-or-payload-single": lambda ctx: _entries(
        ctx, message=_LONG, longMessageMode="split_or_payload"
    ),
    "undocumented-error-texts": _errors,
    "out-of-range-ints": lambda ctx: answer(ctx.submit(dataCoding="2")),
    "unknown-long-message-mode": lambda ctx: answer(ctx.submit(longMessageMode="bogus")),
    "command-case": lambda ctx: answer(
        ctx.send(ctx.request("SUBMIT", dnis=number(ctx.cfg, 1), message="fingerprint case"))
    ),
    "unknown-params": lambda ctx: answer(ctx.submit(colour="blue")),
    "plus-prefix": lambda ctx: answer(ctx.submit(dnis="+" + number(ctx.cfg, 1))),
    "dnis-list-spaces": lambda ctx: answer(
        ctx.submit(dnis=f"{number(ctx.cfg, 1)}, {number(ctx.cfg, 2)}")
    ),
    "ani-format": lambda ctx: answer(ctx.submit(ani="A" * (MAX_ANI_CHARS + 1))),
    "service-type-7-9": lambda ctx: answer(ctx.submit(serviceType="S" * 8)),
    "json-types": lambda ctx: _json_value(ctx, int(number(ctx.cfg, 1))),
    "dnis-json-array": lambda ctx: _json_value(ctx, [number(ctx.cfg, 1), number(ctx.cfg, 2)]),
    "mo-response": _mo,
    "query-missing-id": _missing_id,
    "unknown-id-answer": _unknown_id,
    "cross-account-answer": _cross_account,
    "content-types": _content_types,
    "optional-param-limits": lambda ctx: answer(
        ctx.submit(incMsgId="x" * (MAX_INC_MSG_ID_CHARS + 1))
    ),
}
# Throttling is not provoked on purpose: the load smoke records what it meets.
PASSIVE = ("throttling",)
assert set(PROBES) | set(PASSIVE) == set(MAY_POINTS), set(MAY_POINTS) ^ (set(PROBES) | set(PASSIVE))


def take(client: ContractClient, cfg: Config, secondary: Credentials | None) -> dict[str, str]:
    """Run every probe; the answer at each MAY point, as text."""
    transport = client.target.transports[0]
    ctx = ProbeContext(client, cfg, transport, secondary, {})
    fingerprint = {}
    for point, probe in PROBES.items():
        ctx.point = point
        try:
            fingerprint[point] = MASKER.mask(probe(ctx))
        except BudgetExhausted as exc:
            fingerprint[point] = f"not probed: {exc}"
    return fingerprint


def dry_run(cfg: Config, target, secondary: Credentials | None) -> list[str]:
    """What the probes would send, as masked curl lines; nothing is sent."""
    client = DryClient(target)
    take(client, cfg, secondary)  # type: ignore[arg-type]
    return [f"{ex.case.note}: {ex.curl()}" for ex in client.recorded]


def to_json(fingerprint: dict[str, str]) -> str:
    return json.dumps(fingerprint, indent=2, ensure_ascii=False)


def push_behaviour(results: dict) -> dict[str, str]:
    """The §7 MAY points as the contract run's push test observed them (most common answer);
    "not observed" when the run had no push receiver (`--okroute-dlr-listen`)."""
    observed = results.get("observations", {})
    out = {}
    for point in PUSH_MAY_POINTS:
        answers = observed.get(str(point)) or {}
        out[str(point)] = (
            max(answers, key=answers.get) if answers else "not observed: no push receiver"
        )
    return out
