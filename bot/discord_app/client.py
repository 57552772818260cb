"""The discord.py client: the `/riskwire` command tree, the alert buttons, and nothing privileged.

Intents: only `guilds` (no privileged intent: Riskwire never reads messages or member lists; slash
commands and button clicks reach a bot without any intent).
"""

from __future__ import annotations

import logging
from functools import cached_property

import discord
import sqlite_utils

from bot.core.settings import Settings
from bot.discord_app.autocomplete import TickerIndex
from bot.discord_app.commands import AlertButtons, RiskwireGroup, RiskwireTree
from bot.discord_app.embeds import NO_MENTIONS
from bot.discord_app.views import AlertButton
from rules.directory import CompanyDirectory

log = logging.getLogger(__name__)

# Wait at most this long inside one REST call for a rate limit to pass; a longer one is handed back to
# the outbox, which retries the delivery after Retry-After without holding up the others.
MAX_RATELIMIT_WAIT = 30.0


def intents() -> discord.Intents:
    """The gateway intents Riskwire asks for: guilds only."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


class RiskwireClient(discord.Client):
    """A discord.Client carrying the `/riskwire` commands and the persistent alert buttons."""

    def __init__(
        self,
        settings: Settings,
        db: sqlite_utils.Database,
        *,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        # Riskwire never joins voice: no warnings at startup about voice libraries it does not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.settings = settings
        self.db = db
        self.sync_commands = sync_commands
        self.tree = RiskwireTree(self)
        self.tree.add_command(RiskwireGroup(db, settings, lambda: self.ticker_index))
        self.alert_buttons = AlertButtons(db, settings)

    @cached_property
    def ticker_index(self) -> TickerIndex:
        """The directory's tickers for autocomplete, built on first use."""
        return TickerIndex(CompanyDirectory.default())

    async def setup_hook(self) -> None:
        """After login, before the gateway: buttons of earlier messages, and the command definitions."""
        self.add_dynamic_items(AlertButton)
        _ = self.ticker_index  # build now, so the first autocomplete answers within Discord's 3 seconds
        if self.sync_commands:
            try:
                synced = await self.tree.sync()
                log.info("Discord: %d application command(s) registered", len(synced))
            except discord.HTTPException as exc:
                # Commands registered earlier keep working; alerts do not depend on this.
                log.error("Discord: could not register the /riskwire commands: %s", exc)

    async def on_ready(self) -> None:
        log.info(
            "Discord: connected as %s (id %s) to %d server(s)",
            self.user,
            self.user and self.user.id,
            len(self.guilds),
        )
