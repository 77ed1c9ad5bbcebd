"""The baseline generator: a bare FastHttpUser sending one fixed, named request, no checks."""

import os

from locust import FastHttpUser, constant, task

TARGET = os.environ["BENCH_TARGET"]  # path and query of one valid submit


class Bare(FastHttpUser):
    wait_time = constant(0)

    @task
    def submit(self) -> None:
        self.client.get(TARGET, name="submit")
