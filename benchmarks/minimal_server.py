"""The baseline: the mock's own stack (aiohttp's low-level server on uvloop) with a fixed body.

python benchmarks/minimal_server.py READY_FILE
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import uvloop
from aiohttp import web

BODY = b'{"message_id":"5b4c46a8-8dc9-44b4-f55f-3bef56819305"}'


async def handle(request: web.BaseRequest) -> web.Response:
    return web.Response(body=BODY, headers={"Content-Type": "application/json"})


async def main(ready: Path) -> None:
    runner = web.ServerRunner(web.Server(handle, access_log=None), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    ready.write_text(json.dumps({"urls": {"http": f"http://127.0.0.1:{port}"}}))
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    uvloop.run(main(Path(sys.argv[1])))
