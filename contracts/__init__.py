"""The contract suite of the OKRoute SMS HTTP(S) API, and what a user's own tests build on.

The stable surface for a user's tests (pytest loads the plugin by itself once the package is
installed):

- fixtures: `okroute` (an `Exerciser`: `okroute.all_variants(case)` sends one case through every
  variant and transport, runs every check and returns the exchanges), `okroute_cfg` (what the
  strategies need), `okroute_target` (URLs, accounts, budget);
- `contracts.strategies`: Hypothesis strategies of valid and labelled invalid requests
  (`valid_submits(cfg)`, `invalid_submit(cfg, defect)`, `bad_credentials(...)`, `query_case(...)`);
- `register_check(rule, level=..., quote=..., applies=...)`: a check of the user's own, with the
  rule, level and sentence it enforces; it raises `Violation` with one sentence;
- `Exchange` (what was sent and what came back), `CheckContext`, `ContractViolation`;
- `load_profile(path)`: the deployment profile over the documented defaults.

The suite itself: `pytest --pyargs contracts` or `okroute-contract`.
"""

from contracts import strategies
from contracts.checks import CheckContext
from contracts.exchange import Exchange
from contracts.failures import ContractViolation, Violation
from contracts.user_checks import register_check, register_rule
from okroute_model.profile import Profile, load_profile

__all__ = [
    "CheckContext",
    "ContractViolation",
    "Exchange",
    "Profile",
    "Violation",
    "load_profile",
    "register_check",
    "register_rule",
    "strategies",
]
