"""A local feed server: serves fixture bodies with ETag and Last-Modified, answers 304 to conditional
GETs, and can be told to fail (status), hang (delay), send gzip, or redirect. Runs in its own thread so
both async tests and subprocess CLI tests can reach it."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.threaded import ThreadedApp


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    delay: float = 0.0
    gzip: bool = False
    content_type: str = "application/rss+xml"
    redirect: str | None = None
    last_modified: str = "Wed, 25 Nov 2026 10:00:00 GMT"
    conditional: bool = True  # answer 304 when validators match


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)  # when it was answered (after any delay)
    started: float = 0.0  # when the request arrived
    peer: int = 0  # the client's port: the same port again means a kept-alive connection was reused


@dataclass
class FeedServer:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    _server: ThreadedApp = field(init=False, repr=False)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str = b"", **kwargs: object) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        peer = (request.transport.get_extra_info("peername") or ("", 0))[1] if request.transport else 0
        return await self._answer(
            request,
            lambda status: Hit(request.path, dict(request.headers), status, started=started, peer=peer),
        )

    async def _answer(self, request: web.Request, hit: Callable[[int], Hit]) -> web.StreamResponse:
        route = self.routes.get(request.path)
        if route is None:
            self.hits.append(hit(404))
            return web.Response(status=404, text="not found")
        if route.delay:
            await asyncio.sleep(route.delay)
        if route.redirect:
            self.hits.append(hit(302))
            raise web.HTTPFound(route.redirect)
        etag = '"' + hashlib.sha1(route.body).hexdigest()[:12] + '"'
        if (
            route.status == 200
            and route.conditional
            and (
                request.headers.get("If-None-Match") == etag
                or request.headers.get("If-Modified-Since") == route.last_modified
            )
        ):
            self.hits.append(hit(304))
            return web.Response(status=304, headers={"ETag": etag})
        self.hits.append(hit(route.status))
        headers = {"ETag": etag, "Last-Modified": route.last_modified, "Content-Type": route.content_type}
        body = route.body
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return web.Response(status=route.status, body=body, headers=headers)

    def start(self) -> FeedServer:
        self._server = ThreadedApp(self._handle, "/{tail:.*}", "127.0.0.1")
        self.port = self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
