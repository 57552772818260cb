"""Raw INTERACTION_CREATE payloads, as Discord's gateway sends them, for driving the real client.

Tests send these through the fake gateway (FakeDiscord.dispatch), so the client parses them and runs
its command tree and button handlers exactly as in production; no private discord.py API is used.
The shapes follow Discord's documented Interaction object (API v10).
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.discord_api import APP_ID, FakeDiscord

MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
VIEW_AND_SEND = (1 << 10) | (1 << 11) | (1 << 31)  # View Channel, Send Messages, Use Application Commands

_ids = itertools.count(1400000000000000001)


def _member(user_id: str, permissions: int) -> dict[str, Any]:
    return {
        "user": {"id": user_id, "username": f"user{user_id[-3:]}", "discriminator": "0", "avatar": None},
        "roles": [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
    }


def _base(kind: int, guild_id: str, channel_id: str, user_id: str, permissions: int) -> dict[str, Any]:
    interaction_id = str(next(_ids))
    return {
        "id": interaction_id,
        "application_id": APP_ID,
        "type": kind,
        "token": f"itoken-{interaction_id}",
        "version": 1,
        "guild_id": guild_id,
        "guild": {"id": guild_id, "locale": "en-US", "features": []},
        "channel_id": channel_id,
        "channel": {
            "id": channel_id,
            "type": 0,
            "guild_id": guild_id,
            "name": "risk-alerts",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        },
        "member": _member(user_id, permissions),
        "app_permissions": str(VIEW_AND_SEND | (1 << 14)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild_id},
        "context": 0,
        "attachment_size_limit": 8 * 1024 * 1024,
    }


def slash(
    sub: str,
    options: dict[str, str] | None = None,
    *,
    guild_id: str = "2000000000000000001",
    channel_id: str = "3000000000000000001",
    user_id: str = "4000000000000000001",
    permissions: int = VIEW_AND_SEND | MANAGE_CHANNELS,
) -> dict[str, Any]:
    """`/riskwire SUB option:value ...` from a member with `permissions` in that channel."""
    payload = _base(2, guild_id, channel_id, user_id, permissions)
    payload["data"] = {
        "id": "1500000000000000001",
        "name": "riskwire",
        "type": 1,
        "guild_id": None,
        "options": [
            {
                "name": sub,
                "type": 1,
                # strings (type 3), or booleans (type 5)
                "options": [
                    {"name": k, "type": 5 if isinstance(v, bool) else 3, "value": v}
                    for k, v in (options or {}).items()
                ],
            }
        ],
    }
    return payload


def autocomplete(sub: str, option: str, typed: str, **kwargs: Any) -> dict[str, Any]:
    """The autocomplete request Discord sends while the user types `typed` into `option`."""
    payload = slash(sub, {option: typed}, **kwargs)
    payload["type"] = 4
    payload["data"]["options"][0]["options"][0]["focused"] = True
    return payload


def click(
    message: dict[str, Any],
    custom_id: str,
    *,
    guild_id: str = "2000000000000000001",
    channel_id: str = "3000000000000000001",
    user_id: str = "4000000000000000001",
    permissions: int = VIEW_AND_SEND | MANAGE_CHANNELS,
) -> dict[str, Any]:
    """A click on the button `custom_id` of `message` (a message object as the API returned it)."""
    payload = _base(3, guild_id, channel_id, user_id, permissions)
    payload["message"] = dict(message, guild_id=guild_id)
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    return payload


async def send(fake: FakeDiscord, payload: dict[str, Any], timeout: float = 10.0) -> list[Any]:
    """Dispatch the interaction and wait for the client's first response to it; returns the responses
    (callback calls) recorded so far."""
    await fake.dispatch("INTERACTION_CREATE", payload)
    return await fake.wait_for(lambda: fake.callbacks(payload["id"]), timeout)


def buttons(message_payload: dict[str, Any]) -> dict[str, str]:
    """label -> custom_id of the buttons in a posted message payload."""
    out = {}
    for row in message_payload.get("components") or []:
        for comp in row.get("components") or []:
            if comp.get("type") == 2 and comp.get("custom_id"):
                out[comp["label"]] = comp["custom_id"]
    return out
