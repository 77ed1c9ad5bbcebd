"""The OpenAPI 3.1 document: built from the model, exported, and read by a peer tool (Schemathesis)
that checks the mock against it over loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.exported import OPENAPI_FILE
from okroute_mock.launch import launched
from okroute_model import openapi
from okroute_model.environment import Env
from okroute_model.errors import ERROR_CONTENT_TYPE
from okroute_model.params import CREDENTIALS, PATH, Command
from okroute_model.wire import JSON_CONTENT_TYPE, Transport

ACCOUNT = ("openapi-qa", "Openapi-Canary-Pa55")  # a canary: it must never be printed
# What "conforms" means here: no server error, no status, content type or JSON answer outside
# what the document says. (Schemathesis's other checks judge REST conventions this API lacks.)
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,"
CHECKS += "response_schema_conformance"
MAX_EXAMPLES = 40
# The run is bounded by its examples per operation; the timeout only stops a hung run.
# (Schemathesis's --max-time is a budget it fills: fuzzing repeats until it is spent.)
TIMEOUT = 300
SCHEMATHESIS = shutil.which("st", path=str(Path(sys.executable).parent))


def test_the_exported_document_is_the_models() -> None:
    assert OPENAPI_FILE.read_text() == openapi.rendered(), "run: python -m contracts.exported"


def test_the_document_says_what_the_contract_does() -> None:
    doc = openapi.document()
    assert doc["openapi"].startswith("3.1")
    operations = doc["paths"][PATH]
    assert set(operations) == {"get", "post"}
    get = {p["name"]: p for p in operations["get"]["parameters"]}
    assert get["command"]["schema"]["enum"] == [c.value for c in Command]
    assert all(get[name]["required"] for name in ("command", *CREDENTIALS))
    post = {p["name"]: p for p in operations["post"]["parameters"]}
    assert set(post) == {"command", *CREDENTIALS}
    assert not any(post[name]["required"] for name in CREDENTIALS)  # or in the body
    body = operations["post"]["requestBody"]["content"][JSON_CONTENT_TYPE]["schema"]
    assert set(body["properties"]) == set(get)  # POST-body carries every field, credentials too
    answers = operations["get"]["responses"]
    assert {"200", "400", "401", "4XX", "508"} <= set(answers)
    success = answers["200"]["content"]
    assert set(success) == {JSON_CONTENT_TYPE, ERROR_CONTENT_TYPE.split(";")[0]}
    assert answers["401"]["content"][ERROR_CONTENT_TYPE.split(";")[0]]
    # where OpenAPI cannot say it, the document says so
    assert any("keyed by `command`" in line for line in doc["x-okroute-limits"])
    assert any("in the URL" in line and "body" in line for line in doc["x-okroute-limits"])


def test_a_peer_tool_loads_it() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_path(str(OPENAPI_FILE))
    operations = {op.ok().method.upper() for op in schema.get_all_operations()}
    assert operations == {"GET", "POST"}


def _schemathesis(directory: Path, url: str, ca: str | None) -> subprocess.CompletedProcess:
    # Valid credentials where the document lets a tool choose values, read from the environment
    # (the file names the variables, never the password).
    config = directory / "schemathesis.toml"
    variables = dict(zip(CREDENTIALS, (Env.USERNAME, Env.PASSWORD), strict=True))
    config.write_text(
        "[parameters]\n"
        + "".join(
            f'"{where}.{name}" = "${{{variable}}}"\n'
            for where in ("query", "body")
            for name, variable in variables.items()
        )
    )
    command = [
        SCHEMATHESIS, "--config-file", str(config), "--no-color", "run", str(OPENAPI_FILE),
        "--url", url, "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
        "--seed", "1", "--workers", "1",
        "--request-timeout", "10", "--generation-database", "none",
        "--report", "junit", "--report-dir", str(directory / "report"),
    ]  # fmt: skip
    if ca:
        command += ["--tls-verify", ca]
    env = {**os.environ, Env.USERNAME: ACCOUNT[0], Env.PASSWORD: ACCOUNT[1]}
    return subprocess.run(
        command,
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def _mock(directory: Path, *args: str, https: bool = True):
    return launched(
        directory, ["--account", ":".join(ACCOUNT), *args], https=https, access_log=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("transport", list(Transport))
def test_schemathesis_finds_the_mock_conforms(tmp_path: Path, transport: Transport) -> None:
    with _mock(tmp_path / "mock") as mock:
        result = _schemathesis(tmp_path, mock.urls[transport], mock.ca)
        stats = mock.stats()
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "No issues found" in out
    assert ACCOUNT[1] not in out
    # It reached the platform with valid requests, not only rejections.
    assert stats["by_status"].get("200", 0) > 50, stats["by_status"]
    assert not any(status.startswith("5") for status in stats["by_status"]), stats["by_status"]


@pytest.mark.slow
def test_schemathesis_catches_an_answer_outside_the_document(tmp_path: Path) -> None:
    """The same run fails against a mock whose submit answers break the schema."""
    with _mock(tmp_path / "mock", "--break", "segment-num-integer", https=False) as mock:
        result = _schemathesis(tmp_path, mock.http, None)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-4000:]
    assert "Response violates schema" in out
    junit = next((tmp_path / "report").glob("*.xml")).read_text()
    assert "failure" in junit and ACCOUNT[1] not in junit
