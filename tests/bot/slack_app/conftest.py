from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.settings import Secret, Settings
from bot.slack_app.frontend import SlackFrontend
from tests.fakes.slack_api import FakeSlackApi
from tests.slackkit import SIGNING_SECRET


@pytest.fixture
def http_settings(slack_api: FakeSlackApi, db_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        db_path=str(db_path),
        slack_bot_token=Secret(slack_api.bot_token),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_port=0,
        slack_host="127.0.0.1",
        slack_api_url=slack_api.api_url,
        allow_private_feeds=True,
        baseline_hours=72,
    )


@pytest.fixture
async def frontend(http_settings: Settings, db) -> AsyncIterator[SlackFrontend]:  # type: ignore[no-untyped-def]
    front = SlackFrontend(http_settings, db)
    front.slack_notifier.min_interval = 0.0  # pacing has its own test with an injected clock
    await front.start()
    try:
        yield front
    finally:
        await front.stop()


@pytest.fixture
def events_url(frontend: SlackFrontend) -> str:
    return f"http://127.0.0.1:{frontend.port}/slack/events"
