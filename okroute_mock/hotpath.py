"""Shortcuts for the mock's busiest answers, each equal byte for byte to the general path.

A load campaign sends the same few prepared requests again and again (`loadtests.traffic` builds
its calls once), and most query answers differ only in a few plain fields. Profiled under wrk,
reading a request (decode, then classify) and encoding a query answer with `json.dumps` were the
largest costs of the platform's own code; these two shortcuts remove them where nothing can
differ:

- `ReadCache`: what a GET request without a body reads as, by its query string. `decode` and
  `classify` are pure functions of the query and the platform's fixed knobs, so a repeated query
  reads the same. Only a platform with no fault and no parameter-case flip uses it (those change
  or mutate what was read), and it is bounded: full, it starts again empty.
- `DecisionCache`: what a repeated GET request was decided to be once it passed every check:
  its command and its answer's work, bound to the account it authenticated as and, for a submit,
  its plan (routed numbers and segments). Authentication and the refusals are pure functions of
  the query string on a platform with no fault, so the next time that query comes, only what
  must happen anew runs: issuing IDs and storing them, or reading the store.
- `status_body`: the query answer of a correct platform as a template, its values known to need
  no JSON escaping (status names, digits, timestamps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

from okroute_model.classify import Classified
from okroute_model.wire import Decoded

T = TypeVar("T")
READ_CACHE_SIZE = 4096  # distinct query strings kept: a campaign's calls, a window of queries


class Read(NamedTuple):
    decoded: Decoded
    classified: Classified | None  # None when the request could not be read (`decoded.error`)


class Accepted(NamedTuple):
    """A request that passed every check of the platform: what runs each time it comes again."""

    command: str
    answer: Callable[[], Any]  # the platform's work for it, bound to its account and plan


class QueryCache(Generic[T]):
    """Entries by the query string of a bodiless GET (the only requests a load repeats)."""

    def __init__(self, size: int = READ_CACHE_SIZE) -> None:
        self.size = size
        # By query string: the busiest caller, which knows it has a bodiless GET, looks it up here
        # without the method's checks.
        self.by_query: dict[str, T] = {}

    def __len__(self) -> int:
        return len(self.by_query)

    def get(self, method: str, query: str, body: bytes) -> T | None:
        if method != "GET" or body:
            return None
        return self.by_query.get(query)

    def put(self, method: str, query: str, body: bytes, entry: T) -> None:
        if method != "GET" or body:
            return
        if len(self.by_query) >= self.size:
            self.by_query.clear()  # cheaper than an LRU, and a campaign's calls come back at once
        self.by_query[query] = entry


ReadCache = QueryCache[Read]
DecisionCache = QueryCache[Accepted]


_STATUS_BODY = (
    b'{"status":"%s","delivery_time":"%s","mccmnc":"%s","error_code":"%s",'
    b'"system_delivery_time":"%s"}'
)


def status_body(
    status: str, delivery_time: str, mccmnc: str, error_code: str, system_time: str
) -> bytes:
    """`json.dumps` of the query answer's five text fields (compact), for plain ASCII values."""
    return _STATUS_BODY % (
        status.encode(),
        delivery_time.encode(),
        mccmnc.encode(),
        error_code.encode(),
        system_time.encode(),
    )
