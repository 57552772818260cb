"""A local HTTP server whose routes are plain aiohttp handlers, for feeds that misbehave on purpose:
stalling after the headers, trickling the body, lying about sizes, redirecting in loops. Binds to a
loopback address (127.0.0.1 unless told, any 127.x works on Linux) and port 0, in its own thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.threaded import ThreadedApp

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class HostileServer:
    host: str = "127.0.0.1"
    handlers: dict[str, Handler] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    port: int = 0
    _server: ThreadedApp = field(init=False, repr=False)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.handlers[path] = handler
        return self.url(path)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        handler = self.handlers.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)

    def start(self) -> HostileServer:
        self._server = ThreadedApp(
            self._handle, "/{tail:.*}", self.host, shutdown_timeout=0.2, handler_cancellation=True
        )
        self.port = self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
