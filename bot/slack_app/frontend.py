"""The Slack front-end inside `riskwire run`: Socket Mode when an app token is set, else HTTP mode.

HTTP mode serves `/slack/events` (slash commands, interactivity, events) with aiohttp on the running
loop; Bolt checks every request's signature and a failed check is answered 401 and logged here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import sqlite_utils
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings, SettingsError
from bot.delivery.base import Notifier
from bot.delivery.slack import slack_notifier
from bot.slack_app.app import build_app

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
CONNECT_WAIT = 15.0


class SlackFrontend:
    """Riskwire's Slack app: the Bolt AsyncApp, its connection (Socket Mode or HTTP) and the notifier."""

    platform = "slack"

    def __init__(self, settings: Settings, db: sqlite_utils.Database) -> None:
        self.settings = settings
        self.host = settings.slack_host
        self.slack_notifier = slack_notifier(settings)
        self.client: AsyncWebClient = self.slack_notifier.client
        self.app = build_app(settings, db, self.client)
        self.notifier: Notifier = self.slack_notifier
        self.mode = "socket" if settings.slack_app_token else "http"
        # one Socket Mode connection per app in the cluster (bot.ops.cluster); HTTP mode runs everywhere
        self.elected = self.mode == "socket"
        self.port: int | None = None  # the bound port in HTTP mode (RISKWIRE_SLACK_PORT=0 picks a free one)
        self.socket_handler: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._connecting: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"SlackFrontend(mode={self.mode!r}, port={self.port!r})"

    async def start(self) -> None:
        """Check the bot token, then connect (Socket Mode) or listen (HTTP); returns once running.

        A token Slack refuses is a SettingsError; a network problem is logged and retried.
        """
        await self._check_token()
        if self.mode == "socket":
            await self._connect_socket()
        else:
            await self._serve_http()

    async def _connect_socket(self) -> None:
        handler = AsyncSocketModeHandler(self.app, self.settings.slack_app_token.value)
        self.socket_handler = handler
        try:
            # asked here, not left to the Socket Mode client, which retries a refused token forever
            opened = await self.client.apps_connections_open(app_token=self.settings.slack_app_token.value)
            handler.client.wss_uri = str(opened["url"])
        except SlackApiError as exc:
            raise SettingsError(
                f"SLACK_APP_TOKEN was refused by Slack ({exc.response.get('error')}); "
                "it must be an app-level token (xapp-...) with the connections:write scope"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("Slack Socket Mode: cannot reach Slack (%s); still trying", type(exc).__name__)
        # the client reconnects on its own from here on; do not hold up the other front-ends for it
        self._connecting = asyncio.create_task(handler.connect_async())
        done, _ = await asyncio.wait({self._connecting}, timeout=CONNECT_WAIT)
        if done:
            self._connecting.result()
            log.info("Slack connected in Socket Mode")
        else:
            log.warning("Slack Socket Mode is still connecting; commands work once it is up")

    async def _check_token(self) -> None:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise SettingsError(
                f"SLACK_BOT_TOKEN was refused by Slack ({exc.response.get('error')})"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("Slack auth.test failed (%s); commands will retry it", type(exc).__name__)
            return
        log.info("Slack: signed in as %s in workspace %s", auth.get("user_id"), auth.get("team_id"))

    async def _serve_http(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, self._handle)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.settings.slack_port or 0)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.slack_port
        log.info("Slack HTTP mode: listening on %s:%s%s", self.host, self.port, EVENTS_PATH)

    async def _handle(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        if bolt_response.status == 401:
            log.warning(
                "rejected a request to %s from %s: bad or stale Slack signature",
                EVENTS_PATH,
                request.remote,
            )
        return await to_aiohttp_response(bolt_response)

    async def stop(self) -> None:
        """Close the Socket Mode connection or the HTTP listener."""
        handler, self.socket_handler = self.socket_handler, None
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if handler is not None:
            await handler.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
