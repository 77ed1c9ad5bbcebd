"""Sending the push queue's jobs over HTTP: one asyncio task, a concurrency limit, aiohttp.

Runs beside the API listeners in the mock's event loop and never blocks them: it only awaits.
A slow or dead receiver holds at most `concurrency` requests in flight; everything else waits in
the queue, which its cap bounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp

from okroute_mock.push import Job, PushQueue

log = logging.getLogger("okroute_mock.push")
IDLE_POLL = 0.05  # seconds between looks at an empty queue
TIMEOUT = aiohttp.ClientTimeout(total=10.0, connect=3.0)


class PushSender:
    def __init__(self, queue: PushQueue, concurrency: int = 50) -> None:
        if concurrency < 1:
            raise ValueError("push concurrency is at least 1")
        self.queue = queue
        self.concurrency = concurrency
        self.in_flight = 0
        self._slots = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.concurrency, force_close=False)
        self._session = aiohttp.ClientSession(connector=connector, timeout=TIMEOUT)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        queue = self.queue
        while True:
            now = time.time()
            jobs = queue.due(now, limit=self.concurrency)
            for job in jobs:
                await self._slots.acquire()
                task = asyncio.create_task(self._send(job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if jobs:
                await asyncio.sleep(0)
                continue
            following = queue.next_due()
            wait = IDLE_POLL if following is None else min(IDLE_POLL, following - time.time())
            await asyncio.sleep(max(0.0, wait))

    async def _send(self, job: Job) -> None:
        self.in_flight += 1
        status, body = None, b""
        sent_at = time.time()
        try:
            assert self._session is not None
            async with self._session.request(
                job.method, job.url, data=job.body or None, headers=dict(job.headers)
            ) as response:
                status = response.status
                body = await response.content.read(4096)
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            log.debug("push to the %s URL of %s failed: %s", job.kind, job.account, exc)
        finally:
            self.in_flight -= 1
            self._slots.release()
        self.queue.settle(job, status, body, sent_at, time.time())

    def stats(self) -> dict[str, object]:
        return {
            **self.queue.stats.as_dict(),
            "pending": len(self.queue),
            "in_flight": self.in_flight,
            "cap": self.queue.cap,
            "concurrency": self.concurrency,
        }
