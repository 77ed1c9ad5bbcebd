"""The contract's machine-readable documents, exported for other tools: `contracts/schemas/`.

`python -m contracts.exported` writes the JSON Schemas built by `okroute_model.schemas`; a test
keeps the files equal to what the model builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from okroute_model.schemas import export

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for path in export(Path(argv[0]) if argv else SCHEMA_DIR):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
