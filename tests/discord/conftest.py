from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.settings import Secret, Settings
from bot.discord_app import endpoints
from bot.discord_app.frontend import DiscordFrontend
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture(autouse=True)
def _discord_endpoints() -> Iterator[None]:
    """discord.py's endpoints are process-wide: leave them as they were."""
    yield
    endpoints.reset()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord().start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def discord_settings(fake_discord: FakeDiscord, db_path: Path) -> Settings:
    return Settings(
        db_path=str(db_path),
        discord_token=Secret(fake_discord.token),
        discord_api_url=fake_discord.api_url,
        allow_private_feeds=True,
        baseline_hours=72,
    )


@pytest.fixture
async def frontend(discord_settings: Settings, db) -> AsyncIterator[DiscordFrontend]:  # type: ignore[no-untyped-def]
    front = DiscordFrontend(discord_settings, db, guild_ready_timeout=0.01)
    await front.start()
    try:
        await front.wait_until_ready(10)
        yield front
    finally:
        await front.stop()
