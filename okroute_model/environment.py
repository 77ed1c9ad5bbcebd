"""Environment variable names and the default test number prefixes, written once.

Credentials only ever come from the environment (never an option, a profile or a file); every
other live setting may come from an option or a profile too, with the environment in between.
"""

from __future__ import annotations

from enum import StrEnum


class Env(StrEnum):
    HTTP_URL = "OKROUTE_URL"
    HTTPS_URL = "OKROUTE_HTTPS_URL"
    USERNAME = "OKROUTE_USERNAME"
    PASSWORD = "OKROUTE_PASSWORD"
    USERNAME_2 = "OKROUTE_USERNAME_2"
    PASSWORD_2 = "OKROUTE_PASSWORD_2"
    CA_BUNDLE = "OKROUTE_CA_BUNDLE"
    DNIS_PREFIX = "OKROUTE_DNIS_PREFIX"
    MAX_MESSAGES = "OKROUTE_MAX_MESSAGES"
    NO_ROUTE_DNIS = "OKROUTE_NOROUTE_DNIS"
    NO_ROUTE_PREFIX = "OKROUTE_NOROUTE_PREFIX"
    ANI = "OKROUTE_ANI"
    RATE = "OKROUTE_RATE"
    # The profile a load generator reads the platform knobs from (set by okroute-load).
    PROFILE = "OKROUTE_PROFILE"
    # A private 0600 file with the embedded mock's accounts (never under reports/).
    MOCK_ACCOUNTS = "OKROUTE_MOCK_ACCOUNTS"


# Settings by their profile / option key.
ENV_BY_KEY: dict[str, Env] = {
    "http_url": Env.HTTP_URL,
    "https_url": Env.HTTPS_URL,
    "username": Env.USERNAME,
    "password": Env.PASSWORD,
    "username_2": Env.USERNAME_2,
    "password_2": Env.PASSWORD_2,
    "ca_bundle": Env.CA_BUNDLE,
    "dnis_prefix": Env.DNIS_PREFIX,
    "max_messages": Env.MAX_MESSAGES,
    "no_route_dnis": Env.NO_ROUTE_DNIS,
    "no_route_prefix": Env.NO_ROUTE_PREFIX,
    "ani": Env.ANI,
    "rate": Env.RATE,
}
SECRET_ENV = (Env.PASSWORD, Env.PASSWORD_2)

# Test numbers. Against the mock, numbers start with MOCK_DNIS_PREFIX (a UK drama range, never a
# subscriber); numbers under MOCK_NO_ROUTE_PREFIX have no route. The offline fake uses its own.
MOCK_DNIS_PREFIX = "4477009"
MOCK_NO_ROUTE_PREFIX = "999"
OFFLINE_DNIS_PREFIX = "447700"
OFFLINE_NO_ROUTE_PREFIX = "999"
# A number prefix leaves room for at least one digit of its own (numbers have at most 15).
MAX_PREFIX_DIGITS = 14
PREFIX_RULE = f"1 to {MAX_PREFIX_DIGITS} digits"


def valid_prefix(prefix: str) -> bool:
    """Whether `prefix` can start every test number: digits only, leaving room for one more."""
    return prefix.isascii() and prefix.isdigit() and len(prefix) <= MAX_PREFIX_DIGITS
