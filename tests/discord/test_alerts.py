"""From a `/riskwire watch` interaction to an alert in the channel, with the real discord.py client
against the fake Discord, a real feed over local HTTP and a real SQLite file."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.settings import Settings
from bot.delivery.outbox import deliver_due
from bot.discord_app.frontend import DiscordFrontend
from bot.pipeline.polling import PollReport, poll_once
from tests.discord.ids import CHANNEL, GUILD, MESSAGES
from tests.discord.interactions import buttons, send, slash
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.feed_server import FeedServer
from tests.feedkit import recent_pub, rss, seed_item

SEED_LINK = "https://news.example.com/amazon-sanctions"


async def watch_amzn(fake: FakeDiscord) -> None:
    (answer,) = await send(fake, slash("watch", {"tickers": "AMZN"}))
    assert answer.json["type"] == 4, answer.json


async def poll(
    db, settings: Settings, feeds: FeedServer, frontend: DiscordFrontend, title_prefix: str = ""
) -> PollReport:  # type: ignore[no-untyped-def]
    item = seed_item(SEED_LINK, pub=recent_pub())
    item.title = title_prefix + item.title
    url = feeds.serve("/news.xml", rss([item]))
    return await poll_once(db, replace(settings, feeds=(url,)), {"discord": frontend.notifier})


async def test_watch_then_poll_posts_the_alert_embed_with_no_mentions(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(fake_discord, slash("watch", {"tickers": "AMZN"}))
    assert answer.json["type"] == 4
    assert "AMZN" in answer.json["data"]["content"] and "Amazon" in answer.json["data"]["content"]
    assert answer.json["data"]["allowed_mentions"] == {"parse": []}
    (sub,) = db.table("subscriptions").rows
    assert (sub["target"], sub["ticker"], sub["created_by"]) == (
        f"discord:{GUILD}/{CHANNEL}",
        "AMZN",
        "4000000000000000001",
    )

    report = await poll(db, discord_settings, feed_server, frontend)

    assert report.delivered.sent == 1, report.delivered
    (post,) = fake_discord.posted(CHANNEL)
    payload = post.json
    assert payload["allowed_mentions"] == {"parse": []}
    (embed,) = payload["embeds"]
    assert embed["url"] == SEED_LINK
    assert "Amazon" in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Ticker"].startswith("AMZN")
    assert "Sanctions" in fields["Topics"]
    assert "stage" in fields["Severity · stage"]
    assert "sanctions" in fields["Evidence"]
    assert embed["footer"]["text"] and embed["timestamp"]
    assert set(buttons(payload)) == {"Mark reviewed", "False positive", "Mute 24h"}
    (delivery,) = db.table("deliveries").rows
    assert delivery["state"] == "sent"
    assert delivery["message_ref"] == f"{CHANNEL}:{post.response['id']}"


async def test_mentions_and_markdown_in_feed_text_ping_nobody(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await watch_amzn(fake_discord)
    hostile = "@everyone <@&123456789012345678> @here **Breaking** [click](https://evil.example) "
    report = await poll(db, discord_settings, feed_server, frontend, title_prefix=hostile)
    assert report.delivered.sent == 1
    (post,) = fake_discord.posted(CHANNEL)
    assert post.json["allowed_mentions"] == {"parse": []}
    text = json.dumps(post.json["embeds"], ensure_ascii=False)
    assert "Breaking" in text  # the headline is there...
    for live in ("@everyone", "@here", "<@&123456789012345678>", "**Breaking**"):
        assert live not in text, live  # ...but inert
    title = post.json["embeds"][0]["title"]
    assert re.search(r"(?<!\\)\[click\]\(", title) is None  # no live masked link
    assert "\\[click\\]" in title


async def test_short_rate_limit_is_waited_out_and_posts_once(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await watch_amzn(fake_discord)
    fake_discord.rate_limit_next("POST", MESSAGES, retry_after=0.05)
    report = await poll(db, discord_settings, feed_server, frontend)
    assert report.delivered.sent == 1
    attempts = fake_discord.requests("POST", MESSAGES)
    assert [c.status for c in attempts] == [429, 200]
    assert len(fake_discord.posted(CHANNEL)) == 1


async def test_long_rate_limit_goes_back_to_the_outbox_then_posts_once(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await watch_amzn(fake_discord)
    fake_discord.rate_limit_next("POST", MESSAGES, retry_after=120)
    report = await poll(db, discord_settings, feed_server, frontend)
    assert (report.delivered.sent, report.delivered.retrying) == (0, 1)
    (row,) = db.table("deliveries").rows
    assert row["state"] == "retrying" and "rate limited" in row["last_error"]
    wait = datetime.fromisoformat(row["next_attempt"]) - datetime.now(UTC)
    assert timedelta(seconds=100) < wait <= timedelta(seconds=121)

    notifiers = {"discord": frontend.notifier}
    early = await deliver_due(db, notifiers)
    assert early.sent == 0  # not before Retry-After
    later = datetime.now(UTC) + timedelta(seconds=125)
    done = await deliver_due(db, notifiers, now=lambda: later)
    again = await deliver_due(db, notifiers, now=lambda: later + timedelta(hours=1))
    assert (done.sent, again.sent) == (1, 0)
    assert len(fake_discord.posted(CHANNEL)) == 1


async def test_missing_access_marks_the_subscription_broken_and_stops_retrying(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await watch_amzn(fake_discord)
    fake_discord.forbid_next("POST", MESSAGES)
    report = await poll(db, discord_settings, feed_server, frontend)
    assert (report.delivered.sent, report.delivered.failed) == (0, 1)
    (sub,) = db.table("subscriptions").rows
    assert sub["status"] == "broken" and "Missing Access" in sub["broken_reason"]
    (row,) = db.table("deliveries").rows
    assert row["state"] == "failed"
    later = datetime.now(UTC) + timedelta(days=1)
    await deliver_due(db, {"discord": frontend.notifier}, now=lambda: later)
    assert len(fake_discord.requests("POST", MESSAGES)) == 1  # not retried

    (listing,) = await send(fake_discord, slash("list"))
    (embed,) = listing.json["data"]["embeds"]
    assert "AMZN" in embed["description"] and "BROKEN" in embed["description"]
    assert "Missing Access" in embed["description"]
    assert listing.json["data"]["flags"] & 64  # only the asker sees it

    # Fixing the channel and watching again makes it active
    await watch_amzn(fake_discord)
    (sub,) = db.table("subscriptions").rows
    assert sub["status"] == "active"


async def test_webhook_target_gets_the_embed_without_the_bot(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    from bot.delivery.targets import parse_target
    from bot.usecases import service

    hook = "https://discord.com/api/webhooks/5000000000000000001/hook-token_ABCdef"
    service.watch(db, service.Scope(parse_target(f"discord:webhook:{hook}")), ["AMZN"])
    report = await poll(db, discord_settings, feed_server, frontend)
    assert report.delivered.sent == 1
    (call,) = fake_discord.requests("POST", r"/webhooks/5000000000000000001/hook-token_ABCdef")
    assert call.query.get("wait") in ("true", "1")
    assert call.json["allowed_mentions"] == {"parse": []}
    assert call.json["embeds"][0]["url"] == SEED_LINK
    assert not call.json.get("components")  # a plain webhook cannot carry buttons
    assert "Authorization" not in call.headers  # the bot token is not sent to webhooks
    (row,) = db.table("deliveries").rows
    assert row["message_ref"] == f"{call.response['channel_id']}:{call.response['id']}"


async def test_deleted_webhook_marks_the_target_broken(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    from bot.delivery.targets import parse_target
    from bot.usecases import service

    hook = "https://discord.com/api/webhooks/5000000000000000002/gone"
    service.watch(db, service.Scope(parse_target(f"discord:webhook:{hook}")), ["AMZN"])
    fake_discord.fail_next(
        "POST", r"/webhooks/5000000000000000002/gone", 404, {"message": "Unknown Webhook", "code": 10015}
    )
    report = await poll(db, discord_settings, feed_server, frontend)
    assert report.delivered.failed == 1
    (sub,) = db.table("subscriptions").rows
    assert sub["status"] == "broken" and "Unknown Webhook" in sub["broken_reason"]
    assert hook not in (sub["broken_reason"] or "")  # the webhook token never shows up in errors
