"""The optional health and metrics endpoint of `riskwire run`: GET /healthz (JSON, 200 or 503) and
GET /metrics (Prometheus text format), on `health_port` (off when unset).

/healthz answers within about DB_WAIT seconds whatever the database does: its database part is read
off the loop (`LastKnown`), and a read that takes longer is left to finish in the background while
the answer gives the last counts read, saying how old they are.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.core.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)

DB_WAIT = 0.5  # seconds /healthz waits for the database before answering from the last known state

Status = Callable[[], dict[str, Any] | Awaitable[dict[str, Any]]]


class LastKnown:
    """The database part of /healthz, bounded: `probe()` (a read that runs off the loop) gets `wait`
    seconds; past that the last answer is given (marked with its age) and the probe, still running,
    updates it when it completes. One probe at a time: a stuck database gets no pile of them."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[dict[str, Any]]],
        wait: float = DB_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probe = probe
        self.wait = wait
        self.clock = clock
        self._pending: asyncio.Future[dict[str, Any]] | None = None
        self._last: dict[str, Any] = {}
        self._at: float | None = None

    async def __call__(self) -> dict[str, Any]:
        """The database state: the probe's answer with `database` "ok", or the last one known with
        `database` saying the database is slow; a probe that fails raises."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(self.probe())
            self._pending.add_done_callback(self._keep)
        try:
            body = await asyncio.wait_for(asyncio.shield(self._pending), self.wait)
        except TimeoutError:
            age = f"; counts from {self.clock() - self._at:.0f}s ago" if self._at is not None else ""
            return {**self._last, "database": f"no answer within {self.wait:g}s{age}"}
        return {**body, "database": "ok"}

    def _keep(self, done: asyncio.Future[dict[str, Any]]) -> None:
        if not done.cancelled() and done.exception() is None:
            self._last, self._at = done.result(), self.clock()


class HealthServer:
    """A small aiohttp server; `status()` says whether the service is healthy and why."""

    def __init__(self, host: str, port: int, status: Status, metrics: Metrics) -> None:
        self.host = host
        self.port = port
        self.status = status
        self.metrics = metrics
        self._runner: web.AppRunner | None = None

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            answer = self.status()
            body = await answer if inspect.isawaitable(answer) else answer
        except Exception as exc:  # the health check itself must answer, whatever broke
            body = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
        return web.Response(
            status=200 if body.get("ok") else 503,
            text=json.dumps(body, sort_keys=True),
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        body = self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def start(self) -> int:
        """Listen; returns the port (useful when `port` was 0)."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
