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
- `status_body`: the query answer of a correct platform as a template, its values known to need
  no JSON escaping (status names, digits, timestamps).
"""

from __future__ import annotations

from typing import NamedTuple

from okroute_model.classify import Classified
from okroute_model.wire import Decoded

READ_CACHE_SIZE = 4096  # distinct query strings kept: a campaign's calls, a window of queries


class Read(NamedTuple):
    decoded: Decoded
    classified: Classified | None  # None when the request could not be read (`decoded.error`)


class ReadCache:
    def __init__(self, size: int = READ_CACHE_SIZE) -> None:
        self.size = size
        self._reads: dict[str, Read] = {}

    def get(self, method: str, query: str, body: bytes) -> Read | None:
        if method != "GET" or body:
            return None
        return self._reads.get(query)

    def put(self, method: str, query: str, body: bytes, read: Read) -> None:
        if method != "GET" or body:
            return
        if len(self._reads) >= self.size:
            self._reads.clear()  # cheaper than an LRU, and a campaign's calls come back at once
        self._reads[query] = read


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
