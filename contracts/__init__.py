"""The contract suite of the OKRoute SMS HTTP(S) API, and what a user's own tests build on.

It stands on the model, `okroute_model` (the ground floor), and the mock.

The stable surface for a user's tests (pytest loads the plugin by itself once the package is
installed):

- fixtures: `okroute` (an `Exerciser`: `okroute.all_variants(case)` sends one case through every
  variant and transport, runs every check and returns the exchanges), `okroute_cfg` (what the
  strategies need), `okroute_target` (URLs, accounts, budget);
- `contracts.strategies`: Hypothesis strategies of valid requests (`valid_submits(cfg)`,
  `query_case(...)`); `contracts.mutations`: invalid ones, one mutation per `Defect`
  (`invalid_submit(cfg, Defect.MISSING_DNIS)`, `bad_credentials(...)`); `contracts.sparse`:
  requests of every command with parameters absent, empty or of the wrong type;
- `register_check(rule, level=..., quote=..., applies=...)`: a check of the user's own, with the
  rule, level and sentence it enforces; it raises `Violation` with one sentence;
- `Exchange` (what was sent and what came back), `CheckContext`, `ContractViolation`;
- `load_profile(path)`: the deployment profile over the documented defaults.

The suite itself: `pytest --pyargs contracts` or `okroute-contract`.

The suite's own parts: `contracts.checks` (the registry), `contracts.client` (one request through
every variant), `contracts.probes` / `contracts.robustness` / `contracts.rawhttp` (raw-input probes
judged by `errors.no-5xx`), `contracts.suite` (the tests).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

# httpx imports its command-line client (click, rich, pygments: ~80 ms, a sixth of the suite's
# own start) whenever those happen to be installed; the suite never runs it. Marked missing
# before httpx is first imported, httpx keeps a stub `main` instead. Its `httpx` command runs
# in a process of its own and is not affected.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

# Where each public name lives. Resolved on first use, so that importing one submodule — the
# pytest plugin, `okroute-contract` — does not import the whole suite (and Hypothesis, respx)
# before pytest has set up assertion rewriting for them.
_SURFACE = {
    "CheckContext": "contracts.checks",
    "ContractViolation": "contracts.failures",
    "Exchange": "contracts.exchange",
    "Profile": "okroute_model.profile",
    "Violation": "contracts.failures",
    "load_profile": "okroute_model.profile",
    "register_check": "contracts.user_checks",
    "register_rule": "contracts.user_checks",
    "mutations": "contracts.mutations",
    "sparse": "contracts.sparse",
    "strategies": "contracts.strategies",
}

__all__ = sorted(_SURFACE)


def __getattr__(name: str) -> Any:
    if name not in _SURFACE:
        raise AttributeError(f"module 'contracts' has no attribute {name!r}")
    module = importlib.import_module(_SURFACE[name])
    return module if module.__name__ == f"contracts.{name}" else getattr(module, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
