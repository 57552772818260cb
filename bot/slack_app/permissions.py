"""Who may do what in Slack: feed management needs a workspace admin or owner, or a user id the
operator listed in `admin_users`; and whether the bot can post in a channel."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings

log = logging.getLogger(__name__)


async def is_feed_admin(
    client: AsyncWebClient, settings: Settings, user_id: str | None, team_id: str | None = None
) -> bool:
    """True for a user on `settings.admin_users` or a Slack workspace admin/owner (users.info); with
    `team_id`, only an admin of that workspace (an admin of another one, met in a shared channel, is
    not an admin here)."""
    if not user_id:
        return False
    if user_id in settings.admin_users:
        return True
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.warning("users.info for %s failed: %s", user_id, exc.response.get("error"))
        return False
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("users.info for %s failed: %s", user_id, type(exc).__name__)
        return False
    user = response.get("user") or {}
    if team_id and user.get("team_id") and user["team_id"] != team_id:
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


async def bot_in_channel(client: AsyncWebClient, channel_id: str) -> bool | None:
    """Whether the bot is a member of the channel; None when Slack will not say (DMs, missing scope)."""
    try:
        response = await client.conversations_info(channel=channel_id)
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
        log.debug("conversations.info for %s failed: %s", channel_id, exc)
        return None
    channel = response.get("channel") or {}
    if channel.get("is_im") or "is_member" not in channel:
        return None
    return bool(channel["is_member"])
