"""Who may manage feeds: listed users, or workspace admins and owners as users.info says."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings
from bot.slack_app.permissions import bot_in_channel, is_feed_admin


async def test_admins_owners_and_listed_users(slack_api) -> None:
    client = AsyncWebClient(token=slack_api.bot_token, base_url=slack_api.api_url)
    slack_api.users.update(
        {"UADMIN": {"is_admin": True}, "UOWNER": {"is_owner": True}, "UPLAIN": {"is_admin": False}}
    )
    settings = Settings(admin_users=("ULISTED",))
    assert await is_feed_admin(client, settings, "ULISTED")
    assert slack_api.calls_to("users.info") == []  # the list is enough
    assert await is_feed_admin(client, settings, "UADMIN")
    assert await is_feed_admin(client, settings, "UOWNER")
    assert not await is_feed_admin(client, settings, "UPLAIN")
    assert not await is_feed_admin(client, settings, "UNOBODY")  # users.info: user_not_found
    assert not await is_feed_admin(client, settings, None)
    slack_api.fail_next("users.info", "ratelimited", status=429, retry_after=1)
    assert not await is_feed_admin(client, settings, "UADMIN")  # when in doubt, no


async def test_bot_membership(slack_api) -> None:
    client = AsyncWebClient(token=slack_api.bot_token, base_url=slack_api.api_url)
    slack_api.not_member.add("C2")
    assert await bot_in_channel(client, "C1") is True
    assert await bot_in_channel(client, "C2") is False
    slack_api.fail_next("conversations.info", "missing_scope")
    assert await bot_in_channel(client, "C1") is None
