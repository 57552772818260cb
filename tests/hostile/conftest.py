from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from feeds.safety import AddressPolicy
from tests.fakes.hostile_server import HostileServer


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class TrustOne(AddressPolicy):
    """The default policy, except that one loopback address stands in for a public web server.

    Tests cannot reach the internet, so a redirect from a "public" feed to a private address is
    played out between 127.0.0.1 (trusted here) and 127.0.0.2 (as forbidden as any loopback)."""

    trusted: str = "127.0.0.1"

    def refusal(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        return None if str(ip) == self.trusted else super().refusal(ip)


# --- chat front-ends, shared by a whole test module (tests/hostile/test_chat_*.py) ----------------
# Starting a Bolt app or a discord.py client per test would cost more than the checks themselves, so
# these run once per module on the module's event loop; each test works in channels of its own.


@dataclass
class SlackRig:
    """The real Slack front-end (Bolt in HTTP mode) against the fake Web API, on its own database."""

    db: Any
    fake: Any
    front: Any
    settings: Any

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.front.port}/slack/events"


@dataclass
class DiscordRig:
    """The real Discord front-end (discord.py client) against the fake REST API and gateway."""

    db: Any
    fake: Any
    front: Any
    settings: Any


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def slack_rig(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SlackRig]:
    from bot.core.settings import Secret, Settings
    from bot.slack_app.frontend import SlackFrontend
    from storage.db import open_db
    from tests.fakes.slack_api import FakeSlackApi
    from tests.slackkit import SIGNING_SECRET

    path = tmp_path_factory.mktemp("slack") / "riskwire.db"
    db = open_db(path)
    fake = await FakeSlackApi().start()
    settings = Settings(
        db_path=str(path),
        slack_bot_token=Secret(fake.bot_token),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_port=0,
        slack_host="127.0.0.1",
        slack_api_url=fake.api_url,
        admin_users=("UADMIN",),
        allow_private_feeds=False,
    )
    front = SlackFrontend(settings, db)
    front.slack_notifier.min_interval = 0.0
    await front.start()
    try:
        yield SlackRig(db, fake, front, settings)
    finally:
        await front.stop()
        await fake.stop()
        db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def discord_rig(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DiscordRig]:
    from bot.core.settings import Secret, Settings
    from bot.discord_app import endpoints
    from bot.discord_app.frontend import DiscordFrontend
    from storage.db import open_db
    from tests.fakes.discord_api import FakeDiscord

    path = tmp_path_factory.mktemp("discord") / "riskwire.db"
    db = open_db(path)
    fake = await FakeDiscord().start()
    settings = Settings(
        db_path=str(path),
        discord_token=Secret(fake.token),
        discord_api_url=fake.api_url,
        allow_private_feeds=False,
    )
    front = DiscordFrontend(settings, db, guild_ready_timeout=0.01)
    await front.start()
    try:
        await front.wait_until_ready(10)
        yield DiscordRig(db, fake, front, settings)
    finally:
        await front.stop()
        await fake.stop()
        endpoints.reset()
        db.close()
