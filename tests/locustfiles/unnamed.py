"""A scenario of our user class whose task uses `self.client` directly, once without a name.

Run by tests/test_load_guard.py: the unnamed request must be refused before it is sent, and the
named one must reach every listener with its URL scrubbed.
"""

import json
import os

from locust import events, task

from loadtests.locustfile import ClosedModelUser

SEEN = os.environ["GUARD_SEEN_FILE"]
PASSWORD = os.environ["OKROUTE_PASSWORD"]
QUERY = f"/api?command=query&username=load&password={PASSWORD}&messageId=x"


@events.request.add_listener
def _record(url: str, name: str, **_: object) -> None:
    with open(SEEN, "a") as fh:
        fh.write(json.dumps({"url": url, "name": name}) + "\n")


class DirectClient(ClosedModelUser):
    @task
    def direct(self) -> None:
        self.client.get(QUERY)  # no name: refused
        self.client.get(QUERY, name="query GET http")
