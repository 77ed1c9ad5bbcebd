"""The user's own API page's curl and Python examples, pointed at the mock, get valid answers.

`seed_examples/` holds the examples exactly as the page prints them. Running them needs only what
pointing them at the mock means, plus two repairs of the page's typography, each named here:
- placeholders (`<dnis>`, `<domainname>:8002`, `1.1.1.1:8001`, and the literal "dnis") get values;
- the Python POST examples use typographic quotes (‘ ’ “ ”) and a no-break space, which Python
  cannot run;
- the curl GET example breaks its URL over several lines inside the quotes.
The mock gets the account the examples use verbatim: username `username`, password `password`.
HTTPS trusts the mock's CA through the environment (CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import running_mock

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).parent / "seed_examples"
NUMBER = "34511121"
VALUES = {
    "<username>": "username",
    "<password>": "password",
    "<ani>": "OKRoute",
    "<dnis>": NUMBER,
    "<message>": "hello",
    "<serviceType>": "",
    "<longMessageMode>": "split",
}
TYPOGRAPHIC = {"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "}


def point_at(text: str, mock) -> str:
    text = text.replace("https://<domainname>:8002", mock.https)
    text = text.replace("http://1.1.1.1:8001", mock.http)
    for placeholder, value in VALUES.items():
        text = text.replace(placeholder, value)
    return re.sub(r'("dnis"\s*:\s*)"dnis"', rf'\1"{NUMBER}"', text)


def repair_python(text: str) -> str:
    for bad, good in TYPOGRAPHIC.items():
        text = text.replace(bad, good)
    return text


def curl_argv(text: str) -> list[str]:
    joined = text.replace("\\\n", " ")
    # The URL the page breaks over lines: whitespace inside a quoted http(s) URL goes.
    joined = re.sub(
        r"'(https?://[^']*)'", lambda m: "'" + re.sub(r"\s+", "", m.group(1)) + "'", joined
    )
    return shlex.split(joined)


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("seed"), "--account", "username:password") as m:
        yield m


def env_for(mock) -> dict[str, str]:
    return {**os.environ, "CURL_CA_BUNDLE": mock.ca, "REQUESTS_CA_BUNDLE": mock.ca}


def assert_valid_submit_answer(output: str) -> None:
    answer = json.loads(output)
    entries = answer if isinstance(answer, list) else [answer]
    assert entries and all(e["message_id"] for e in entries), output


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.python")))
def test_python_examples(mock, name: str) -> None:
    code = point_at(repair_python((EXAMPLES / name).read_text(encoding="utf-8")), mock)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env_for(mock), timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert_valid_submit_answer(result.stdout)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.curl")))
def test_curl_examples(mock, name: str) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (.ci/run installs it)")
    argv = curl_argv(point_at((EXAMPLES / name).read_text(encoding="utf-8"), mock))
    result = subprocess.run(
        [*argv, "-sS", "--fail-with-body"],
        capture_output=True,
        text=True,
        env=env_for(mock),
        timeout=30,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert_valid_submit_answer(result.stdout)


def test_the_examples_are_the_pages_own() -> None:
    """Guard against "fixing" the examples in place: they keep the page's placeholders."""
    texts = [p.read_text(encoding="utf-8") for p in EXAMPLES.iterdir()]
    assert len(texts) == 6
    assert all("1.1.1.1:8001" in t or "<domainname>:8002" in t for t in texts)
    assert sum("‘" in t for t in texts) == 2  # the two Python POST examples, as printed
