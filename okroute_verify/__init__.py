"""okroute-verify: one command that says whether a new platform release may go live.

- `cli`: the `okroute-verify` command; `run`: its steps; `compare`: against a baseline
- `profiles/`: the target profiles shipped with the package (`--target mock`)
"""

__all__ = ["cli", "compare", "html", "run"]
