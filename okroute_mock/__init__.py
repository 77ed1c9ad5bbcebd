"""okroute-mock: an OKRoute platform to test and load against, built from the contract model.

- `platform`: the one implementation of platform behaviour (pure; injected clock)
- `server`: real HTTP + HTTPS listeners (aiohttp) in front of it, with transport faults
- `fake`: the same platform reached offline through respx
- `breaks` / `quirks`: deliberate contract faults and MAY-point choices
"""

__all__ = ["breaks", "fake", "faults", "launch", "platform", "quirks", "server"]
