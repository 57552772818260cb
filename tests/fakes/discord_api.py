"""A local fake of the Discord REST API and gateway, for the real discord.py client.

Bound to 127.0.0.1 on a free port, on the test's own event loop. It answers `application/json`
exactly (discord.py only decodes JSON when the content type is exactly that), serves what login needs
(`GET /users/@me`, `GET /oauth2/applications/@me`), `GET /gateway/bot` naming its own websocket
gateway (HELLO, IDENTIFY -> READY, heartbeat ACK, and `dispatch()` for events such as
INTERACTION_CREATE), channel messages, interaction callbacks and followups, command sync and
webhooks. Every request is recorded; any route can be told to answer with an error next
(`fail_next`, `rate_limit_next`, `forbid_next`) or to hold its answer back (`hold_next`, for a
process that dies after Discord acted on a request but before it heard the answer).

Channels keep their messages (`GET /channels/ID/messages` with after/before/limit, newest first as
Discord answers); message ids are snowflakes made from the fake's clock (`now`). A message sent with
`enforce_nonce` and a nonce its author used within `nonce_window` seconds is not created again: the
first one is returned, as Discord does. Replies honour `message_reference` (an unknown message is
an error unless `fail_if_not_exists` is false, when the reply is posted without it). Multipart
requests (file uploads) are decoded: `Call.json` is their payload_json and `Call.files` the files.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "1100000000000000001"
BOT_ID = "1100000000000000002"
OWNER_ID = "1100000000000000003"
DISCORD_EPOCH_MS = 1420070400000
BOT_USER = {
    "id": BOT_ID,
    "username": "Riskwire",
    "discriminator": "0",
    "global_name": "Riskwire",
    "avatar": None,
    "bot": True,
    "flags": 0,
    "verified": True,
    "mfa_enabled": False,
}


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 200
    response: Any = None  # what the fake answered
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, content) of uploads
    deduplicated: bool = False  # answered with an earlier message (same nonce within the window)


@dataclass
class Canned:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeDiscord:
    """The fake. `await FakeDiscord().start()`, then point Settings.discord_api_url at `api_url`."""

    prefix = "/api/v10"

    def __init__(self, token: str = "test-bot-token") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.identify: dict[str, Any] | None = None
        self.heartbeats = 0
        self._canned: list[tuple[str, re.Pattern[str], Canned]] = []
        self._held: list[tuple[str, re.Pattern[str], asyncio.Event]] = []
        self._last_id = 0
        self._counter = itertools.count()
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.nonce_window = 300.0  # seconds; Discord says "the past few minutes"
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel id -> messages, oldest first
        self._nonces: dict[tuple[str, str], dict[str, Any]] = {}  # (author id, nonce) -> message
        self._seq = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- control ----------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base + self.prefix

    def next_id(self) -> str:
        """A snowflake for the fake's current time (increasing even if the clock is set back)."""
        ms = int(self.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        value = max((ms << 22) | (next(self._counter) & 0xFFF), self._last_id + 1)
        self._last_id = value
        return str(value)

    def hold_next(self, method: str, path_regex: str) -> asyncio.Event:
        """The next matching request is carried out but not answered until the returned event is set
        (or the client gives up); `release` it to let the answer go."""
        event = asyncio.Event()
        self._held.append((method, re.compile(path_regex), event))
        return event

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests matching method and path (a regex, full match) get this answer."""
        for _ in range(times):
            self._canned.append((method, re.compile(path_regex), Canned(status, body, headers or {})))

    def rate_limit_next(self, method: str, path_regex: str, retry_after: float, times: int = 1) -> None:
        """Answer 429 the way Discord does (JSON body with retry_after, Retry-After and Via headers)."""
        self.fail_next(
            method,
            path_regex,
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            {
                "Retry-After": str(retry_after),
                "Via": "1.1 google",
                "X-RateLimit-Scope": "user",
            },
            times,
        )

    def forbid_next(self, method: str, path_regex: str, times: int = 1) -> None:
        """Answer 403 Missing Access (what Discord says when the bot cannot see the channel)."""
        self.fail_next(method, path_regex, 403, {"message": "Missing Access", "code": 50001}, times=times)

    def requests(self, method: str, path_regex: str) -> list[Call]:
        """Recorded requests matching method and path (a regex, full match)."""
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    def posted(self, channel_id: str) -> list[Call]:
        """Messages the bot posted successfully in a channel (a repeated nonce posts nothing)."""
        return [
            c
            for c in self.requests("POST", rf"/channels/{channel_id}/messages")
            if c.status == 200 and not c.deduplicated
        ]

    def callbacks(self, interaction_id: str | None = None) -> list[Call]:
        """Interaction responses (type 4 message, 5 deferred, 7 update message, 8 autocomplete)."""
        wanted = re.escape(interaction_id) if interaction_id else r"\d+"
        return self.requests("POST", wanted.join(["/interactions/", "/[^/]+/callback"]))

    async def wait_for(self, check: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `check()` is truthy (re-checked after every request) and return its value."""

        async def until() -> Any:
            async with self._changed:
                while not (value := check()):
                    await self._changed.wait()
                return value

        return await asyncio.wait_for(until(), timeout)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH (op 0) to every connected client."""
        payload = {"op": 0, "t": event, "s": next(self._seq), "d": data}
        for ws in list(self._sockets):
            if not ws.closed:
                await ws.send_str(json.dumps(payload))

    @property
    def connected(self) -> int:
        return len([ws for ws in self._sockets if not ws.closed])

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", self.prefix + "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for _, _, event in self._held:
            event.set()
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- REST -------------------------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path[len(self.prefix) :]
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.content_type.startswith("multipart/"):
            body, files = await self._multipart(request)
        else:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
        call = Call(request.method, path, dict(request.query), body, dict(request.headers), files=files)
        canned = self._take(request.method, path)
        if canned is not None:
            call.status = canned.status
            await self._record(call)
            return self._json(canned.body, canned.status, canned.headers)
        if not path.startswith(("/webhooks/", "/interactions/")) and (
            request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            call.status = 401
            await self._record(call)
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        status, answer = self._answer(request.method, path, body, dict(request.query), call)
        call.status, call.response = status, answer
        await self._record(call)
        held = self._take_held(request.method, path)
        if held is not None:
            await held.wait()
        if status == 204:
            return web.Response(status=204)
        return self._json(answer, status)

    @staticmethod
    async def _multipart(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        body: Any = None
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                body = json.loads(data)
            else:
                files.append((part.filename or "", bytes(data)))  # type: ignore[union-attr]
        return body, files

    def _take_held(self, method: str, path: str) -> asyncio.Event | None:
        for i, (m, pattern, event) in enumerate(self._held):
            if m == method and pattern.fullmatch(path):
                del self._held[i]
                return event
        return None

    def _take(self, method: str, path: str) -> Canned | None:
        for i, (m, pattern, canned) in enumerate(self._canned):
            if m == method and pattern.fullmatch(path):
                del self._canned[i]
                return canned
        return None

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly "application/json": aiohttp's content_type= would add "; charset=utf-8", which
        # discord.py does not decode.
        return web.Response(
            status=status,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def _answer(
        self, method: str, path: str, body: Any, query: dict[str, str], call: Call
    ) -> tuple[int, Any]:
        if method == "GET" and path == "/users/@me":
            return 200, BOT_USER
        if method == "GET" and path == "/oauth2/applications/@me":
            return 200, self._application()
        if method == "GET" and path == "/gateway/bot":
            return 200, {
                "url": f"ws://127.0.0.1:{self.port}/gateway",
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if method == "PUT" and (m := re.fullmatch(r"/applications/(\d+)/commands", path)):
            return 200, [
                dict(c, id=self.next_id(), application_id=m.group(1), version="1") for c in body or []
            ]
        if method == "POST" and (m := re.fullmatch(r"/channels/(\d+)/messages", path)):
            return self._create(m.group(1), body or {}, BOT_USER, call)
        if method == "GET" and (m := re.fullmatch(r"/channels/(\d+)/messages", path)):
            return 200, self._history(m.group(1), query)
        if method == "PATCH" and (m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)):
            return 200, self._message(m.group(1), body or {}, author=BOT_USER, message_id=m.group(2))
        if method == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            return 200, self._callback(path, body or {})
        if method == "POST" and (m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)", path)):
            webhook_author = {
                **BOT_USER,
                "id": m.group(1),
                "username": (body or {}).get("username") or "hook",
            }
            status, message = self._create("1300000000000000001", body or {}, webhook_author, call)
            if status != 200:
                return status, message
            message["webhook_id"] = m.group(1)
            return (200, message) if query.get("wait") in ("true", "1", "True") else (204, None)
        if method == "PATCH" and (m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", path)):
            return 200, self._message("1300000000000000001", body or {}, author=BOT_USER)
        if method == "DELETE" and re.fullmatch(r"/webhooks/\d+/[^/]+/messages/[^/]+", path):
            return 204, None
        return 404, {"message": "404: Not Found", "code": 0}

    def _application(self) -> dict[str, Any]:
        return {
            "id": APP_ID,
            "name": "Riskwire",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": {"id": OWNER_ID, "username": "owner", "discriminator": "0", "avatar": None},
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
            "bot": BOT_USER,
        }

    def _create(
        self, channel_id: str, body: dict[str, Any], author: dict[str, Any], call: Call
    ) -> tuple[int, Any]:
        """A new message in the channel, or the earlier one with the same enforced nonce."""
        nonce = body.get("nonce")
        key = (str(author["id"]), str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get(key)
            if earlier is not None:
                age = (self.now() - datetime.fromisoformat(earlier["timestamp"])).total_seconds()
                if age <= self.nonce_window:
                    call.deduplicated = True
                    return 200, earlier
        reference = body.get("message_reference")
        if reference:
            known = any(
                m["id"] == str(reference.get("message_id"))
                for m in self.messages.get(str(reference.get("channel_id") or channel_id), [])
            )
            if not known:
                if reference.get("fail_if_not_exists", True):
                    return 400, {
                        "message": "Invalid Form Body",
                        "code": 50035,
                        "errors": {
                            "message_reference": {"_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"}]}
                        },
                    }
                reference = None
        message = self._message(channel_id, body, author=author)
        if reference:
            message["message_reference"] = {
                "type": 0,
                "message_id": str(reference["message_id"]),
                "channel_id": str(reference.get("channel_id") or channel_id),
                **({"guild_id": str(reference["guild_id"])} if reference.get("guild_id") else {}),
            }
            message["type"] = 19  # a reply
        if call.files:
            message["attachments"] = [
                {
                    "id": self.next_id(),
                    "filename": name,
                    "size": len(data),
                    "url": f"{self.base}/a/{name}",
                    "proxy_url": f"{self.base}/a/{name}",
                }
                for name, data in call.files
            ]
        if nonce is not None:
            message["nonce"] = str(nonce)
            self._nonces[key] = message
        self.messages.setdefault(channel_id, []).append(message)
        return 200, message

    def _history(self, channel_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """Like Discord: at most `limit` (1-100, default 50) messages, newest first; with `after`, the
        ones right after it; with `before`, the ones right before it."""
        limit = max(1, min(int(query.get("limit") or 50), 100))
        ordered = sorted(self.messages.get(channel_id, []), key=lambda m: int(m["id"]))
        if query.get("after"):
            after = int(query["after"])
            picked = [m for m in ordered if int(m["id"]) > after][:limit]
        else:
            if query.get("before"):
                before = int(query["before"])
                ordered = [m for m in ordered if int(m["id"]) < before]
            picked = ordered[-limit:]
        return [{k: v for k, v in m.items() if k != "nonce"} for m in reversed(picked)]

    def _message(
        self, channel_id: str, body: dict[str, Any], *, author: dict[str, Any], message_id: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": message_id or self.next_id(),
            "channel_id": channel_id,
            "author": author,
            "content": body.get("content") or "",
            "timestamp": self.now().isoformat(timespec="microseconds"),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
        }

    def _callback(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        interaction_id = path.split("/")[2]
        kind = body.get("type")
        data = body.get("data") or {}
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            }
        }
        if kind in (4, 5, 7):
            message = self._message("1300000000000000002", data, author=BOT_USER)
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        return answer

    # --- gateway ----------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                self.heartbeats += 1
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif op == 2:
                self.identify = data["d"]
                if data["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                await ws.send_str(
                    json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": self._ready()})
                )
            elif op == 6:
                await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            async with self._changed:
                self._changed.notify_all()
        return ws

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": BOT_USER,
            "guilds": [],
            "session_id": "fake-session",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": APP_ID, "flags": 0},
        }
