"""Credentials read once and masked at once; a skipped test's report stays what JUnit can write;
okroute-contract's own words for pytest's usage errors. In process, no sockets."""

from __future__ import annotations

import pytest

from contracts.cli import own_lines
from contracts.plugin import _mask_report
from okroute_model.accounts import CredentialsMissing, from_env, made_for_mock
from okroute_model.environment import Env
from okroute_model.secrets import MASK, MASKER


def test_both_accounts_are_read_and_masked_at_once() -> None:
    env = {
        Env.USERNAME: "qa",
        Env.PASSWORD: "first-Secret-91ac",
        Env.USERNAME_2: "qa2",
        Env.PASSWORD_2: "second-Secret-7f2e",
    }
    accounts = from_env(env)
    assert accounts.primary.username == "qa" and accounts.secondary is not None
    shown = MASKER.mask("first-Secret-91ac second-Secret-7f2e")
    assert shown == f"{MASK} {MASK}"
    assert "Secret" not in repr(accounts)


def test_no_second_account_without_both_of_its_variables() -> None:
    env = {Env.USERNAME: "qa", Env.PASSWORD: "pw-Secret-1", Env.USERNAME_2: "qa2"}
    assert from_env(env).secondary is None


def test_missing_credentials_name_what_to_set() -> None:
    with pytest.raises(CredentialsMissing, match=f"set {Env.USERNAME} and {Env.PASSWORD}"):
        from_env({Env.USERNAME: "qa"})


def test_the_mocks_account_is_made_once() -> None:
    env: dict[str, str] = {}
    made = iter(["made-Secret-1", "made-Secret-2"])
    first = made_for_mock("load", lambda: next(made), env)
    again = made_for_mock("load", lambda: next(made), env)
    assert first == again and first.primary.username == "load"
    assert env[Env.PASSWORD] == "made-Secret-1" and MASKER.mask("made-Secret-1") == MASK


def test_a_skip_report_keeps_its_tuple_with_the_secret_masked() -> None:
    """JUnit XML writes a skip from a (path, line, reason) tuple: masking must not turn it into
    a string (pytest's INTERNALERROR in junitxml's append_skipped)."""
    MASKER.add("skip-Secret-55d1")
    report = pytest.TestReport(
        "t.py::t", ("t.py", 1, "t"), {}, "skipped",
        ("t.py", 3, "Skipped: no route for skip-Secret-55d1"), "setup",
    )  # fmt: skip
    _mask_report(report)
    assert report.longrepr == ("t.py", 3, f"Skipped: no route for {MASK}")


@pytest.mark.parametrize(
    ("stderr", "said"),
    [
        (
            [
                "ERROR: usage: python -m pytest [options] [file_or_dir] [file_or_dir] [...]\n",
                "python -m pytest: error: unrecognized arguments: --okroute-ur x\n",
                "  inifile: None\n",
                "  rootdir: /tmp\n",
                "\n",
            ],
            [
                "okroute-contract: unknown option --okroute-ur x "
                "(okroute-contract --help-pytest lists every option)\n"
            ],
        ),
        (
            ["a warning\n", "ERROR: okroute: cannot reach http://x: check the URL\n", "\n"],
            ["a warning\n", "okroute-contract: cannot reach http://x: check the URL\n"],
        ),
    ],
)
def test_pytests_usage_errors_become_one_line(stderr: list[str], said: list[str]) -> None:
    assert list(own_lines(stderr)) == said
