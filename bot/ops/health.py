"""The optional health and metrics endpoint of `riskwire run`: GET /healthz (JSON, 200 or 503) and
GET /metrics (Prometheus text format), on `health_port` (off when unset)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.core.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)


class HealthServer:
    """A small aiohttp server; `status()` says whether the service is healthy and why."""

    def __init__(self, host: str, port: int, status: Callable[[], dict[str, Any]], metrics: Metrics) -> None:
        self.host = host
        self.port = port
        self.status = status
        self.metrics = metrics
        self._runner: web.AppRunner | None = None

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            body = self.status()
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
