"""okroute-mock: an OKRoute platform to test and load against, standing on `okroute_model` alone.

- `platform`: the one implementation of platform behaviour (pure; injected clock)
- `server`: real HTTP + HTTPS listeners (aiohttp) in front of it, with transport faults
- `connection`: answering clients that half-close; dropping on raw input when broken so
- `rawbreaks`: which kind of raw input a connection's first request carries (`carries`)
- `fake`: the same platform reached offline through respx (`RespxFake`, `ManualClock`)
- `breaks`: deliberate contract faults (`Fault`, `BREAKS`, `parse_breaks`)
- `quirks`: the mock's answer at each MAY point and the flipped one (`CHOICES`, `parse_flips`)
- `faults`: transport faults (latency, errors, throttling, drops, stalls)
- `delivery`, `store`: delivery stories and the bounded message store
- `launch`: start `okroute-mock` as a subprocess on loopback (`launched`, `MockProcess`)
- `push` / `pusher` / `push_options`: §7 pushes (a pure bounded queue, its async sender, flags)
"""

__all__ = [
    "breaks",
    "connection",
    "delivery",
    "fake",
    "faults",
    "launch",
    "platform",
    "push",
    "push_options",
    "pusher",
    "quirks",
    "rawbreaks",
    "server",
    "store",
]
