"""The buttons under every alert: Mark reviewed, False positive, Mute 24h.

Each button's custom_id carries the action and the alert id (`riskwire:reviewed:<alert id>`), and the
button class is registered with the client at startup (`add_dynamic_items`), so buttons on messages
posted before a restart keep working and no per-message state is held in memory.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord

log = logging.getLogger(__name__)

ACTIONS = {
    "reviewed": ("Mark reviewed", discord.ButtonStyle.success),
    "false_positive": ("False positive", discord.ButtonStyle.secondary),
    "mute24h": ("Mute 24h", discord.ButtonStyle.danger),
}
TEMPLATE = r"riskwire:(?P<action>reviewed|false_positive|mute24h):(?P<alert>[0-9a-f]{16})"


class ButtonHandler(Protocol):
    async def click(self, interaction: discord.Interaction, action: str, alert_id: str) -> None: ...


def custom_id(action: str, alert_id: str) -> str:
    """The custom_id of one button; it must match TEMPLATE."""
    value = f"riskwire:{action}:{alert_id}"
    if not re.fullmatch(TEMPLATE, value):
        raise ValueError(f"not an alert button: {value[:60]!r}")
    return value


class AlertButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One alert button; rebuilt from its custom_id when clicked, whichever process posted it."""

    def __init__(self, action: str, alert_id: str) -> None:
        label, style = ACTIONS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id(action, alert_id)))
        self.action = action
        self.alert_id = alert_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AlertButton:
        return cls(match["action"], match["alert"])

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: ButtonHandler | None = getattr(interaction.client, "alert_buttons", None)
        if handler is None:
            log.warning("alert button clicked on a client without a handler")
            return
        await handler.click(interaction, self.action, self.alert_id)


def alert_view(alert_id: str) -> discord.ui.View:
    """The three buttons for one alert (no timeout: they work for as long as the message exists)."""
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(AlertButton(action, alert_id))
    return view
