"""Where discord.py connects: the one place that touches discord.py's private endpoint settings.

discord.py 2.7 has no public option for the REST base or the gateway address. The REST base is the
class attribute `discord.http.Route.BASE` (every request, the bot's and webhooks', is built from it);
the gateway is `DiscordWebSocket.DEFAULT_GATEWAY`, which the plain client always dials (it never asks
`GET /gateway/bot`). With DISCORD_API_URL set we point the first at that base and the second at the
gateway that `GET /gateway/bot` there names, so a proxy or a local fake gets every connection.

Both are process-wide, like the settings they come from: one Riskwire process talks to one Discord.
This module is the only place allowed to touch them; discord.py is pinned to 2.7.x for that reason.
"""

from __future__ import annotations

import logging

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

log = logging.getLogger(__name__)

DEFAULT_API_BASE = Route.BASE
DEFAULT_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


class EndpointError(RuntimeError):
    """The configured Discord API cannot be used; the message says why."""


def use_api_base(api_url: str | None) -> str:
    """Send every discord.py REST request to `api_url` (Discord's own when None); returns the base used."""
    base = (api_url or DEFAULT_API_BASE).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise EndpointError(f"DISCORD_API_URL must be an http(s) URL, got {base[:60]!r}")
    Route.BASE = base
    return base


async def gateway_url(http: HTTPClient) -> str:
    """The gateway address that `GET /gateway/bot` names at the current REST base (needs a login)."""
    try:
        _shards, url, _limits = await http.get_bot_gateway()
    except discord.GatewayNotFound as exc:
        raise EndpointError(f"GET /gateway/bot failed at {Route.BASE}: {exc.__cause__ or exc}") from None
    if not url.startswith(("ws://", "wss://")):
        raise EndpointError(f"GET /gateway/bot at {Route.BASE} named {url[:60]!r}, not a ws(s) URL")
    return url


def use_gateway(url: str | None) -> None:
    """Make the client dial `url` (Discord's built-in gateway when None), also after a session reset."""
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url) if url else DEFAULT_GATEWAY


def reset() -> None:
    """Back to Discord's own addresses (tests use this to leave no trace)."""
    Route.BASE = DEFAULT_API_BASE
    DiscordWebSocket.DEFAULT_GATEWAY = DEFAULT_GATEWAY
