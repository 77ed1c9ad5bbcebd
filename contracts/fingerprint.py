"""The behaviour fingerprint: what a platform does at every MAY point, recorded as data.

MAY points are never judged. Each probe sends a few requests that land on one point and reduces
the answers to a short text with message IDs and numbers replaced by placeholders, so that two
releases can be compared answer by answer. Every number a probe sends to, even in a request
meant to be refused, is under the configured prefix, and counts against the message budget.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from contracts.boundaries import number
from contracts.cases import Case
from contracts.client import DRY_RUN, BudgetExhausted, ContractClient, DryClient
from contracts.exchange import TEXT_KEPT, Exchange, answer, normalize
from contracts.id_shape import id_shape
from contracts.results import ContractResults
from contracts.strategies import Config
from contracts.target import Credentials
from okroute_model.may import MAY_POINTS
from okroute_model.params import (
    MAX_ANI_CHARS,
    MAX_INC_MSG_ID_CHARS,
    PATH,
    SERVICE_TYPE_READINGS,
    Command,
)
from okroute_model.profile import Knob
from okroute_model.push import PUSH_MAY_POINTS
from okroute_model.secrets import MASKER
from okroute_model.statuses import FINAL_STATUSES, Status
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


def _form_post(ctx: ProbeContext) -> Exchange:
    request = ctx.request(Command.SUBMIT, dnis=number(ctx.cfg, 1), message="fingerprint form")
    body = urlencode(request.url_fields + list(request.params)).encode()
    wire = WireRequest("POST", PATH, "", (("Content-Type", FORM_CONTENT_TYPE),), body)
    return ctx.send_wire(request, wire)


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
    entries = _entry_list(ex)
    if entries is None:
        return verdict(ex)
    return {1: "the query wins", 2: "the body wins"}.get(len(entries), answer(ex))


def _query_via_post(ctx: ProbeContext) -> str:
    message_id = ctx.own_id()
    if message_id is None:
        return "not probed: the submit for an ID failed"
    request = ctx.request(Command.QUERY, messageId=message_id)
    return "; ".join(
        f"{m}: {verdict(ctx.send(request, m))}" for m in (Method.POST_URL, Method.POST_BODY)
    )


def verdict(ex: Exchange) -> str:
    """Accepted or rejected, nothing more: the text and the 4xx are MAY points of their own."""
    if ex.response is None:
        return f"no answer ({ex.error})"
    if ex.status == 200:
        return "accepted"
    return "rejected" if 400 <= ex.status < 500 else answer(ex)


def _status_answer(ex: Exchange) -> str:
    """A query answer as UNKNOWN, a status, or a 4xx (which one is a MAY point of its own)."""
    if ex.status == 200 and ex.response.is_json and isinstance(ex.response.json, dict):
        status = ex.response.json.get("status")
        return Status.UNKNOWN.value if status == Status.UNKNOWN else "a status"
    return "a 4xx" if ex.response is not None and 400 <= ex.status < 500 else verdict(ex)


def _entry_list(ex: Exchange) -> list[dict] | None:
    if ex.status != 200 or not ex.response.is_json:
        return None
    value = ex.response.json
    entries = value if isinstance(value, list) else [value]
    return [e for e in entries if isinstance(e, dict)]


def _entries(ctx: ProbeContext, **params: str) -> str:
    """How many entries and IDs a submit gets (not their keys: another MAY point)."""
    ex = ctx.submit(**params)
    entries = _entry_list(ex)
    if entries is None:
        return verdict(ex)
    ids = {e.get("message_id") for e in entries}
    return f"{len(entries)} entries, {len(ids)} IDs"


def _keys(ctx: ProbeContext, **params: str) -> str:
    ex = ctx.submit(**params)
    return answer(ex) if ex.status == 200 else verdict(ex)


def _errors(ctx: ProbeContext) -> str:
    """The texts of undocumented errors (their 4xx is probed apart)."""
    lettered = number(ctx.cfg, 6)[:-2] + "ab"  # under the prefix, even when meant to be refused
    exchanges = {
        "no dnis": ctx.send(ctx.request(Command.SUBMIT, message="x")),
        "letters in a number": ctx.send(ctx.request(Command.SUBMIT, dnis=lettered, message="x")),
        "no command": ctx.send(ctx.request(None, dnis=number(ctx.cfg, 7), message="x")),
    }
    request = ctx.request(Command.SUBMIT)
    wire = WireRequest(
        "POST",
        PATH,
        encode_query(request.url_fields),
        (("Content-Type", JSON_CONTENT_TYPE),),
        b'{"dnis": ',
    )
    exchanges["malformed JSON"] = ctx.send_wire(request, wire)
    return "; ".join(f"{name}: {_text(ex)}" for name, ex in exchanges.items())


def _text(ex: Exchange) -> str:
    if ex.response is None or ex.status < 400:
        return answer(ex)
    return repr(normalize(ex.response.text.strip()[:TEXT_KEPT]))


def _error_status(ctx: ProbeContext) -> str:
    ex = ctx.send(ctx.request(Command.SUBMIT, message="x"))
    return str(ex.status) if ex.response is not None else verdict(ex)


def _unknown_id(ctx: ProbeContext) -> str:
    request = ctx.request(Command.QUERY, messageId="00000000-fingerprint-never-issued")
    return _status_answer(ctx.send(request))


def _cross_account(ctx: ProbeContext) -> str:
    message_id = ctx.own_id()
    if ctx.secondary is None or message_id is None:
        return "not probed: no second account" if ctx.secondary is None else "not probed"
    c = ctx.secondary
    return _status_answer(
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
    return verdict(_json_post(ctx, request, {"dnis": value, "message": "fingerprint json"}))


def _mo(ctx: ProbeContext) -> str:
    request = ctx.request(
        Command.MO, ani=number(ctx.cfg, 4), dnis=number(ctx.cfg, 5), message="fingerprint mo"
    )
    return answer(ctx.send(request))


def _missing_id(ctx: ProbeContext) -> str:
    return _status_answer(ctx.send(ctx.request(Command.QUERY)))


def _credentials_order(ctx: ProbeContext) -> str:
    c = ctx.cfg.credentials
    ex = ctx.send(ApiRequest(Command.SUBMIT, c.username, "wrong-fingerprint", (("message", "x"),)))
    if ex.response is None or not 400 <= ex.status < 500:
        return verdict(ex)
    return "credentials first" if ex.status == 401 else "the other defect first"


def _missing_credentials(ctx: ProbeContext) -> str:
    params = (("dnis", number(ctx.cfg, 9)), ("message", "x"))
    return answer(ctx.send(ApiRequest(Command.SUBMIT, None, None, params)))


def _duplicate_ids(ctx: ProbeContext) -> str:
    one = number(ctx.cfg, 1)
    ex = ctx.submit(dnis=f"{one},{one}")
    entries = _entry_list(ex)
    if entries is None:
        return verdict(ex)
    ids = [e.get("message_id") for e in entries]
    return "shared" if len(set(ids)) < len(ids) else "an ID per entry"


def _repeated(ctx: ProbeContext) -> str:
    request = ctx.request(Command.SUBMIT, dnis=number(ctx.cfg, 1), message="fingerprint repeated")
    two = f"{number(ctx.cfg, 2)},{number(ctx.cfg, 3)}"
    query = encode_query([*request.url_fields, *request.params, ("dnis", two)])
    ex = ctx.send_wire(request, WireRequest("GET", PATH, query, (), b""))
    entries = _entry_list(ex)
    if entries is None:
        return verdict(ex)
    return {1: "the first one wins", 2: "the last one wins"}.get(len(entries), answer(ex))


def _name_case(ctx: ProbeContext) -> str:
    ex = ctx.send(ctx.request(Command.SUBMIT, DNIS=number(ctx.cfg, 1), Message="fingerprint"))
    return {"accepted": "names are case-insensitive", "rejected": "names are case-sensitive"}.get(
        verdict(ex), verdict(ex)
    )


def _service_type_limit(ctx: ProbeContext) -> str:
    """The largest serviceType accepted, from 7 bytes up to 9: the knob as observed."""
    limit = SERVICE_TYPE_READINGS[0]
    for size in SERVICE_TYPE_READINGS[1:]:
        ex = ctx.submit(serviceType="S" * size)
        if verdict(ex) != "accepted":
            if verdict(ex) != "rejected":
                return verdict(ex)
            break
        limit = size
    return f"{Knob.SERVICE_TYPE_MAX_BYTES} = {limit}"


def _plus_prefix(ctx: ProbeContext) -> str:
    result = verdict(ctx.submit(dnis="+" + number(ctx.cfg, 1)))
    known = {"accepted": "true", "rejected": "false"}
    return f"{Knob.PLUS_PREFIX} = {known[result]}" if result in known else result


# Polling a fresh ID to its final status: often enough to see a step of a few hundred ms.
POLL_STEP = 0.1


def _path(ctx: ProbeContext) -> list[dict]:
    """The status answers of one fresh ID, until a final status or the timeout."""
    answers: list[dict] = []
    ex = ctx.submit(message="fingerprint path")
    entries = _entry_list(ex)
    message_id = entries[0].get("message_id") if entries else None
    deadline = time.monotonic() + ctx.client.target.final_status_timeout
    while message_id and time.monotonic() < deadline:
        q = ctx.send(ctx.request(Command.QUERY, messageId=message_id))
        if q.status != 200 or not q.response.is_json or not isinstance(q.response.json, dict):
            break
        answers.append(q.response.json)
        if q.response.json.get("status") in FINAL_STATUSES:
            break
        ctx.client.target.wait(POLL_STEP)
    return answers


def _status_path(ctx: ProbeContext) -> str:
    statuses = [a.get("status") for a in _path(ctx)]
    if not statuses or statuses[-1] not in FINAL_STATUSES:
        return "not probed: no final status in time"
    return f"ACCEPTD {'seen' if Status.ACCEPTD in statuses else 'not seen'}"


def _mccmnc(ctx: ProbeContext) -> str:
    widths = sorted({len(str(a.get("mccmnc"))) for a in _path(ctx) if a.get("mccmnc")})
    return f"{' or '.join(map(str, widths))} digits" if widths else "not probed: always empty"


def _id_shape(ctx: ProbeContext) -> str:
    """Three numbers' IDs at once: enough to tell a constant prefix from the random part."""
    dnis = ",".join(number(ctx.cfg, n) for n in (1, 2, 3))
    entries = _entry_list(ctx.submit(dnis=dnis, message="fingerprint id shape"))
    if entries is None:
        return "not probed: the submit gave no message IDs"
    return id_shape([str(e.get("message_id", "")) for e in entries])


_LONG = "fingerprint " * 34  # 408 GSM-7 characters: three segments when split
_SAR = "fingerprint " * 26  # 312 characters: three segments of 153, two of 160

PROBES: dict[str, Callable[[ProbeContext], str]] = {
    "form-post": lambda ctx: verdict(_form_post(ctx)),
    "query-body-precedence": _precedence,
    "query-via-post": _query_via_post,
    "single-object-dnis": lambda ctx: answer(ctx.seen.setdefault("own", ctx.submit())),
    "segment-num-multi": lambda ctx: _keys(ctx, dnis=f"{number(ctx.cfg, 1)},{number(ctx.cfg, 2)}"),
    "single-id-split-entries": lambda ctx: _entries(
        ctx, message=_LONG, longMessageMode="single_id_split"
    ),
    "split-or-payload-single": lambda ctx: _entries(
        ctx, message=_LONG, longMessageMode="split_or_payload"
    ),
    "undocumented-error-texts": _errors,
    "undocumented-error-status": _error_status,
    "out-of-range-ints": lambda ctx: verdict(ctx.submit(dataCoding="2")),
    "unknown-long-message-mode": lambda ctx: verdict(ctx.submit(longMessageMode="bogus")),
    "command-case": lambda ctx: verdict(
        ctx.send(ctx.request("SUBMIT", dnis=number(ctx.cfg, 1), message="fingerprint case"))
    ),
    "unknown-params": lambda ctx: verdict(ctx.submit(colour="blue")),
    "plus-prefix": _plus_prefix,
    "dnis-list-spaces": lambda ctx: verdict(
        ctx.submit(dnis=f"{number(ctx.cfg, 1)}, {number(ctx.cfg, 2)}")
    ),
    "dnis-empty-items": lambda ctx: verdict(
        ctx.submit(dnis=f"{number(ctx.cfg, 1)},,{number(ctx.cfg, 2)}")
    ),
    "ani-format": lambda ctx: verdict(ctx.submit(ani="A" * (MAX_ANI_CHARS + 1))),
    "service-type-7-9": _service_type_limit,
    "json-types": lambda ctx: _json_value(ctx, int(number(ctx.cfg, 1))),
    "dnis-json-array": lambda ctx: _json_value(ctx, [number(ctx.cfg, 1), number(ctx.cfg, 2)]),
    "json-integer-strings": lambda ctx: verdict(
        _json_post(
            ctx,
            ctx.request(Command.SUBMIT),
            {"dnis": number(ctx.cfg, 1), "message": "fingerprint", "dataCoding": "0"},
        )
    ),
    "mo-response": _mo,
    "query-missing-id": _missing_id,
    "unknown-id-answer": _unknown_id,
    "cross-account-answer": _cross_account,
    "content-types": _content_types,
    "optional-param-limits": lambda ctx: verdict(
        ctx.submit(incMsgId="x" * (MAX_INC_MSG_ID_CHARS + 1))
    ),
    "credentials-order": _credentials_order,
    "missing-credentials-text": _missing_credentials,
    "duplicate-ids": _duplicate_ids,
    "repeated-params": _repeated,
    "param-name-case": _name_case,
    "split-sar-sizes": lambda ctx: _entries(ctx, message=_SAR, longMessageMode="split_sar"),
    "mccmnc-digits": _mccmnc,
    "status-path": _status_path,
    "id-shape": _id_shape,
}
# Throttling is not provoked on purpose: the load smoke records what it meets.
PASSIVE = ("throttling",)
assert set(PROBES) | set(PASSIVE) == set(MAY_POINTS), set(MAY_POINTS) ^ (set(PROBES) | set(PASSIVE))


def take(
    client: ContractClient,
    cfg: Config,
    secondary: Credentials | None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, str]:
    """Run every probe; the answer at each MAY point, as text. `progress(done, total, point)`
    hears of each point as it is probed."""
    transport = client.target.transports[0]
    ctx = ProbeContext(client, cfg, transport, secondary, {})
    fingerprint = {}
    for done, (point, probe) in enumerate(PROBES.items()):
        if progress is not None:
            progress(done, len(PROBES), point)
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


def push_behaviour(results: ContractResults) -> dict[str, str]:
    """The §7 MAY points as the contract run's push test observed them (most common answer);
    "not observed" when the run had no push receiver (`--okroute-dlr-listen`)."""
    observed = results.observations
    out = {}
    for point in PUSH_MAY_POINTS:
        answers = observed.get(str(point)) or {}
        out[str(point)] = (
            max(answers, key=answers.get) if answers else "not observed: no push receiver"
        )
    return out
