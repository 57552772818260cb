"""Servers that take alerts through a channel webhook need no bot token: `riskwire poll --once` and
`riskwire run` post to `discord:webhook:URL` targets without DISCORD_TOKEN, while the bot's own
channels (`discord:GUILD/CHANNEL`) wait for a process that has the bot."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli.main import main as cli_main
from bot.core.settings import Settings
from bot.delivery.outbox import deliver_due
from bot.delivery.targets import parse_target
from bot.ops.runner import run_service
from bot.usecases import service
from storage import feeds as feed_store
from tests.fakes.discord_api import FakeDiscord
from tests.feedkit import recent_pub, rss, seed_item

HOOK_ID = "5000000000000000011"
HOOK = f"https://discord.com/api/webhooks/{HOOK_ID}/only-hook_TOKEN"
HOOK_PATH = rf"/webhooks/{HOOK_ID}/only-hook_TOKEN"
BOT_TARGET = "discord:2000000000000000001/3000000000000000001"


def cli(*args: str) -> int:
    return cli_main(list(args))


async def test_poll_once_posts_to_a_webhook_without_a_bot_token(
    fake_discord: FakeDiscord, feed_server, db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("RISKWIRE_DB", str(db_path))
    monkeypatch.setenv("DISCORD_API_URL", fake_discord.api_url)
    monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")
    monkeypatch.setenv("RISKWIRE_CONFIG", str(db_path.parent / "none.toml"))
    (db_path.parent / "none.toml").write_text("")
    url = feed_server.serve("/risk.xml", rss([seed_item(pub=recent_pub())]))

    # the CLI runs its own event loop; a thread keeps this one serving the fake Discord
    assert await asyncio.to_thread(cli, "watch", "add", "AMZN", "--to", f"discord:webhook:{HOOK}") == 0
    assert await asyncio.to_thread(cli, "watch", "add", "AMZN", "--to", BOT_TARGET) == 0
    assert await asyncio.to_thread(cli, "feeds", "add", url) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(cli, "poll", "--once") == 0

    (post,) = fake_discord.requests("POST", HOOK_PATH)
    assert "amazon-sanctions" in json.dumps(post.json["embeds"])
    assert "Authorization" not in post.headers
    assert fake_discord.requests("POST", r"/channels/\d+/messages") == []  # the bot's channel waits
    err = capsys.readouterr().err
    assert "1 delivered, 1 waiting" in err and HOOK not in err  # and the webhook token is not printed


async def test_poll_once_without_webhook_targets_loads_no_discord_notifier(db) -> None:  # type: ignore[no-untyped-def]
    from bot.cli.main import _notifiers

    settings = Settings(db_path=":memory:")
    assert "discord" not in _notifiers(settings, db)
    service.watch(db, service.Scope(parse_target(f"discord:webhook:{HOOK}")), ["AMZN"])
    notifier = _notifiers(settings, db)["discord"]
    assert notifier.serves(parse_target(f"discord:webhook:{HOOK}"))
    assert not notifier.serves(parse_target(BOT_TARGET))


async def test_run_without_a_token_delivers_to_webhooks(
    fake_discord: FakeDiscord, feed_server, db, db_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url = feed_server.serve("/risk.xml", rss([seed_item(pub=recent_pub())]))
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target(f"discord:webhook:{HOOK}")), ["AMZN"])
    service.watch(db, service.Scope(parse_target(BOT_TARGET)), ["AMZN"])
    settings = Settings(
        db_path=str(db_path), discord_api_url=fake_discord.api_url, allow_private_feeds=True, host_gap=0
    )
    assert not settings.discord_enabled
    stop = asyncio.Event()
    running = asyncio.create_task(run_service(settings, stop))
    try:
        (post,) = await fake_discord.wait_for(
            lambda: [c for c in fake_discord.requests("POST", HOOK_PATH) if c.status == 200], timeout=20
        )
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 20) == 0
    assert post.json["embeds"][0]["url"].endswith("amazon-sanctions")
    states = {r["target"]: r["state"] for r in db.table("deliveries").rows}
    assert states == {f"discord:webhook:{HOOK}": "sent", BOT_TARGET: "pending"}


async def test_a_bot_target_is_left_waiting_not_failed_by_the_webhook_notifier(db) -> None:  # type: ignore[no-untyped-def]
    from bot.delivery.discord import DiscordWebhookNotifier
    from tests.historykit import add_alert

    add_alert(db, targets=(BOT_TARGET,), state="pending")
    report = await deliver_due(db, {"discord": DiscordWebhookNotifier(keep_session=False)})
    assert (report.sent, report.failed, report.waiting) == (0, 0, 1)
    (row,) = db.table("deliveries").rows
    assert row["state"] == "pending" and row["attempts"] == 0
