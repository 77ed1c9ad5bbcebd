"""Is an answer throttling? One classifier for the contract client, the load sender and the mock.

No status code is documented for throttling (§6). What counts, in deciding order:

| status   | Retry-After       | body                             | verdict                  |
|----------|-------------------|----------------------------------|--------------------------|
| 429      | seconds or absent | anything                         | throttled (wait it)      |
| 503      | seconds           | anything                         | throttled (wait it)      |
| 503      | absent            | no throttling text               | not throttling: an error |
| 4xx, 503 | any               | "throughput exceeded"-style text | throttled                |
| anything | any               | anything else                    | not throttling           |

A 503 without `Retry-After` and without a throttling text is an outage, not a request to slow down:
counting it as throttling would hide a sick platform.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRY_AFTER_HEADER = "Retry-After"
THROTTLE_STATUSES = frozenset({429, 503})
# No answer below this status is throttling: the classifier's first rule, which a caller on a hot
# path may apply before calling it.
LOWEST_THROTTLE_STATUS = 400
# The text some deployments put in a 403 (or another 4xx) when an account exceeds its rate.
THROTTLE_TEXT = re.compile(
    r"throughput|exceed|too many requests|rate limit|rate-limit|throttl", re.IGNORECASE
)
# What to wait when throttling says nothing about how long.
DEFAULT_WAIT = 1.0
# A Retry-After longer than this is not waited out by a test run: it is reported instead.
MAX_WAIT = 30.0


@dataclass(frozen=True)
class Throttle:
    """A throttling answer and how long it asks the client to wait."""

    status: int
    wait: float
    reason: str  # "retry-after", "status" or "text": what made it throttling

    @property
    def waitable(self) -> bool:
        return self.wait <= MAX_WAIT


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def retry_after_seconds(raw: str | None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date; None when unreadable."""
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        import datetime as _dt  # only for the rare date form

        seconds = (when - _dt.datetime.now(when.tzinfo or _dt.UTC)).total_seconds()
        return max(seconds, 0.0)
    return seconds if seconds >= 0 else None


def classify_throttle(
    status: int, headers: Mapping[str, str] | None, body: bytes | str
) -> Throttle | None:
    """The throttling this answer signals, or None when it is not throttling."""
    if status < LOWEST_THROTTLE_STATUS:
        return None
    wait = retry_after_seconds(_header(headers, RETRY_AFTER_HEADER))
    if status in THROTTLE_STATUSES and wait is not None:
        return Throttle(status, wait, "retry-after")
    if status == 429:
        return Throttle(status, DEFAULT_WAIT, "status")
    if status < 500 or status == 503:
        text = body if isinstance(body, str) else body[:512].decode("utf-8", "replace")
        if THROTTLE_TEXT.search(text):
            return Throttle(status, wait if wait is not None else DEFAULT_WAIT, "text")
    return None
