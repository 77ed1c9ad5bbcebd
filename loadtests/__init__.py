"""okroute-load: Locust campaigns against the mock or a platform, and their report.

- `cli`: the `okroute-load` command; `locustfile`: what Locust runs (shipped in the package)
- `options`, `thresholds`: the campaign's options and its SLO grammar
"""

__all__ = ["cli", "locustfile", "options", "thresholds"]
