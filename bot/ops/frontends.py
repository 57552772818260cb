"""Chat front-ends that run inside `riskwire run`: each is on when its credentials are set.

A front-end owns its platform's connection (Bolt app, discord.py client) and its notifier, and is
started and stopped on the service's one event loop. Posting does not need one (see
bot/delivery/notifiers.py); slash commands and buttons do. `startup_lines` says which are on.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Protocol

import sqlite_utils

from bot.core.settings import ENVIRONMENT, Settings, SettingsError
from bot.delivery.base import Notifier


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


SLACK_SOCKET_VARS = ("SLACK_APP_TOKEN",)
SLACK_HTTP_VARS = ("SLACK_SIGNING_SECRET", "RISKWIRE_SLACK_PORT")


def startup_lines(
    settings: Settings, frontends: list[Frontend], notifiers: Mapping[str, Notifier]
) -> list[str]:
    """Two lines for the start of `riskwire run`: the front-ends (commands, buttons) and the
    notifiers (posting) that are on, and for the rest, the environment variables they miss."""
    slack = next((f for f in frontends if f.platform == "slack"), None)
    front = [_slack_frontend(settings, getattr(slack, "port", None))]
    front.append(
        "Discord gateway on" if settings.discord_enabled else "Discord gateway off (set DISCORD_TOKEN)"
    )
    front += [f"plugin {spec} on" for spec in settings.frontends]
    on = [_notifier_name(name, settings.discord_enabled) for name in notifiers]
    off = [] if "slack" in notifiers else ["slack off (set SLACK_BOT_TOKEN)"]
    if not settings.discord_enabled:
        off.append("discord bot channels off (set DISCORD_TOKEN)")
    return [f"Front-ends: {'; '.join(front)}", f"Posting to: {'; '.join([', '.join(on), *off])}"]


def _slack_frontend(settings: Settings, port: int | None) -> str:
    if settings.slack_enabled:
        if settings.slack_app_token:
            return "Slack Socket Mode on"
        return f"Slack HTTP mode on (port {port or settings.slack_port})"
    socket = [v for v in SLACK_SOCKET_VARS if not _is_set(settings, v)]
    http = [v for v in SLACK_HTTP_VARS if not _is_set(settings, v)]
    if not settings.slack_bot_token and (not socket or not http):
        return "Slack commands off (set SLACK_BOT_TOKEN)"
    need = f"{' and '.join(socket)} for Socket Mode, or {' and '.join(http)} for HTTP mode"
    if not settings.slack_bot_token:
        need = f"SLACK_BOT_TOKEN, and {need}"
    return f"Slack commands off (set {need})"


def _is_set(settings: Settings, var: str) -> bool:
    value = getattr(settings, ENVIRONMENT[var][0])
    return isinstance(value, int) or bool(value)  # a port of 0 is set (any free port)


def _notifier_name(name: str, discord_bot: bool) -> str:
    if name == "discord":
        return "discord bot and webhooks" if discord_bot else "discord webhooks"
    return name
