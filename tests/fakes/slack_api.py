"""A local fake of the Slack Web API, response URLs and the Socket Mode websocket.

It runs on the test's event loop at 127.0.0.1 on a free port and records every call (method, the
merged query/form/JSON parameters, the token). It answers auth.test, chat.postMessage (with message
metadata and threads), chat.update, users.info, conversations.info, conversations.history and
conversations.replies (as Slack does: history lists top-level messages newest first, replies a thread
oldest first; `oldest`/`latest`/`inclusive`, `limit` with cursor paging, metadata only with
`include_all_metadata`), the three steps of files_upload_v2 (files.getUploadURLExternal, the upload
URL, files.completeUploadExternal) and apps.connections.open. It can be told to answer the next
calls to a method with an error (e.g. `ratelimited` with HTTP 429 and Retry-After, `missing_scope`,
`channel_not_found`), to limit posts per channel as Slack does (`post_interval`), to cap history
pages (`history_cap`, like Slack's 15-message limit for some apps), and to hold the answer to the
next chat.postMessage after storing the message (`hold_posts`), as Slack has it when the caller dies
before reading the answer. Message timestamps follow `clock`.
The real AsyncWebClient talks to it via `base_url=fake.api_url`.
"""

from __future__ import annotations

import asyncio
import json
import time
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
    at: float = field(default_factory=time.monotonic)  # when the fake received it


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
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes sent to its upload URL
        self.files: dict[str, dict[str, Any]] = {}  # file id -> {filename, length, title, channel, ...}
        self.clock: Callable[[], float] = time.time  # message timestamps (Slack's ts) follow this
        self.history_cap = 1000  # most messages one conversations.history/replies page returns
        # Slack's per-channel limit (about one post a second): a chat.postMessage to a channel sooner
        # than this after its last post there is answered 429 ratelimited (0: no limit)
        self.post_interval = 0.0
        self._last_post_at: dict[str, float] = {}
        self.hold_posts = False  # store the next chat.postMessage, then hold its answer until release()
        self.held = asyncio.Event()  # set once a held post is stored
        self._release = asyncio.Event()
        self.port = 0
        self._scripts: dict[str, list[Scripted]] = {}
        self._last_ts = 0.0
        self._files = 0
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
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    def release(self) -> None:
        """Let held chat.postMessage answers go."""
        self._release.set()

    async def stop(self) -> None:
        self._release.set()
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
        if method == "chat.postMessage" and body.get("ok") and self.hold_posts:
            self.held.set()  # the message exists now, whatever happens to the caller
            await self._release.wait()
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        wanted = self.app_token if call.method == "apps.connections.open" else self.bot_token
        if call.token != wanted:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if call.method == "chat.postMessage" and self.post_interval > 0:
            channel = str(call.params.get("channel"))
            early = self._last_post_at.get(channel, float("-inf")) + self.post_interval - call.at
            if early > 0:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            self._last_post_at[channel] = call.at
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

    def _next_ts(self) -> str:
        self._last_ts = max(self.clock(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        metadata = p.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        thread_ts = p.get("thread_ts") or None
        ts = self._next_ts()
        message = {
            "channel": channel,
            "text": p.get("text"),
            "blocks": p.get("blocks"),
            "ts": ts,
            "thread_ts": thread_ts,
            "metadata": metadata,
        }
        self.messages[f"{channel}:{ts}"] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": _public(message, True)}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        key = f"{p.get('channel')}:{p.get('ts')}"
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key] = {**self.messages[key], "text": p.get("text"), "blocks": p.get("blocks")}
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text")}

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies under a message, oldest first."""
        return [m for m in self.messages.values() if m["channel"] == channel and m.get("thread_ts") == ts]

    def _page(self, found: list[dict[str, Any]], p: dict[str, Any]) -> dict[str, Any]:
        oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or 9e12)
        inclusive = str(p.get("inclusive") or "").lower() in ("1", "true")
        found = [
            m
            for m in found
            if (oldest <= float(m["ts"]) if inclusive else oldest < float(m["ts"]))
            and (float(m["ts"]) <= latest if inclusive else float(m["ts"]) < latest)
        ]
        limit = min(int(p.get("limit") or 100), self.history_cap)
        start = int(p.get("cursor") or 0)
        page = found[start : start + limit]
        meta = str(p.get("include_all_metadata") or "").lower() in ("1", "true")
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": [_public(m, meta) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel") or "")
        if channel in self.not_member:
            return {"ok": False, "error": "not_in_channel"}
        top = [
            m
            for m in self.messages.values()
            if m["channel"] == channel and m.get("thread_ts") in (None, m["ts"])
        ]
        return self._page(sorted(top, key=lambda m: float(m["ts"]), reverse=True), p)

    def _m_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel") or ""), str(p.get("ts") or "")
        parent = self.messages.get(f"{channel}:{ts}")
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        return self._page([parent, *self.thread(channel, ts)], p)

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not str(p.get("length") or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        self._files += 1
        file_id = f"F{self._files:08d}"
        self.files[file_id] = {"id": file_id, "name": p["filename"], "length": int(p["length"])}
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            "file_id": file_id,
        }

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        items = json.loads(p.get("files") or "[]")
        for item in items:
            known = self.files.get(str(item.get("id")))
            if known is None or len(self.uploads.get(known["id"], b"")) != known["length"]:
                return {"ok": False, "error": "file_upload_incomplete"}
        channel = p.get("channel_id")
        if channel and channel in self.not_member:
            return {"ok": False, "error": "not_in_channel"}
        shared = []
        for item in items:
            info = self.files[item["id"]]
            info.update(title=item.get("title") or info["name"], channel=channel)
            shared.append({"id": info["id"], "name": info["name"], "title": info["title"]})
        if channel:  # Slack shares the files in a message of their own, with the comment as its text
            ts = self._next_ts()
            self.messages[f"{channel}:{ts}"] = {
                "channel": channel,
                "text": p.get("initial_comment") or "",
                "blocks": None,
                "ts": ts,
                "thread_ts": p.get("thread_ts") or None,
                "metadata": None,
                "files": shared,
            }
        return {"ok": True, "files": shared}

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

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return web.Response(status=404, text="no such upload")
        self.uploads[file_id] = await request.read()
        await self._notify()
        return web.Response(text=f"OK - {len(self.uploads[file_id])}")

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


def _public(message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
    """A stored message as the Web API shows it (metadata only when asked for)."""
    out = {"type": "message", "text": message.get("text") or "", "ts": message["ts"]}
    if message.get("blocks"):
        out["blocks"] = message["blocks"]
    if message.get("thread_ts"):
        out["thread_ts"] = message["thread_ts"]
    if message.get("files"):
        out["files"] = message["files"]
    if with_metadata and message.get("metadata"):
        out["metadata"] = message["metadata"]
    return out
