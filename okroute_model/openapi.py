"""The contract as an OpenAPI 3.1 document, built from the model, for the ecosystem's tools.

Postman, Prism or Schemathesis read it; `python -m contracts.exported` writes it to
`contracts/schemas/openapi.json` and a test keeps that file equal to what this module builds.

OpenAPI describes one operation per path and method. This API has one path whose meaning is keyed
by the `command` parameter, and credentials that travel in the query or in the JSON body, so the
document says less than the contract does: the limits it cannot express are listed in
`LIMITS` (and in the document's description). The suite's own checks judge those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from okroute_model.classify import VALIDITY_PERIOD
from okroute_model.errors import (
    DNIS_TOO_LONG,
    ERROR_CONTENT_TYPE,
    LOOP_DETECTED,
    NO_ROUTES,
    NOT_AUTHORIZED,
    PLAIN_CONTENT_TYPE,
    SERVICE_TYPE_INVALID,
)
from okroute_model.params import (
    CREDENTIALS,
    DATA_CODINGS,
    DNIS_SEPARATOR,
    ESM_CLASS_RANGE,
    FLAG_PARAMS,
    LONG_MESSAGE_MODES,
    MAX_ANI_CHARS,
    MAX_DNIS_CHARS,
    MAX_DNIS_COUNT,
    MAX_INC_MSG_ID_CHARS,
    MAX_NUMBER_DIGITS,
    NPI_RANGE,
    PATH,
    QUERY_ID_PARAM,
    TON_NPI_PARAMS,
    TON_RANGE,
    Command,
)
from okroute_model.profile import load_profile
from okroute_model.schemas import QUERY, SUBMIT_MULTI, SUBMIT_SINGLE
from okroute_model.throttling import RETRY_AFTER_HEADER
from okroute_model.wire import JSON_CONTENT_TYPE, Transport

FILENAME = "openapi.json"
VERSION = "3.1.0"
DOCUMENT_VERSION = "1.0.0"  # of this document; raise it when what it says changes

LIMITS = (
    f"One path, {PATH}, whose meaning is keyed by `command` (submit, query, mo): OpenAPI cannot "
    "give each command its own parameters, so every parameter is listed as optional and which "
    "ones a command needs is said in their descriptions.",
    "POST carries the credentials either in the URL (with `command`) or in the JSON body: "
    "OpenAPI cannot require a field in one place or the other, so both are optional.",
    "The three variants are: GET with every parameter in the query; POST with command, username "
    "and password in the query and the rest as a JSON object; POST with everything in the JSON "
    f"object and the URL {PATH}?. The contract requires the same outcome through each.",
    "A successful answer is JSON whatever its Content-Type says: it is described under "
    "application/json and, as JSON text, under text/html.",
    "Segmenting (how many entries a long message gets), duplicate numbers, message-ID uniqueness, "
    "status transitions over time and account isolation are rules over several requests or "
    "over values; OpenAPI cannot state them.",
    "command=mo has no documented answer (a MAY point); a 200 answer to it is described only as "
    "JSON or text.",
)


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip()


def _strip(schema: dict[str, Any]) -> dict[str, Any]:
    """A model JSON Schema as an OpenAPI schema object: its own $schema and $id dropped (they
    would make tools resolve references against a made-up base URI)."""
    return {k: v for k, v in schema.items() if k not in ("$schema", "$id")}


def _digits_range(low: int, high: int) -> dict[str, Any]:
    return {"type": "string", "enum": [str(i) for i in range(low, high + 1)]}


def _fields() -> dict[str, tuple[dict[str, Any], str]]:
    """Every parameter: its schema (values travel as strings) and what it is for."""
    number = f"[0-9]{{1,{MAX_NUMBER_DIGITS}}}"
    fields: dict[str, tuple[dict[str, Any], str]] = {
        "command": ({"type": "string", "enum": [c.value for c in Command]}, "which command"),
        CREDENTIALS[0]: ({"type": "string"}, "the account; every command"),
        CREDENTIALS[1]: ({"type": "string", "format": "password"}, "every command"),
        "dnis": (
            {
                "type": "string",
                "maxLength": MAX_DNIS_CHARS,
                "pattern": f"^{number}(?:{DNIS_SEPARATOR}{number}){{0,{MAX_DNIS_COUNT - 1}}}$",
            },
            f"submit (required), mo: up to {MAX_DNIS_COUNT} numbers separated by "
            f"'{DNIS_SEPARATOR}', at most {MAX_DNIS_CHARS} characters",
        ),
        "message": ({"type": "string", "minLength": 1}, "submit (required), mo: the text, UTF-8"),
        "ani": (
            {"type": "string", "maxLength": MAX_ANI_CHARS, "pattern": "^[A-Za-z0-9]*$"},
            f"submit, mo: the sender ID, at most {MAX_ANI_CHARS} alphanumeric symbols",
        ),
        "serviceType": (
            {"type": "string"},
            "submit: may be blank; its byte limit is a deployment knob",
        ),
        "longMessageMode": (
            {"type": "string", "enum": sorted(LONG_MESSAGE_MODES)},
            "submit: what happens to a long text",
        ),
        "dataCoding": (
            {"type": "string", "enum": [str(c) for c in DATA_CODINGS]},
            "submit: 8 = UCS-2, 0 = default alphabet",
        ),
        "esmClass": (_digits_range(*ESM_CLASS_RANGE), "submit"),
        "silent": ({"type": "string"}, "submit: 0 is not silent, any other value is"),
        "validityPeriod": (
            {"type": "string", "pattern": VALIDITY_PERIOD.pattern},
            "submit: SMPP time, relative (R) or absolute (-)",
        ),
        "incMsgId": (
            {"type": "string", "maxLength": MAX_INC_MSG_ID_CHARS},
            "submit: the client's message ID",
        ),
        QUERY_ID_PARAM: ({"type": "string"}, "query (required): a message_id from a submit"),
    }
    for flag in FLAG_PARAMS:
        fields[flag] = (_digits_range(0, 1), "submit")
    for name in TON_NPI_PARAMS:
        low, high = TON_RANGE if name.endswith("Ton") else NPI_RANGE
        fields[name] = (_digits_range(low, high), "submit")
    return fields


def _parameters(required_in_query: bool) -> list[dict[str, Any]]:
    names = list(_fields()) if required_in_query else ["command", *CREDENTIALS]
    return [
        {
            "name": name,
            "in": "query",
            "required": required_in_query and name in ("command", *CREDENTIALS),
            "description": description,
            "schema": schema,
        }
        for name, (schema, description) in ((n, _fields()[n]) for n in names)
    ]


def _text_answer(description: str, texts: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1}
    if texts:
        schema["examples"] = list(texts)
    return {
        "description": description,
        "content": {
            _media(ERROR_CONTENT_TYPE): {"schema": schema},
            _media(PLAIN_CONTENT_TYPE): {"schema": schema},  # MAY: how errors are labelled
        },
    }


def _answers() -> dict[str, Any]:
    success = {"anyOf": [{"$ref": f"#/components/schemas/{n}"} for n in _SCHEMAS]}
    throttled = _text_answer("MAY: throttling; no status code is documented (429 or 503)")
    throttled["headers"] = {
        RETRY_AFTER_HEADER: {"description": "seconds to wait", "schema": {"type": "string"}}
    }
    return {
        "200": {
            "description": "submit: one object (one number, one segment) or an array of entries; "
            "query: the status; mo: not documented",
            "content": {
                _media(JSON_CONTENT_TYPE): {"schema": success},
                _media(ERROR_CONTENT_TYPE): {
                    "schema": {
                        "type": "string",
                        "contentMediaType": _media(JSON_CONTENT_TYPE),
                        "contentSchema": success,
                    }
                },
            },
        },
        "400": _text_answer(
            "a documented rejection, or an undocumented one (its text MAY vary)",
            (NO_ROUTES.text, DNIS_TOO_LONG.text, SERVICE_TYPE_INVALID.text),
        ),
        "401": _text_answer("wrong or missing credentials", (NOT_AUTHORIZED.text,)),
        "429": throttled,
        "4XX": _text_answer("an undocumented rejection: a 4xx with a non-empty body"),
        str(LOOP_DETECTED.status): _text_answer("a routing loop", (LOOP_DETECTED.text,)),
    }


_SCHEMAS = {"submit-single": SUBMIT_SINGLE, "submit-multi": SUBMIT_MULTI, "query": QUERY}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API."""
    knobs = load_profile().platform
    fields = _fields()
    body = {
        "type": "object",
        "description": "POST: everything but the credentials (they are in the query), or "
        f"everything (the URL is {PATH}?)",
        "properties": {name: schema for name, (schema, _) in fields.items()},
    }
    answers = _answers()
    return {
        "openapi": VERSION,
        "info": {
            "title": "OKRoute (Alaris) SMS HTTP(S) API",
            "version": DOCUMENT_VERSION,
            "description": "Generated from the okroute-suite contract model. What OpenAPI "
            "cannot say here:\n\n" + "\n".join(f"- {line}" for line in LIMITS),
        },
        "servers": [
            {
                "url": "{scheme}://{host}:{port}",
                "variables": {
                    "scheme": {
                        "default": Transport.HTTP.value,
                        "enum": [t.value for t in Transport],
                    },
                    "host": {"default": "localhost"},
                    "port": {
                        "default": str(knobs.http_port),
                        "description": f"documented: {knobs.http_port} (HTTP), "
                        f"{knobs.https_port} (HTTPS)",
                    },
                },
            }
        ],
        "paths": {
            PATH: {
                "get": {
                    "operationId": "getApi",
                    "summary": "every parameter in the query string",
                    "parameters": _parameters(required_in_query=True),
                    "responses": answers,
                },
                "post": {
                    "operationId": "postApi",
                    "summary": "a JSON object body; the credentials in the URL or in the body",
                    "parameters": _parameters(required_in_query=False),
                    "requestBody": {
                        "required": True,
                        "content": {_media(JSON_CONTENT_TYPE): {"schema": body}},
                    },
                    "responses": answers,
                },
            }
        },
        "components": {"schemas": {name: _strip(s) for name, s in _SCHEMAS.items()}},
        "x-okroute-limits": list(LIMITS),
    }


def rendered() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def export(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILENAME
    path.write_text(rendered(), encoding="utf-8")
    return path
