"""The one model of the OKRoute SMS HTTP(S) API, and the contract suite that checks a platform.

- the model itself is `okroute_model` (the ground floor); this package stands on it and the mock
- `contracts.checks`: the registry of named checks, each judging one rule
- `contracts.strategies`: Hypothesis strategies of valid and labelled invalid requests
- `contracts.client`: sends one logical request through every variant and transport
- `contracts.suite`: the pytest contract suite (`pytest contracts`)
"""
