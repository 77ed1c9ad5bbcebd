"""okroute-verify: one command that says whether a new platform release may go live.

- `run`: preflight, the contract suite, the behaviour fingerprint and the load smoke, one budget
- `compare`: a run against the baseline of the release before
- `html`: the self-contained report
- `cli`: `okroute-verify`
- `profiles/`: the target profiles shipped with the package (`--target mock`)
"""

__all__ = ["cli", "compare", "html", "run"]
