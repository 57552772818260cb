"""The Discord front-end inside `riskwire run`: logs in, connects the gateway as a task on the running
loop, answers `/riskwire` commands and buttons, and posts alerts through its notifier."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
import sqlite_utils

from bot.core.settings import Settings, SettingsError
from bot.delivery.base import Notifier
from bot.delivery.discord import DiscordNotifier, DiscordWebhookNotifier
from bot.discord_app import endpoints
from bot.discord_app.client import RiskwireClient

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0


class DiscordFrontend:
    """The Frontend (bot/ops/frontends.py) for Discord."""

    platform = "discord"
    elected = True  # one gateway connection per bot in the cluster (bot.ops.cluster)

    def __init__(
        self,
        settings: Settings,
        db: sqlite_utils.Database,
        *,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        self.settings = settings
        self.client = RiskwireClient(
            settings, db, sync_commands=sync_commands, guild_ready_timeout=guild_ready_timeout
        )
        self.discord_notifier = DiscordNotifier(self.client, DiscordWebhookNotifier(), db)
        self.notifier: Notifier = self.discord_notifier
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in (SettingsError when the token or API URL is refused), then connect in a task."""
        api_url = self.settings.discord_api_url
        try:
            endpoints.use_api_base(api_url)
        except endpoints.EndpointError as exc:
            raise SettingsError(str(exc)) from None
        try:
            await self.client.login(self.settings.discord_token.value)
            # discord.py dials its built-in gateway unless told otherwise: follow the configured API.
            endpoints.use_gateway(await endpoints.gateway_url(self.client.http) if api_url else None)
        except discord.LoginFailure:
            await self.client.close()
            raise SettingsError(
                "Discord refused DISCORD_TOKEN (401 Unauthorized); check the bot token"
            ) from None
        except (discord.HTTPException, endpoints.EndpointError, OSError) as exc:
            await self.client.close()
            where = "DISCORD_API_URL" if api_url else "Discord"
            raise SettingsError(f"cannot log in to {where}: {exc}"[:300]) from None
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="riskwire-discord-gateway")
        self._task.add_done_callback(_report_end)
        log.info("Discord front-end started")

    async def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Return once the gateway session is ready (TimeoutError otherwise)."""
        await asyncio.wait_for(self.client.wait_until_ready(), timeout)

    async def stop(self) -> None:
        """Close the gateway and REST sessions; the connect task ends with them."""
        await self.client.close()
        await self.discord_notifier.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError, Exception):
                await asyncio.wait_for(self._task, STOP_TIMEOUT)
            self._task = None


def _report_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        log.error("Discord closed the gateway: Riskwire asked for an intent the application does not have")
    elif exc is not None:
        log.error("Discord gateway stopped: %s: %s", type(exc).__name__, exc)
