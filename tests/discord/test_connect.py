"""Logging in and connecting: the real client against the fake API and gateway."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import pytest

from bot.core.settings import Secret, SettingsError
from bot.discord_app.frontend import DiscordFrontend
from bot.ops.runner import run_service
from tests.discord.interactions import send, slash
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
    assert group["contexts"] == [0] and group["dm_permission"] is False  # server channels only
    options = {o["name"]: [p["name"] for p in o["options"]] for o in group["options"]}
    assert options["watch"][0] == "tickers" and options["unwatch"] == ["tickers"]
    assert options["summary"] == ["ticker", "window"]
    assert options["history"] == ["ticker", "topic", "severity", "status", "window"]
    assert options["search"] == ["text", "ticker"]
    assert options["digest"] == ["cadence", "time", "tz", "weekday", "portfolio"]
    assert {"list", "topics", "help"} <= set(options)
    digest = next(o for o in group["options"] if o["name"] == "digest")
    kinds = {p["name"]: p for p in digest["options"]}
    assert [c["value"] for c in kinds["cadence"]["choices"]] == ["daily", "weekly", "off"]
    assert kinds["tz"]["autocomplete"] is True and len(kinds["weekday"]["choices"]) == 7
    assert all(len(o["description"]) <= 100 for o in group["options"])


async def test_only_unprivileged_intents_are_requested(
    frontend: DiscordFrontend, fake_discord: FakeDiscord
) -> None:
    assert fake_discord.identify is not None
    intents = fake_discord.identify["intents"]
    privileged = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
    assert intents & privileged == 0
    assert intents == 1  # guilds


async def test_a_refused_token_is_a_clear_settings_error(fake_discord, discord_settings, db) -> None:  # type: ignore[no-untyped-def]
    front = DiscordFrontend(replace(discord_settings, discord_token=Secret("wrong-token-value")), db)
    with pytest.raises(SettingsError) as err:
        await front.start()
    assert "DISCORD_TOKEN" in str(err.value)
    assert "wrong-token-value" not in str(err.value)
    assert fake_discord.identify is None  # never reached the gateway


async def test_an_unreachable_api_is_a_clear_settings_error(discord_settings, db) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    front = DiscordFrontend(replace(discord_settings, discord_api_url=f"http://127.0.0.1:{port}/api/v10"), db)
    with pytest.raises(SettingsError) as err:
        await front.start()
    assert "DISCORD_API_URL" in str(err.value)


def test_an_unknown_manage_permission_is_refused(discord_settings, db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError) as err:
        DiscordFrontend(replace(discord_settings, discord_manage_permission="manage_everything"), db)
    assert "manage_channels" in str(err.value)


async def test_run_service_carries_discord_on_its_loop(fake_discord: FakeDiscord, discord_settings) -> None:  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(discord_settings, stop))
    await fake_discord.wait_for(lambda: fake_discord.identify)
    (answer,) = await send(fake_discord, slash("watch", {"tickers": "AMZN"}))
    assert "now watches AMZN" in answer.json["data"]["content"]
    stop.set()
    assert await asyncio.wait_for(service, 15) == 0
    await fake_discord.wait_for(lambda: fake_discord.connected == 0)
