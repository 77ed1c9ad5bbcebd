"""Profiles, exported schemas, masking, and the consistency of the catalogues."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from contracts.checks import CHECKS, GROUP_CHECKS
from contracts.exported import SCHEMA_DIR
from contracts.push_checks import PUSH_CHECKS
from okroute_mock.breaks import BREAKS
from okroute_mock.quirks import CHOICES
from okroute_model.may import MAY_POINTS
from okroute_model.profile import ProfileError, load_profile
from okroute_model.rules import RULES, Level
from okroute_model.schemas import SCHEMAS, rendered
from okroute_model.secrets import MASK, Masker, install_log_masking, mask_body, mask_query
from okroute_model.wire import ApiRequest, Method, encode


def test_the_exported_schemas_are_the_models() -> None:
    for name, schema in SCHEMAS.items():
        assert (SCHEMA_DIR / f"{name}.json").read_text() == rendered(schema), (
            f"run: python -m contracts.exported  ({name} changed)"
        )


def test_a_profile_overlays_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[platform]\nservice_type_max_bytes = 6\n[target]\nrate = 5\n")
    profile = load_profile(path)
    assert profile.platform.service_type_max_bytes == 6
    assert profile.platform.http_port == load_profile().platform.http_port
    assert profile.target.rate == 5.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[platform]\nservice_typ_max_bytes = 6\n", "unknown key"),
        ("[platfrom]\nx = 1\n", "unknown section"),
        ("[platform]\nplus_prefix = 'yes'\n", "must be bool"),
        ("[target]\nmax_messages = 1.5\n", "must be int"),
        ("[target]\npassword = 'hunter22'\n", "never go in a profile"),
        ("[compare]\nfingerprint_change = 'maybe'\n", "'warn' or 'fail'"),
        ("[platform\n", "not valid TOML"),
    ],
)
def test_profile_mistakes_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_a_missing_profile_is_a_clear_error() -> None:
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile("/nonexistent/profile.toml")


@pytest.mark.parametrize("secret", ["Leak-Canary 7/3+a&b=c", "pässwörd-ü", 'quote"back\\slash'])
def test_every_wire_form_of_a_secret_is_masked(secret: str) -> None:
    masker = Masker([secret])
    request = ApiRequest("submit", "u", secret, (("dnis", "1"),))
    for method in Method:
        wire = encode(request, method)
        for text in (wire.query, wire.body.decode()):
            assert secret not in masker.mask(text)
    assert masker.mask(json.dumps({"p": secret})) == json.dumps({"p": MASK})


def test_masking_by_field_name_needs_no_registered_secret() -> None:
    assert (
        mask_query("command=submit&password=whatever&dnis=1")
        == "command=submit&password=***&dnis=1"
    )
    assert json.loads(mask_body(b'{"password": "x", "dnis": "1"}')) == {
        "password": MASK,
        "dnis": "1",
    }


def test_short_strings_are_not_treated_as_secrets() -> None:
    assert Masker(["abc"]).mask("abc abc") == "abc abc"


def test_the_catalogues_agree_with_the_model() -> None:
    judged = {
        c.rule.name for c in (*CHECKS.values(), *GROUP_CHECKS.values(), *PUSH_CHECKS.values())
    }
    assert judged == set(RULES), set(RULES) ^ judged  # every rule has a check, and only rules
    assert {b.rule for b in BREAKS.values()} == set(RULES)  # every rule can be broken
    assert set(CHOICES) <= set(MAY_POINTS)
    assert all(r.level in (Level.MUST, Level.SHOULD) for r in RULES.values())


@pytest.mark.parametrize("password", ["x", "ab%20c", "Long-Enough-Pw-1"])
def test_a_logged_url_never_shows_the_password_whatever_its_length(password: str) -> None:
    # httpx logs each request's URL at INFO; a password under the masker's minimum length is
    # still the platform's password.
    stream = io.StringIO()
    logger = logging.getLogger(f"okroute.test-masking-{len(password)}")
    logger.addHandler(logging.StreamHandler(stream))
    logger.setLevel(logging.INFO)
    install_log_masking([logger.name])
    logger.info(
        'HTTP Request: GET %s "HTTP/1.1 200 OK"',
        f"http://127.0.0.1:1/api?command=query&username=load&password={password}&messageId=7",
    )
    line = stream.getvalue()
    assert f"password={MASK}&messageId=7" in line and f"={password}&" not in line
    assert "username=load" in line  # only the secret field is masked
