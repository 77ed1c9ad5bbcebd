"""The contract's machine-readable documents, exported for other tools: `contracts/schemas/`.

`python -m contracts.exported` writes the JSON Schemas built by `okroute_model.schemas` and the
OpenAPI 3.1 document built by `okroute_model.openapi`; tests keep the files equal to what the
model builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from okroute_model import openapi
from okroute_model.schemas import export

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
OPENAPI_FILE = SCHEMA_DIR / openapi.FILENAME


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    directory = Path(argv[0]) if argv else SCHEMA_DIR
    for path in [*export(directory), openapi.export(directory)]:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
