"""The OKRoute SMS HTTP(S) API contract, modelled once: the ground floor, importing nothing of ours.

Everything the mock, the contract suite, the load campaigns and verification know about the API
comes from here, stated once. What each module offers:

- `rules`: every MUST and SHOULD rule (`RULES`, `rule(name)`, `Level`)
- `may`: every MAY point (`May`, `MAY_POINTS`): recorded, never judged
- `params`: commands, parameters and documented limits (`PATH`, `Command`, `MAX_DNIS_COUNT`, ...)
- `statuses`: the nine delivery statuses (`Status`, `FINAL_STATUSES`, `RANK`)
- `errors`: the documented error answers (`NOT_AUTHORIZED`, `NO_ROUTES`, ...) and content types
- `defects`: what can be wrong with a request, which rule judges the answer and, for a submit's
  parameters, what shows it (`DEFECTS`)
- `classify`: what a platform finds wrong with the parameters it received, in deciding order
- `segments`: GSM-7 / UCS-2 segment counting
- `schemas`: JSON Schemas of the success answers, field formats
- `openapi`: the OpenAPI 3.1 document of the API (`document()`), exported by `contracts.exported`
- `wire`: the three request variants to and from bytes (`encode`, `decode`, `Variant`)
- `profile`: deployment knobs and test settings from TOML (`load_profile`, `Profile`)
- `secrets`: the password kept out of every output (`MASKER`, `mask_wire`, `Credentials`)
- `throttling`: one classifier of throttling answers (`classify_throttle`)
- `units`: durations, ranges, probabilities, weights (`parse_duration`, `argtype`)
- `flags`: command-line options as table rows (`Flag`, `add_flags`)
- `push`: §7 DLR and MO markers, their formats, URL templates
- `environment`: environment variable names (`Env`) and the test number prefixes
- `rawinput`: the kinds of raw input well-formed requests never carry (`RawInput`)
"""

__all__ = [
    "classify",
    "defects",
    "environment",
    "errors",
    "flags",
    "may",
    "openapi",
    "params",
    "profile",
    "push",
    "rawinput",
    "rules",
    "schemas",
    "secrets",
    "segments",
    "statuses",
    "throttling",
    "units",
    "wire",
]
