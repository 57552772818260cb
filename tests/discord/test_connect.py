"""Logging in and connecting: the real client against the fake API and gateway."""

from __future__ import annotations

from bot.discord_app.frontend import DiscordFrontend
from tests.fakes.discord_api import APP_ID, FakeDiscord


async def test_login_follows_the_configured_gateway_and_registers_commands(
    frontend: DiscordFrontend, fake_discord: FakeDiscord
) -> None:
    assert fake_discord.requests("GET", "/users/@me")
    assert fake_discord.requests("GET", "/gateway/bot")
    assert fake_discord.identify is not None and fake_discord.identify["token"] == fake_discord.token
    (sync,) = fake_discord.requests("PUT", rf"/applications/{APP_ID}/commands")
    (group,) = sync.json
    assert group["name"] == "riskwire"
    options = {o["name"]: [p["name"] for p in o["options"]] for o in group["options"]}
    assert options["watch"][0] == "tickers" and options["unwatch"] == ["tickers"]
    assert options["summary"] == ["ticker", "window"] and options["history"] == ["ticker"]
    assert options["search"] == ["text"]
    assert {"list", "topics", "help"} <= set(options)
