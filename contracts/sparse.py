"""Sparse requests: every command with its parameters absent, empty or of the wrong type.

Hypothesis draws full requests; a platform that breaks on a missing field (§5: `mo` "SHOULD never
5xx") passes them all. Here each parameter of a command — required or optional — is present,
absent, empty or of the wrong type, independently (`sparse_cases`), and, one at a time, each
required one in each form (`single_parameter_cases`, the same every run).

A sparse request is labelled from the model, as a platform would find it: its first defect is the
case's, the others are `also` (several defects, judged by what holds whichever comes first), and
its MAY labels are `may` (an empty optional integer: a platform may refuse it, so acceptance is
not judged). A request with no defect is judged as valid; a live submit without one goes to the
no-route range when the target has one, and is judged by NO ROUTES.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from typing import Any

from hypothesis import strategies as st

from contracts.cases import Case, IdKind
from contracts.strategies import (
    Config,
    gsm7_text,
    message_ids,
    no_route_number,
    numbers,
    request_of,
    routable,
    valid_submit_params,
)
from okroute_model.classify import classify
from okroute_model.defects import Defect, is_defect
from okroute_model.params import (
    DNIS_SEPARATOR,
    MO_PARAMS,
    QUERY_ID_PARAM,
    SUBMIT_OPTIONAL,
    SUBMIT_REQUIRED,
    URL_FIELDS,
    Command,
)
from okroute_model.wire import ApiRequest, Method, decode, encode


class Form(StrEnum):
    """How one parameter travels in a sparse request."""

    PRESENT = "present"  # as a valid request has it (an optional one may be absent)
    ABSENT = "absent"
    EMPTY = "empty"
    WRONG_TYPE = "of the wrong type"  # a JSON list, object or null where text belongs


REQUIRED: dict[Command, tuple[str, ...]] = {
    Command.SUBMIT: (*URL_FIELDS, *SUBMIT_REQUIRED),
    Command.QUERY: (*URL_FIELDS, QUERY_ID_PARAM),
    Command.MO: (*URL_FIELDS, *MO_PARAMS),
}
PARAMETERS: dict[Command, tuple[str, ...]] = {
    **REQUIRED,
    Command.SUBMIT: (*REQUIRED[Command.SUBMIT], *SUBMIT_OPTIONAL),
}
SPARSE_FORMS = (Form.ABSENT, Form.EMPTY, Form.WRONG_TYPE)
# Command and credentials travel in the URL in two of the three variants, as text: no type.
URL_FORMS = (Form.ABSENT, Form.EMPTY)
# JSON values that are no text: a list of strings is a MAY point for dnis (§6), not a defect.
WRONG_VALUES: tuple[Any, ...] = (["x"], {"value": "x"}, None)


NEVER_ISSUED = "sparse-never-issued"  # a message ID no platform issued


def forms_of(name: str) -> tuple[Form, ...]:
    return URL_FORMS if name in URL_FIELDS else SPARSE_FORMS


def with_form(request: ApiRequest, name: str, form: Form, wrong: Any = None) -> ApiRequest:
    """`request` with parameter `name` in `form` (`wrong`: the value of the wrong type)."""
    if form is Form.PRESENT:
        return request
    if name in URL_FIELDS:
        fields = dict(
            zip(URL_FIELDS, (request.command, request.username, request.password), strict=True)
        )
        fields[name] = None if form is Form.ABSENT else ""
        return ApiRequest(fields["command"], fields["username"], fields["password"], request.params)
    params = dict(request.params)
    params.pop(name, None)
    if form is Form.EMPTY:
        params[name] = ""
    elif form is Form.WRONG_TYPE:
        params[name] = wrong
    return ApiRequest(request.command, request.username, request.password, tuple(params.items()))


def _credentials_defect(request: ApiRequest) -> Defect | None:
    if not request.username and not request.password:
        return Defect.MISSING_CREDENTIALS
    if not request.username:
        return Defect.MISSING_USERNAME
    return None if request.password else Defect.MISSING_PASSWORD


def findings(cfg: Config, request: ApiRequest) -> list[str]:
    """What a correct platform finds in `request` through every variant that carries it, as the
    offline fake's diagnosis orders it: credentials first, then the model's classification."""
    credentials = _credentials_defect(request)
    found: list[str] = [credentials] if credentials else []
    numbers_found: list[str] = []
    command = None
    methods = (Method.POST_URL, Method.POST_BODY) if request.body_only else tuple(Method)
    for method in methods:
        decoded = decode(encode(request, method))
        if decoded.error:
            found.append(decoded.error)
            continue
        json_body = decoded.body_kind == "json"
        classified = classify(decoded.params, cfg.knobs, texts=not json_body, json_body=json_body)
        found += classified.findings
        numbers_found, command = classified.numbers, classified.command
    found = list(dict.fromkeys(found))
    prefix = cfg.no_route_prefix
    unrouted = prefix and all(n.startswith(prefix) for n in numbers_found)
    if not found and command == Command.SUBMIT and unrouted:
        found.append(Defect.NO_ROUTE)
    return found


def labelled(cfg: Config, request: ApiRequest, note: str) -> Case:
    """`request` as a case: its defects and MAY labels as the model finds them."""
    found = findings(cfg, request)
    defects = [Defect(f) for f in found if is_defect(f)]
    may = tuple(f for f in found if not is_defect(f))
    id_kind = None
    if request.command == Command.QUERY and not defects and not may:
        id_kind = IdKind.NEVER_ISSUED
    return Case(
        request,
        defect=defects[0] if defects else None,
        also=tuple(defects[1:]),
        may=may,
        note=note,
        id_kind=id_kind,
    )


def _note(changes: dict[str, Form]) -> str:
    sparse = [f"{name} {form}" for name, form in changes.items() if form is not Form.PRESENT]
    return "sparse: " + (", ".join(sparse) or "nothing left out")


def _destination(cfg: Config, i: int) -> str:
    """A live submit goes to the no-route range when there is one: it risks nothing."""
    if cfg.live and cfg.no_route_prefix:
        return no_route_number(cfg, i)
    return routable(cfg, cfg.dnis_prefix + str(i).rjust(8, "0"))


def base_request(cfg: Config, command: Command, message_id: str = NEVER_ISSUED) -> ApiRequest:
    """A fixed valid request of `command`: the start of the one-at-a-time cases."""
    if command == Command.SUBMIT:
        params = {"dnis": _destination(cfg, 1), "message": "sparse", "serviceType": ""}
    elif command == Command.MO:
        params = {"ani": _destination(cfg, 2), "dnis": _destination(cfg, 3), "message": "sparse"}
    else:
        params = {QUERY_ID_PARAM: message_id}
    return request_of(cfg, command, params)


def single_parameter_cases(cfg: Config, command: Command) -> Iterator[Case]:
    """Each required parameter of `command` absent, empty and (outside the URL) of the wrong
    type, one at a time: the same cases every run, so a platform that breaks on one is caught
    in every run."""
    base = base_request(cfg, command)
    for name in REQUIRED[command]:
        for form in forms_of(name):
            wrong = {"value": "x"} if name == "dnis" else ["x"]
            yield labelled(cfg, with_form(base, name, form, wrong), _note({name: form}))


@cache  # a strategy built once is validated once (see contracts.strategies' note)
def _valid_base(cfg: Config, command: Command) -> st.SearchStrategy[ApiRequest]:
    if command == Command.SUBMIT:

        def submit(params: dict[str, str]) -> ApiRequest:
            if cfg.live and cfg.no_route_prefix:
                count = len(params["dnis"].split(DNIS_SEPARATOR))
                params["dnis"] = DNIS_SEPARATOR.join(no_route_number(cfg, i) for i in range(count))
            return request_of(cfg, command, params)

        return valid_submit_params(cfg, cfg.invalid_numbers).map(submit)
    if command == Command.MO:
        return st.builds(
            lambda ani, dnis, text: request_of(
                cfg, command, {"ani": ani, "dnis": dnis, "message": text}
            ),
            numbers(cfg),
            numbers(cfg),
            gsm7_text(max_size=40),
        )
    return message_ids().map(lambda i: request_of(cfg, command, {QUERY_ID_PARAM: i}))


@cache
def _form(name: str) -> st.SearchStrategy[Form]:
    return st.one_of(st.just(Form.PRESENT), st.sampled_from(forms_of(name)))


@cache
def _wrong_value(name: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(WRONG_VALUES[1:] if name == "dnis" else WRONG_VALUES)


@cache
@st.composite
def sparse_cases(draw, cfg: Config, command: Command) -> Case:
    """A request of `command` with every parameter, independently, present, absent, empty or of
    the wrong type; labelled with what the model finds in it."""
    request = draw(_valid_base(cfg, command))
    changes: dict[str, Form] = {}
    for name in PARAMETERS[command]:
        form = draw(_form(name))
        wrong = draw(_wrong_value(name))
        request = with_form(request, name, form, wrong)
        changes[name] = form
    return labelled(cfg, request, _note(changes))
