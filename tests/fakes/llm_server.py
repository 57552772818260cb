"""A local OpenAI-compatible chat-completions server for the optional LLM summaries: records each
request, answers with the configured content, status or delay. Runs on the test's own event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeLlm:
    content: str = "Amazon is accused by a former employee of breaching UK sanctions."
    status: int = 200
    delay: float = 0.0
    raw: str | None = None  # a body to send instead of the JSON answer
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append({"headers": dict(request.headers), "json": await request.json()})
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.raw is not None:
            return web.Response(text=self.raw, status=self.status, content_type="application/json")
        body = {"choices": [{"message": {"role": "assistant", "content": self.content}}]}
        return web.json_response(body, status=self.status)

    async def start(self) -> FakeLlm:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1/chat/completions"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
