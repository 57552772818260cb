"""A fake Slack Web API for delivery tests: chat.postMessage (recorded, with metadata and threads) and
conversations.history (with include_all_metadata), on 127.0.0.1 port 0, in its own thread so that a
`riskwire run` subprocess can post to it and be killed while the test keeps counting.

Knobs: `delay` (seconds before answering a post; the message is stored first, as Slack would have it
even when the caller dies before reading the answer), `rate_limit_every` (every Nth post answers 429
with Retry-After), `hold_at` (the Nth post that names its delivery in its metadata is stored and its
answer held until `release()`; it is `held`; a plain-text post, such as a digest's text, is not counted).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.threaded import ThreadedApp

TOKEN = "xoxb-test-token"


@dataclass
class Post:
    channel: str
    text: str
    ts: str
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return dict((self.metadata or {}).get("event_payload") or {})


@dataclass
class FakeSlack:
    delay: float = 0.0
    rate_limit_every: int = 0
    retry_after: int = 1
    hold_at: int = 0
    posts: list[Post] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    rate_limited: int = 0
    port: int = 0
    reached: threading.Event = field(default_factory=threading.Event)  # set when post `hold_at` arrives
    held: Post | None = None  # the post whose answer is held
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _requests: int = 0
    _counted: int = 0  # posts that name their delivery
    _clock: float = 1_700_000_000.0
    _server: ThreadedApp = field(init=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def release(self) -> None:
        self._release.set()

    def snapshot(self) -> list[Post]:
        with self._lock:
            return list(self.posts)

    def _ts(self) -> str:
        self._clock = max(self._clock + 0.000001, time.time())
        return f"{self._clock:.6f}"

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        args = await self._args(request)
        if method == "chat.postMessage":
            return await self._post(args)
        if method == "conversations.history":
            return self._history(args)
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _post(self, args: dict[str, Any]) -> web.Response:
        with self._lock:
            self._requests += 1
            count = self._requests
        if self.rate_limit_every and count % self.rate_limit_every == 0:
            self.rate_limited += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        with self._lock:
            post = Post(str(args.get("channel")), str(args.get("text") or ""), self._ts(), metadata)
            post.thread_ts = args.get("thread_ts")
            self.posts.append(post)
            if "delivery_id" in post.payload:
                self._counted += 1
                if self.hold_at and self._counted == self.hold_at:
                    self.held = post
        if post is self.held:
            self.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 30)
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response({"ok": True, "channel": post.channel, "ts": post.ts})

    def _history(self, args: dict[str, Any]) -> web.Response:
        channel = str(args.get("channel"))
        oldest = float(args.get("oldest") or 0)
        with_meta = str(args.get("include_all_metadata")).lower() in ("1", "true")
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        with self._lock:
            found = [p for p in reversed(self.posts) if p.channel == channel and float(p.ts) >= oldest]
        page = found[start : start + limit]
        messages = []
        for p in page:
            message: dict[str, Any] = {"type": "message", "text": p.text, "ts": p.ts}
            if p.thread_ts:
                message["thread_ts"] = p.thread_ts
            if with_meta and p.metadata:
                message["metadata"] = p.metadata
            messages.append(message)
        more = start + limit < len(found)
        return web.json_response(
            {
                "ok": True,
                "messages": messages,
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        )

    def start(self) -> FakeSlack:
        self._server = ThreadedApp(self._handle, "/api/{method}", "127.0.0.1")
        self.port = self._server.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.stop()
