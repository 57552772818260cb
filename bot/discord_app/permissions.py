"""Who may change what: Discord permissions checked before a command changes anything.

Changing a channel's subscriptions (watch, unwatch, mute) needs the permission named by the setting
`discord_manage_permission` (Manage Channels by default); managing the server's feeds needs Manage
Server. Server admins can restrict the commands further in Server Settings > Integrations.
"""

from __future__ import annotations

import discord

from bot.core.settings import SettingsError
from bot.usecases.service import ServiceError

MANAGE_FEEDS = "manage_guild"

# How Discord's own UI names these permissions (the flag names are discord.py's).
_UI_NAMES = {"manage_guild": "Manage Server", "administrator": "Administrator"}


def ui_name(flag: str) -> str:
    """'manage_channels' -> 'Manage Channels' (and 'manage_guild' -> 'Manage Server')."""
    return _UI_NAMES.get(flag, flag.replace("_", " ").title())


def check_flag(flag: str) -> str:
    """`flag` when it names a Discord permission, else SettingsError listing how to name one."""
    flag = (flag or "").strip().lower()
    if flag not in discord.Permissions.VALID_FLAGS:
        raise SettingsError(
            f"discord_manage_permission must be a Discord permission such as manage_channels, "
            f"manage_guild or administrator; got {flag[:40]!r}"
        )
    return flag


def require(interaction: discord.Interaction, flag: str, doing: str) -> None:
    """ServiceError (shown to the user) unless the member has `flag` (or Administrator) in this channel."""
    perms = interaction.permissions
    if perms.administrator or getattr(perms, flag, False):
        return
    raise ServiceError(f"{doing} needs the {ui_name(flag)} permission in this channel; ask a server admin.")
