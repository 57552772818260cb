"""Chat front-ends that run inside `riskwire run`: each is on when its credentials are set.

A front-end owns its platform's connection (Bolt app, discord.py client) and its notifier, and is
started and stopped on the service's one event loop.
"""

from __future__ import annotations

import importlib
from typing import Protocol

import sqlite_utils

from bot.delivery.base import Notifier
from bot.settings import Settings, SettingsError


class Frontend(Protocol):
    """A chat platform inside the service."""

    platform: str
    notifier: Notifier

    async def start(self) -> None:
        """Connect and begin answering commands; returns once running (work continues in tasks)."""

    async def stop(self) -> None:
        """Disconnect cleanly."""


def load_frontends(settings: Settings, db: sqlite_utils.Database) -> list[Frontend]:
    """The front-ends whose credentials are configured (none: alerts go to the console and history)."""
    frontends: list[Frontend] = []
    if settings.slack_enabled:
        from bot.slack_app.frontend import SlackFrontend

        frontends.append(SlackFrontend(settings, db))
    if settings.discord_enabled:
        from bot.discord_app.frontend import DiscordFrontend

        frontends.append(DiscordFrontend(settings, db))
    frontends.extend(plugin_frontends(settings, db))
    return frontends


def plugin_frontends(settings: Settings, db: sqlite_utils.Database) -> list[Frontend]:
    """Front-ends named in the `frontends` setting ("module:factory"; factory(settings, db) -> Frontend):
    your own notifier (a webhook, e-mail, a test double) inside `riskwire run`."""
    out: list[Frontend] = []
    for spec in settings.frontends:
        module_name, _, attr = spec.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise SettingsError(f"frontends: cannot load {spec!r}: {exc}") from None
        out.append(factory(settings, db))
    return out
