"""The contract model: every limit, status, error text, schema and rule, written once.

Its modules are the surface (`from okroute_model import rules`); nothing here imports the rest
of the project.
"""

__all__ = [
    "classify",
    "defects",
    "environment",
    "errors",
    "may",
    "openapi",
    "params",
    "profile",
    "rules",
    "schemas",
    "secrets",
    "segments",
    "statuses",
    "throttling",
    "units",
    "wire",
]
