"""Run a local aiohttp application on its own event loop in a daemon thread, so both async tests and
subprocess CLI tests can reach it. Bound to 127.0.0.1 (or the given loopback host) on a free port."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ThreadedApp:
    """One aiohttp app with a single catch-all route, served from a background thread."""

    def __init__(
        self, handler: Handler, route: str = "/{tail:.*}", host: str = "127.0.0.1", **runner_options: Any
    ) -> None:
        self.handler, self.route, self.host = handler, route, host
        self.runner_options = {"access_log": None, **runner_options}
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10) -> int:
        """Start serving; returns the bound port."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            app = web.Application()
            app.router.add_route("*", self.route, self.handler)
            runner = web.AppRunner(app, **self.runner_options)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self.host, 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(timeout)
        return self.port

    def stop(self) -> None:
        if self.loop:
            self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread:
            self._thread.join(10)
