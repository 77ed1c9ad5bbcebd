"""The platform accounts of a run, read from the environment once and known to the masker.

Credentials only ever come from the environment (`Env.USERNAME`, `Env.PASSWORD`, and the `_2`
pair for a second account); this is the one place that reads them and the one place that
registers their passwords with `MASKER`, so no password can be printed before it is masked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass

from okroute_model.environment import Env
from okroute_model.secrets import MASKER, Credentials


class CredentialsMissing(ValueError):
    """No credentials for the platform in the environment: one line saying what to set."""


@dataclass(frozen=True)
class Accounts:
    primary: Credentials
    secondary: Credentials | None = None


def known(accounts: Accounts) -> Accounts:
    """`accounts`, their passwords registered with the masker (the one place that does)."""
    MASKER.add(accounts.primary.password)
    if accounts.secondary is not None:
        MASKER.add(accounts.secondary.password)
    return accounts


def from_env(env: Mapping[str, str] | None = None) -> Accounts:
    """The run's accounts from the environment; CredentialsMissing without the first one."""
    env = os.environ if env is None else env
    username, password = env.get(Env.USERNAME, ""), env.get(Env.PASSWORD, "")
    if not username or not password:
        raise CredentialsMissing(f"set {Env.USERNAME} and {Env.PASSWORD} for the platform")
    secondary = None
    username_2, password_2 = env.get(Env.USERNAME_2, ""), env.get(Env.PASSWORD_2, "")
    if username_2 and password_2:
        secondary = Credentials(username_2, password_2)
    return known(Accounts(Credentials(username, password), secondary))


def made_for_mock(
    default_user: str, make_password: Callable[[], str], env: MutableMapping[str, str] | None = None
) -> Accounts:
    """The built-in mock's account: the environment's when set, else `default_user` with a
    fresh password, written back to the environment once for the child processes to read."""
    env = os.environ if env is None else env
    env.setdefault(Env.USERNAME, default_user)
    if not env.get(Env.PASSWORD):
        env[Env.PASSWORD] = make_password()
    return from_env(env)
