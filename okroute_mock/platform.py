"""The one implementation of platform behaviour: a wire request in, a reply out.

Pure and synchronous: no sockets, no event loop, time from an injected clock. The real server
(`okroute_mock.server`) and the offline respx fake (`okroute_mock.fake`) are two ways to reach it.
Everything it knows about the API comes from `okroute_model`; what it adds is a platform's state
(accounts, issued IDs, delivery stories), its answers at MAY points (`quirks`) and deliberate
faults (`breaks`).
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from math import ceil
from typing import Any, NamedTuple

from okroute_mock.breaks import BREAKS, CHANGES_AFTER, FORGETS_AFTER, Fault
from okroute_mock.delivery import ERROR_CODES, DeliverySim, mccmnc, system_time, vendor_time
from okroute_mock.hotpath import Accepted, DecisionCache, Read, ReadCache, status_body
from okroute_mock.push import PushQueue
from okroute_mock.quirks import describe, mock_knobs
from okroute_mock.store import MessageStore, Record
from okroute_model.classify import Classified, classify
from okroute_model.defects import DEFECTS, Defect
from okroute_model.errors import (
    ERROR_CONTENT_TYPE,
    NO_ROUTES,
    NOT_AUTHORIZED,
    PLAIN_CONTENT_TYPE,
    DocumentedError,
)
from okroute_model.may import May
from okroute_model.params import (
    COMMANDS,
    DEFAULT_LONG_MESSAGE_MODE,
    KNOWN_PARAMS,
    LONG_MESSAGE_MODES,
    MAX_DNIS_COUNT,
    MO_PARAMS,
    PATH,
    QUERY_ID_PARAM,
    SERVICE_TYPE_READINGS,
    Command,
    LongMessageMode,
)
from okroute_model.profile import Knob, PlatformKnobs
from okroute_model.secrets import Credentials
from okroute_model.segments import (
    GSM7_EXTENSION,
    GSM7_SEGMENT,
    GSM7_SINGLE,
    Encoding,
    count_segments,
    encoding_of,
    sar_segments,
)
from okroute_model.statuses import FINAL_STATUSES, Status
from okroute_model.wire import (
    JSON_CONTENT_TYPE,
    Decoded,
    Method,
    Transport,
    WireRequest,
    decode,
    method_of,
)

# MAY points where the mock's default answer is to reject; flipping a point toggles it.
_REJECTED_BY_DEFAULT = frozenset(
    {
        May.UNKNOWN_LONG_MESSAGE_MODE,
        May.COMMAND_CASE,
        May.DNIS_JSON_ARRAY,
        May.QUERY_MISSING_ID,
    }
)
# What the mock says where the contract gives no text, by finding (a defect or a MAY label).
_UNDOCUMENTED_TEXTS: dict[Defect | May, str] = {
    Defect.MISSING_COMMAND: "command is missing",
    Defect.UNKNOWN_COMMAND: "unknown command",
    May.COMMAND_CASE: "unknown command",
    Defect.WRONG_TYPE: "invalid parameter type",
    May.JSON_TYPES: "invalid parameter type",
    May.JSON_INTEGER_STRINGS: "invalid parameter type",
    May.DNIS_JSON_ARRAY: "invalid parameter type",
    Defect.MALFORMED_JSON: "invalid JSON body",
    Defect.JSON_NOT_OBJECT: "JSON body must be an object",
    Defect.INVALID_UTF8: "request is not valid UTF-8",
    May.FORM_POST: "unsupported content type",
    Defect.MISSING_DNIS: "dnis is missing",
    Defect.MISSING_MESSAGE: "message is missing",
    Defect.DNIS_EMPTY: "dnis has no number",
    Defect.DNIS_NOT_DIGITS: "Invalid destination number",
    Defect.DNIS_TOO_MANY_DIGITS: "Invalid destination number",
    May.DNIS_LIST_SPACES: "Invalid destination number",
    May.DNIS_EMPTY_ITEMS: "Invalid destination number",
    May.PLUS_PREFIX: "Invalid destination number",
    Defect.SPLIT_OR_PAYLOAD_MULTI: "split_or_payload is not supported for several numbers",
    May.UNKNOWN_LONG_MESSAGE_MODE: "invalid longMessageMode",
    May.OUT_OF_RANGE_INTS: "invalid optional parameter",
    May.OPTIONAL_PARAM_LIMITS: "invalid optional parameter",
    May.ANI_FORMAT: "invalid ani",
    May.UNKNOWN_PARAMS: "unknown parameter",
    May.QUERY_MISSING_ID: "messageId is missing",
    May.QUERY_VIA_POST: "command=query supports GET only",
}
# The faults that skip one validation, each with the defect it lets through (`Break.ignores`).
_VALIDATION_BREAKS: dict[Fault, Defect] = {
    b.name: b.ignores for b in BREAKS.values() if b.ignores is not None
}


ID_PREFIX = "alss-"  # message IDs with May.ID_SHAPE flipped: alss-a1b2c3d4-e5f67890

# Parameter names by their lower-case form, for a platform that ignores their case.
_CANONICAL = {name.lower(): name for names in KNOWN_PARAMS.values() for name in names}


class Reply(NamedTuple):
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


# An account of the platform: the same type the suite and the campaigns use for credentials.
Account = Credentials


class SubmitPlan(NamedTuple):
    numbers: list[str]  # the routed ones
    segments: int  # per number
    shared: bool  # one ID for all of a number's segments (single-id-split)


@dataclass
class PlatformStats:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    by_command: dict[str, int] = field(default_factory=dict)
    submitted_numbers: int = 0  # every number of every accepted submit
    routed_numbers: int = 0  # of them, the numbers with a route: what was really sent
    issued_ids: int = 0

    def count(self, status: int, command: str) -> None:
        self.requests += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        self.by_command[command] = self.by_command.get(command, 0) + 1


@dataclass(frozen=True)
class PlatformConfig:
    accounts: tuple[Account, ...]
    knobs: PlatformKnobs
    sim: DeliverySim
    max_stored: int = 100_000
    no_route_prefix: str = ""
    breaks: frozenset[Fault] = frozenset()
    flips: frozenset[May] = frozenset()
    # Knob values of a random platform (`--may-random`), for the knobs the profile leaves unset.
    drawn: dict[Knob, Any] | None = None
    random_seed: int | None = None


def credential_defect(params: dict, accounts: dict[str, Account]) -> Defect | None:
    """What is wrong with the credentials of a request, if anything."""
    username, password = params.get("username"), params.get("password")
    if not username and not password:
        return Defect.MISSING_CREDENTIALS
    if not username:
        return Defect.MISSING_USERNAME
    if not password:
        return Defect.MISSING_PASSWORD
    account = accounts.get(username) if isinstance(username, str) else None
    if account is None:
        return Defect.WRONG_USERNAME
    if not isinstance(password, str) or not hmac.compare_digest(
        account.password.encode(), password.encode()
    ):
        return Defect.WRONG_PASSWORD
    return None


def _same(reply: Reply) -> Reply:
    return reply


def _text(status: int, text: str, content_type: str = ERROR_CONTENT_TYPE) -> Reply:
    return Reply(status, text.encode(), content_type)


class Platform:
    def __init__(self, config: PlatformConfig, clock: Callable[[], float] = time.time) -> None:
        if not config.accounts:
            raise ValueError("the platform needs at least one account")
        self.config = config
        self.clock = clock
        # Concrete knobs: the profile's where it sets them, the mock's own choice elsewhere.
        self.knobs = mock_knobs(config.knobs, config.flips, config.drawn)
        self.sim = config.sim
        self.breaks = config.breaks
        self.flips = config.flips
        self.accounts = {a.username: a for a in config.accounts}
        self.store = MessageStore(config.knobs.retention_seconds, config.max_stored)
        self.stats = PlatformStats()
        self._pushes: PushQueue | None = None  # DLR and MO pushes, when an account has a URL
        self._query_counts: dict[str, int] = {}  # only for faults that depend on repetition
        self._form_accepted = May.FORM_POST not in self.flips
        self._body_wins = May.QUERY_BODY_PRECEDENCE in self.flips
        error_type = PLAIN_CONTENT_TYPE if May.CONTENT_TYPES in self.flips else None
        self._error_type = error_type or ERROR_CONTENT_TYPE
        flipped_types = May.CONTENT_TYPES in self.flips
        self._submit_type = ERROR_CONTENT_TYPE if flipped_types else JSON_CONTENT_TYPE
        self._query_type = JSON_CONTENT_TYPE if flipped_types else ERROR_CONTENT_TYPE
        self._mccmnc_digits = 5 if May.MCCMNC_DIGITS in self.flips else 6
        # Hot paths (`hotpath`): only where no fault or flip can change what they shortcut.
        self._plain_status = not self.breaks
        plain_read = not self.breaks and May.PARAM_NAME_CASE not in self.flips
        self._reads: ReadCache | None = ReadCache() if plain_read else None
        self._decisions: DecisionCache | None = DecisionCache() if plain_read else None
        self._distinct_ids = (
            Fault.IDS_REUSED not in self.breaks and May.DUPLICATE_IDS not in self.flips
        )
        self._plain_single = not self.breaks and May.SINGLE_OBJECT_DNIS not in self.flips
        self._id_shape = May.ID_SHAPE in self.flips

    @property
    def pushes(self) -> PushQueue | None:
        return self._pushes

    @pushes.setter
    def pushes(self, queue: PushQueue | None) -> None:
        self._pushes = queue
        if self._decisions is not None:  # decided without pushes to schedule: decide again
            self._decisions.by_query.clear()

    def describe(self) -> dict[str, Any]:
        """This platform's answer at every MAY point and its knobs (`--describe`, stats)."""
        return describe(self.flips, self.knobs, self.config.random_seed)

    # -- entry point -------------------------------------------------------------------------

    def diagnose(self, wire: WireRequest) -> list[str]:
        """What a correct platform finds wrong with `wire`, the deciding finding first.

        The contract's view, without faults or MAY choices: the offline fake uses it to check
        that every request the suite sends carries exactly the defect it claims to.
        """
        decoded = decode(wire)
        if decoded.error:
            return [decoded.error]
        credentials = credential_defect(decoded.params, self.accounts)
        classified = classify(
            decoded.params,
            self.knobs,
            texts=decoded.body_kind != "json",
            json_body=decoded.body_kind == "json",
        )
        findings = ([credentials] if credentials else []) + classified.findings
        prefix = self.config.no_route_prefix
        if (
            not findings
            and classified.command == Command.SUBMIT
            and prefix
            and all(n.startswith(prefix) for n in classified.numbers)
        ):
            findings.append(Defect.NO_ROUTE)
        return findings

    def handle(self, wire: WireRequest, transport: Transport = Transport.HTTP) -> Reply:
        if wire.method == "GET" and not wire.body and wire.path == PATH:
            return self.handle_get(wire.query, transport, wire)
        reply, command = self._handle(wire, transport)
        self.stats.count(reply.status, command)
        return reply

    def handle_get(
        self, query: str, transport: Transport = Transport.HTTP, wire: WireRequest | None = None
    ) -> Reply:
        """`handle` of a GET to the API path without a body (`wire`, when the caller has it):
        a load's request, the busiest, answered from its decision when it has one."""
        decisions = self._decisions
        accepted = decisions.by_query.get(query) if decisions is not None else None
        if accepted is not None:
            reply, command = accepted.answer(), accepted.command
        else:
            wire = wire or WireRequest("GET", PATH, query, (), b"")
            reply, command = self._handle(wire, transport)
        self.stats.count(reply.status, command)
        return reply

    def _handle(self, wire: WireRequest, transport: Transport) -> tuple[Reply, str]:
        if wire.path != PATH:
            return _text(404, f"not found: use {PATH}"), "-"
        if wire.method not in ("GET", "POST"):
            reply = _text(405, "method not allowed: use GET or POST")
            return Reply(
                reply.status, reply.body, reply.content_type, (("Allow", "GET, POST"),)
            ), "-"
        reads = self._reads
        read = reads.get(wire.method, wire.query, wire.body) if reads is not None else None
        if read is None:
            read = self._read(wire)
            if self._reads is not None:
                self._reads.put(wire.method, wire.query, wire.body, read)
        decoded, classified = read
        context = _Context(self, wire, decoded, transport)
        if classified is None:
            if decoded.error == Defect.MALFORMED_JSON and Fault.MALFORMED_JSON_500 in self.breaks:
                return _text(500, "internal error"), "-"
            return context.undocumented(decoded.error), "-"
        command = decoded.params.get("command")
        command_name = command if isinstance(command, str) and command in COMMANDS else "-"
        if self.breaks:
            context.apply_validation_breaks(classified)
        if May.CREDENTIALS_ORDER in self.flips:  # every other defect before the credentials
            reply = context.first_refusal(classified)
            if reply is not None:
                return reply, command_name
        account, refusal = context.authenticate(command)
        if refusal is not None:
            return refusal, command_name
        assert account is not None
        if self.breaks and context.breaks_on_sparse(classified):
            return _text(500, "internal error"), command_name
        reply = context.first_refusal(classified)
        if reply is not None:
            return reply, command_name
        if context.leak_on_success:
            plan = self._submit_plan(classified)
            reply = plan if isinstance(plan, Reply) else self._submit(account, classified, plan)
            return Reply(401, reply.body, reply.content_type), command_name
        command = classified.command
        if (
            command == Command.QUERY
            and May.QUERY_VIA_POST in self.flips
            and context.method is not Method.GET
        ):
            return context.undocumented(May.QUERY_VIA_POST), command
        answer = self._answer(command, account, classified)
        if self._decisions is not None:  # no fault: the same query is decided the same way
            self._decisions.put(wire.method, wire.query, wire.body, Accepted(command, answer))
        return answer(), command

    def _answer(
        self, command: str, account: Account, classified: Classified
    ) -> Callable[[], Reply]:
        """The work that answers a request that passed every check, bound to what it needs."""
        if command == Command.SUBMIT:
            plan = self._submit_plan(classified)
            if isinstance(plan, Reply):
                return partial(_same, plan)
            if self._one_message(classified, plan):
                return partial(self._submit_one, account, plan.numbers[0])
            return partial(self._submit, account, classified, plan)
        if command == Command.QUERY:
            message_id = classified.params.get(QUERY_ID_PARAM, "")
            if message_id and not self.breaks:
                return partial(self._query_plain, account, classified, message_id)
            return partial(self._query, account, classified)
        return partial(self._mo, account, classified.params)

    def _read(self, wire: WireRequest) -> Read:
        """What the platform reads from `wire`: decoded, then classified (None if unreadable)."""
        decoded = decode(
            wire,
            form_accepted=self._form_accepted,
            body_wins=self._body_wins,
            first_wins=May.REPEATED_PARAMS in self.flips,
        )
        if May.PARAM_NAME_CASE in self.flips:
            decoded.params = {_CANONICAL.get(k.lower(), k): v for k, v in decoded.params.items()}
        if decoded.error:
            return Read(decoded, None)
        classified = classify(
            decoded.params,
            self.knobs,
            texts=decoded.body_kind != "json",
            json_body=decoded.body_kind == "json",
        )
        return Read(decoded, classified)

    # -- submit ------------------------------------------------------------------------------

    def _segments(self, text: str, data_coding: int | None, mode: str) -> int:
        broken = self.breaks
        if (
            mode in (LongMessageMode.CUT, LongMessageMode.PAYLOAD)
            and Fault.CUT_SPLITS not in broken
        ):
            return 1
        if mode == LongMessageMode.SPLIT_OR_PAYLOAD and May.SPLIT_OR_PAYLOAD_SINGLE in self.flips:
            return 1
        encoding = encoding_of(text, data_coding)
        if encoding is Encoding.OTHER:  # undocumented sizes: count as the text itself needs
            encoding = encoding_of(text, None)
        if mode == LongMessageMode.SPLIT_SAR and May.SPLIT_SAR_SIZES in self.flips:
            return sar_segments(text, encoding) or 1
        if encoding is Encoding.UCS2 and Fault.UCS2_AS_GSM7 in broken:
            return 1 if len(text) <= GSM7_SINGLE else ceil(len(text) / GSM7_SEGMENT)
        if encoding is Encoding.GSM7:
            if Fault.GSM7_EXTENSION_AS_ONE in broken:
                return 1 if len(text) <= GSM7_SINGLE else ceil(len(text) / GSM7_SEGMENT)
            septets = len(text) + sum(1 for ch in text if ch in GSM7_EXTENSION)
            if Fault.GSM7_SINGLE_159 in broken and septets == GSM7_SINGLE:
                return 2
        return count_segments(text, encoding) or 1

    def _submit_plan(self, c: Classified) -> SubmitPlan | Reply:
        """What a valid submit sends: its routed numbers and their segments (a pure function of
        the request, kept for a repeated one), or the refusal when no number has a route."""
        broken, p = self.breaks, c.params
        numbers = c.numbers
        prefix = self.config.no_route_prefix
        if prefix and Fault.NO_ROUTES_ACCEPTED not in broken:
            numbers = [n for n in numbers if not n.startswith(prefix)]
            if not numbers:
                return _text(NO_ROUTES.status, NO_ROUTES.text, self._error_type)
        if Fault.DUPLICATES_COLLAPSED in broken:
            numbers = list(dict.fromkeys(numbers))
        mode = p.get("longMessageMode", DEFAULT_LONG_MESSAGE_MODE)
        if mode not in LONG_MESSAGE_MODES:  # an unknown mode let through (a MAY choice)
            mode = DEFAULT_LONG_MESSAGE_MODE
        coding = p.get("dataCoding")
        data_coding = int(coding) if coding is not None and coding.strip().isdigit() else None
        segments = self._segments(p["message"], data_coding, mode)
        shared = (
            mode == LongMessageMode.SINGLE_ID_SPLIT and Fault.SINGLE_ID_SPLIT_DISTINCT not in broken
        )
        if shared and May.SINGLE_ID_SPLIT_ENTRIES in self.flips:
            segments = 1
        return SubmitPlan(numbers, segments, shared)

    def _submit(self, account: Account, c: Classified, plan: SubmitPlan) -> Reply:
        now = self.clock()
        numbers, segments, shared = plan
        if self._distinct_ids and not shared:  # a new ID for every number and segment
            issue = self._issue
            entries = [
                (number, issue(account, number, now), segment)
                for number in numbers
                for segment in range(1, segments + 1)
            ]
        else:
            entries = self._entries(account, numbers, segments, shared, now)
        self.stats.submitted_numbers += len(c.numbers)
        self.stats.routed_numbers += len(numbers)
        if self.pushes is not None:
            self.pushes.submitted(account.username, entries, segments, c.params, now)
        return self._submit_reply(entries, segments)

    def _one_message(self, c: Classified, plan: SubmitPlan) -> bool:
        """A submit that `_submit_one` answers as `_submit` would: one number, one segment, a new
        ID, the plain answer, and no push to schedule."""
        return (
            len(c.numbers) == 1
            and len(plan.numbers) == 1
            and plan.segments == 1
            and self._distinct_ids
            and self._plain_single
            and self.pushes is None
        )

    def _submit_one(self, account: Account, number: str) -> Reply:
        """`_submit` of a load's usual submit (see `_one_message`), without its general loops."""
        message_id = self._issue(account, number, self.clock())
        stats = self.stats
        stats.submitted_numbers += 1
        stats.routed_numbers += 1
        return self._single_reply(message_id)

    def _single_reply(self, message_id: str) -> Reply:
        """The common answer to a submit of one message, made without json."""
        return Reply(200, b'{"message_id":"%s"}' % message_id.encode(), self._submit_type)

    def _entries(
        self, account: Account, numbers: list[str], segments: int, shared: bool, now: float
    ) -> list[tuple[str, str, int]]:
        """(number, ID, segment) of each message, where IDs may be shared or reused."""
        broken = self.breaks
        entries = []
        reused = self._issue(account, numbers[0], now) if Fault.IDS_REUSED in broken else None
        first_ids: dict[str, list[str]] = {}  # a duplicate number may share its number's IDs
        share = May.DUPLICATE_IDS in self.flips
        for number in numbers:
            message_id = reused
            earlier = first_ids.get(number) if share else None
            ids = first_ids.setdefault(number, [])
            for segment in range(1, segments + 1):
                if earlier is not None:
                    message_id = earlier[segment - 1]
                elif message_id is None or not (shared or reused):
                    message_id = self._issue(account, number, now)
                ids.append(message_id)
                entries.append((number, message_id, segment))
        return entries

    def _new_id(self) -> str:
        message_id = self.sim.message_id()
        if self._id_shape:  # the shape of the contract page's example
            digits = message_id.replace("-", "")
            return f"{ID_PREFIX}{digits[:8]}-{digits[8:16]}"
        return message_id

    def _issue(self, account: Account, number: str, now: float) -> str:
        message_id = self._new_id() if self._id_shape else self.sim.message_id()
        # The fields of a Record, as the plain tuple the store keeps.
        self.store.put(message_id, (account.username, now, *self.sim.story_fields(now), number))
        self.stats.issued_ids += 1
        return message_id

    def _submit_reply(self, entries: list[tuple[str, str, int]], segments: int) -> Reply:
        broken = self.breaks
        if Fault.NON_JSON_SUCCESS in broken:
            ids = " ".join(m for _, m, _ in entries)
            return _text(200, f"OK {ids}", PLAIN_CONTENT_TYPE)
        if Fault.EMPTY_MESSAGE_ID in broken:
            entries = [(n, "", s) for n, _, s in entries]
        if Fault.DNIS_REWRITTEN in broken:
            entries = [("00" + n, m, s) for n, m, s in entries]
        if len(entries) == 1 and Fault.SINGLE_AS_ARRAY not in broken:
            number, message_id, _ = entries[0]
            if May.SINGLE_OBJECT_DNIS not in self.flips:
                return self._single_reply(message_id)
            value: object = {"dnis": number, "message_id": message_id}
        else:
            with_segment = segments > 1 or May.SEGMENT_NUM_MULTI not in self.flips
            as_int = Fault.SEGMENT_NUM_INTEGER in broken
            value = [
                {"dnis": n, "message_id": m}
                | ({"segment_num": s if as_int else str(s)} if with_segment else {})
                for n, m, s in entries
            ]
        return Reply(200, json.dumps(value, separators=(",", ":")).encode(), self._submit_type)

    # -- query -------------------------------------------------------------------------------

    def _status(self, record: Record, message_id: str, now: float) -> str:
        broken = self.breaks
        if now < record.accept_at or (May.STATUS_PATH in self.flips and now < record.final_at):
            status = Status.ENROUTE
        elif now < record.final_at:
            status = Status.ACCEPTD
        else:
            status = record.final
        if (
            Fault.FINAL_CHANGES_LATER in broken
            and status in FINAL_STATUSES
            and now >= record.final_at + CHANGES_AFTER
        ):
            return Status.EXPIRED if status != Status.EXPIRED else Status.DELIVRD
        if Fault.FINAL_STATUS_CHANGES in broken and status in FINAL_STATUSES:
            seen = self._query_counts[message_id] = self._query_counts.get(message_id, 0) + 1
            if seen > 1:
                return Status.EXPIRED if status != Status.EXPIRED else Status.DELIVRD
        return status

    def _status_reply(self, status: str, record: Record | None) -> Reply:
        broken = self.breaks
        if Fault.QUERY_NON_JSON in broken:
            return _text(200, status, PLAIN_CONTENT_TYPE)
        final = record is not None and status in FINAL_STATUSES
        done = record.final_at if final and record else 0.0
        if self._plain_status:  # the same bytes as below, without building and dumping a dict
            operator = (
                mccmnc(record.number, self._mccmnc_digits)
                if record and status != Status.ENROUTE
                else ""
            )
            if not final:
                return Reply(200, status_body(status, "", operator, "", ""), self._query_type)
            code = ERROR_CODES.get(status, "")  # a StrEnum key: the text finds it
            body = status_body(status, vendor_time(done), operator, code, system_time(done + 1))
            return Reply(200, body, self._query_type)
        body: dict[str, object] = {
            "status": status.lower() if Fault.STATUS_LOWERCASE in broken else status,
            "delivery_time": "",
            "mccmnc": mccmnc(record.number, self._mccmnc_digits)
            if record and status != Status.ENROUTE
            else "",
            "error_code": ERROR_CODES.get(Status(status), "") if final else "",
            "system_delivery_time": system_time(done + 1) if final else "",
        }
        if final:
            body["delivery_time"] = (
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(done))
                if Fault.DELIVERY_TIME_ISO in broken
                else vendor_time(done)
            )
        if Fault.ERROR_CODE_INTEGER in broken:
            body["error_code"] = int(body["error_code"] or 0)  # type: ignore[call-overload]
        return Reply(200, json.dumps(body, separators=(",", ":")).encode(), self._query_type)

    def _query(self, account: Account, c: Classified) -> Reply:
        broken, now = self.breaks, self.clock()
        message_id = c.params.get(QUERY_ID_PARAM, "")
        if not message_id:  # let through (a MAY choice): UNKNOWN, whatever unknown IDs get
            return self._status_reply(Status.UNKNOWN, None)
        record = self.store.get(message_id, now)
        if record is not None and Fault.RETENTION_SHORT in broken and now - record.created > 1.0:
            record = None
        if (
            record is not None
            and Fault.STORE_FORGETS_SOON in broken
            and now - record.created > FORGETS_AFTER
        ):
            record = None
        if record is None:
            if Fault.UNKNOWN_ID_500 in broken:
                return _text(500, "internal error")
            if Fault.UNKNOWN_ID_DELIVERED in broken:
                return self._status_reply(Status.DELIVRD, None)
            if May.UNKNOWN_ID_ANSWER in self.flips:
                return _text(404, "message not found", self._error_type)
            return self._status_reply(Status.UNKNOWN, None)
        if record.account != account.username and Fault.CROSS_ACCOUNT_READ not in broken:
            if May.CROSS_ACCOUNT_ANSWER in self.flips:
                return _text(404, "message not found", self._error_type)
            return self._status_reply(Status.UNKNOWN, None)
        if Fault.UNKNOWN_AT_FIRST in broken and now - record.created < 5.0:
            return self._status_reply(Status.UNKNOWN, None)
        return self._status_reply(self._status(record, message_id, now), record)

    def _query_plain(self, account: Account, c: Classified, message_id: str) -> Reply:
        """`_query` on a platform with no fault, of an ID the account issued and still stored;
        any other ID takes the general path."""
        now = self.clock()
        record = self.store.get(message_id, now)
        if record is None or record.account != account.username:
            return self._query(account, c)
        return self._status_reply(self._status(record, message_id, now), record)

    # -- mo ----------------------------------------------------------------------------------

    def _mo(self, account: Account, params: dict) -> Reply:
        message_id = self._new_id()
        if self.pushes is not None:
            self.pushes.mo(account.username, message_id, params, self.clock())
        if May.MO_RESPONSE in self.flips:
            return _text(200, "OK", self._error_type)
        body = json.dumps({"message_id": message_id}).encode()
        return Reply(200, body, self._submit_type)


class _Context:
    """What one request needs to be judged: its parameters, variant and transport."""

    def __init__(
        self, platform: Platform, wire: WireRequest, decoded: Decoded, transport: Transport
    ) -> None:
        self.platform = platform
        self.wire = wire
        self.decoded = decoded
        self.params = decoded.params
        self.transport = transport
        self.leak_on_success = False

    @cached_property
    def method(self) -> Method | None:
        """The variant of the request; only faults and MAY choices need it."""
        return method_of(self.wire, self.decoded)

    @property
    def breaks(self) -> frozenset[str]:
        return self.platform.breaks

    def documented(self, error: DocumentedError) -> Reply:
        return _text(error.status, error.text, self.platform._error_type)

    def undocumented(self, label: str) -> Reply:
        """A 400 for an error the contract gives no text for (a MAY point)."""
        broken = self.breaks
        status = 422 if May.UNDOCUMENTED_ERROR_STATUS in self.platform.flips else 400
        if Fault.POST_BODY_STATUS_DIFFERS in broken and self.method is Method.POST_BODY:
            status = 422
        if Fault.HTTPS_STATUS_DIFFERS in broken and self.transport is Transport.HTTPS:
            status = 422
        if Fault.EMPTY_ERROR_BODY in broken:
            return _text(status, "", self.platform._error_type)
        text = _UNDOCUMENTED_TEXTS.get(label, "invalid request")
        if May.UNDOCUMENTED_ERROR_TEXTS in self.platform.flips:
            text = f"ERROR: {label}"
        if Fault.ECHO_CREDENTIALS in broken:
            text += (
                f" (username={self.params.get('username')}, password={self.params.get('password')})"
            )
        return _text(status, text, self.platform._error_type)

    def authenticate(self, command: object) -> tuple[Account | None, Reply | None]:
        platform, broken, params = self.platform, self.breaks, self.params
        if Fault.POST_URL_CREDENTIALS_IGNORED in broken and self.method is Method.POST_URL:
            params = {k: v for k, v in params.items() if k not in ("username", "password")}
        defect = credential_defect(params, platform.accounts)
        if defect is None:
            return platform.accounts[params["username"]], None
        if DEFECTS[defect].answer == NOT_AUTHORIZED.status:  # missing, not wrong
            if Fault.AUTH_MISSING_400 in broken:
                return None, _text(400, "username and password are required")
            if May.MISSING_CREDENTIALS_TEXT in platform.flips:
                return None, _text(NOT_AUTHORIZED.status, "credentials are missing")
            return None, self.documented(NOT_AUTHORIZED)
        username = params.get("username")
        account = platform.accounts.get(username) if isinstance(username, str) else None
        unchecked = (
            Fault.AUTH_IGNORED in broken
            or (Fault.AUTH_QUERY_UNCHECKED in broken and command == Command.QUERY)
            or (Fault.AUTH_MO_UNCHECKED in broken and command == Command.MO)
            or (
                Fault.AUTH_POST_BODY_UNCHECKED in broken
                and self.decoded.source("password") == "body"
            )
        )
        fallback = account or next(iter(platform.accounts.values()))
        if unchecked:
            return fallback, None
        if Fault.AUTH_LEAKS_IDS in broken and command == Command.SUBMIT:
            self.leak_on_success = True
            return fallback, None
        if Fault.AUTH_WRONG_STATUS in broken:
            return None, _text(403, NOT_AUTHORIZED.text, platform._error_type)
        if Fault.AUTH_WRONG_TEXT in broken:
            return None, _text(401, "Unauthorized", platform._error_type)
        return None, self.documented(NOT_AUTHORIZED)

    def apply_validation_breaks(self, c: Classified) -> None:
        findings = c.findings
        for fault, label in _VALIDATION_BREAKS.items():
            if fault in self.breaks:
                findings[:] = [f for f in findings if f != label]
        count = len(c.numbers)
        if Fault.DNIS_101_ACCEPTED in self.breaks and count == MAX_DNIS_COUNT + 1:
            findings[:] = [f for f in findings if f != Defect.DNIS_TOO_MANY]
        if Fault.DNIS_100_REJECTED in self.breaks and count == MAX_DNIS_COUNT:
            findings.insert(0, Defect.DNIS_TOO_MANY)
        # Rejected at the length every reading of the limit accepts.
        limit = SERVICE_TYPE_READINGS[0]
        service_type = c.params.get("serviceType", "")
        if (
            Fault.SERVICE_TYPE_AT_LIMIT_REJECTED in self.breaks
            and len(service_type.encode()) == limit
        ):
            findings.insert(0, Defect.SERVICE_TYPE_TOO_LONG)
        if Fault.MISSING_MESSAGE_ACCEPTED in self.breaks:
            c.params.setdefault("message", "")

    def breaks_on_sparse(self, c: Classified) -> bool:
        """Whether a fault makes the platform fail on a parameter left out (sparse requests)."""
        broken, p = self.breaks, c.params
        if Fault.MO_MISSING_FIELD_500 in broken and c.command == Command.MO:
            return not all(p.get(name) for name in MO_PARAMS)
        if Fault.QUERY_MISSING_ID_500 in broken and c.command == Command.QUERY:
            return not p.get(QUERY_ID_PARAM)
        return False

    def first_refusal(self, c: Classified) -> Reply | None:
        """The answer to the first finding the platform refuses; None when it refuses none."""
        for label in c.findings:
            reply = self.judge(label)
            if reply is not None:
                return reply
        return None

    def judge(self, label: str) -> Reply | None:
        """The answer a finding gets; None when the platform lets it through."""
        defect = DEFECTS.get(label)
        if defect is None:
            rejected = (label in _REJECTED_BY_DEFAULT) != (label in self.platform.flips)
            return self.undocumented(label) if rejected else None
        answer = defect.answer
        if isinstance(answer, DocumentedError):
            if label == Defect.DNIS_TOO_MANY and Fault.DNIS_LIMIT_WRONG_TEXT in self.breaks:
                return _text(answer.status, "Too many destination numbers")
            return self.documented(answer)
        if isinstance(answer, int):
            return _text(answer, NOT_AUTHORIZED.text, self.platform._error_type)
        return self.undocumented(label)
