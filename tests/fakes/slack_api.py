"""A local fake of the Slack Web API, response URLs and the Socket Mode websocket.

It runs on the test's event loop at 127.0.0.1 on a free port and records every call (method, the
merged query/form/JSON parameters, the token). It answers auth.test, chat.postMessage, chat.update,
users.info, conversations.info and apps.connections.open; it can be told to answer the next calls
to a method with an error (e.g. `ratelimited` with HTTP 429 and Retry-After, or `channel_not_found`).
The real AsyncWebClient talks to it via `base_url=fake.api_url`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scripted:
    error: str
    status: int = 200
    retry_after: float | None = None
    channel: str | None = None  # only calls for this channel


class FakeSlackApi:
    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        team_id: str = "T1",
        bot_user: str = "UBOT",
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user = bot_user
        self.calls: list[Call] = []
        self.responses: list[tuple[str, dict[str, Any]]] = []  # (response_url name, JSON body)
        self.users: dict[str, dict[str, Any]] = {}
        self.not_member: set[str] = set()
        self.messages: dict[str, dict[str, Any]] = {}  # "CHANNEL:TS" -> the message as posted/updated
        self.socket_acks: list[dict[str, Any]] = []
        self.port = 0
        self._scripts: dict[str, list[Scripted]] = {}
        self._ts = 0
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()

    # --- set-up ---------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def fail_next(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        retry_after: float | None = None,
        times: int = 1,
        channel: str | None = None,
    ) -> None:
        """Answer the next `times` calls to `method` (for `channel`, if given) with `error`."""
        self._scripts.setdefault(method, []).extend(
            Scripted(error, status, retry_after, channel) for _ in range(times)
        )

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # --- reading what happened ---------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posted(self, channel: str | None = None) -> list[Call]:
        """chat.postMessage calls that succeeded (optionally to one channel)."""
        return [
            c
            for c in self.calls_to("chat.postMessage")
            if c.response.get("ok") and (channel is None or c.params.get("channel") == channel)
        ]

    async def wait_for(self, check: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `check()` is truthy (re-checked whenever the fake records something)."""

        async def until() -> Any:
            async with self._changed:
                while not (result := check()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(until(), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- the Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        for key in ("blocks", "attachments"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else params.get("token")
        call = Call(method, params, token)
        status, body, headers = self._answer(call)
        call.status, call.response = status, body
        self.calls.append(call)
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        wanted = self.app_token if call.method == "apps.connections.open" else self.bot_token
        if call.token != wanted:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        for script in self._scripts.get(call.method, []):
            if script.channel is None or script.channel == call.params.get("channel"):
                self._scripts[call.method].remove(script)
                headers = {"Retry-After": f"{script.retry_after:g}"} if script.retry_after is not None else {}
                return script.status, {"ok": False, "error": script.error}, headers
        handler = getattr(self, "_m_" + call.method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(call.params), {}

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake team",
            "user": "riskwire",
            "team_id": self.team_id,
            "user_id": self.bot_user,
            "bot_id": "BFAKE",
        }

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        self._ts += 1
        ts = f"{1_800_000_000 + self._ts}.{self._ts:06d}"
        message = {"text": p.get("text"), "blocks": p.get("blocks"), "ts": ts}
        self.messages[f"{channel}:{ts}"] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        key = f"{p.get('channel')}:{p.get('ts')}"
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key] = {"text": p.get("text"), "blocks": p.get("blocks"), "ts": p.get("ts")}
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text")}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": p.get("user"), "team_id": self.team_id, **user}}

    def _m_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel"))
        return {"ok": True, "channel": {"id": channel, "is_member": channel not in self.not_member}}

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    # --- response URLs and Socket Mode ---------------------------------------------------------

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append((request.match_info["name"], await request.json()))
        await self._notify()
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._notify()
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
                await self._notify()
        self._sockets.remove(ws)
        return ws

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        """Send an envelope to the connected Socket Mode client."""
        ws = await self.wait_for(lambda: self._sockets and self._sockets[-1])
        await ws.send_json(envelope)
