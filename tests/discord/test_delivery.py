"""Delivery to Discord end to end, with the real discord.py client against the fake API: exactly once
across a crash (history lookup, then the nonce), story updates as replies, notices and digests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.settings import Settings
from bot.delivery.outbox import deliver_due
from bot.delivery.targets import parse_target
from bot.discord_app.messages import digest_message
from bot.pipeline.polling import poll_once
from bot.usecases import service
from bot.usecases.digest import build_digest, run_due_digests
from storage import notices
from tests.discord.ids import CHANNEL, GUILD, HERE, HOOK, HOOK_PATH, MESSAGES
from tests.discord.interactions import send, slash
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.feed_server import FeedServer
from tests.feedkit import Item, recent_pub, rss, seed_item
from tests.historykit import add_alert

SUPPRESS_EMBEDS = 1 << 2

# Another outlet's rewrite of the seed story (tests/bot/test_stories.py keeps why these are one story)
REWRITE = (
    "Ex-AWS employee says Amazon breached UK sanctions by selling facial recognition to Russian firm",
    "A former Amazon Web Services employee told a London employment tribunal that Amazon supplied its "
    "Rekognition facial recognition technology to VisionLabs, a Russian company, in breach of UK "
    "sanctions. Amazon denies the claims.",
)
REWRITE_LINK = "https://b.example.com/amzn_story_(1)"


def watch(db, target: str = HERE) -> None:  # type: ignore[no-untyped-def]
    service.watch(db, service.Scope(parse_target(target), user="4000000000000000001"), ["AMZN"])


async def queue_alert(db, settings: Settings, feeds: FeedServer) -> None:  # type: ignore[no-untyped-def]
    """Watch AMZN here and poll the seed story with no Discord notifier: the alert waits in the outbox."""
    watch(db)
    url = feeds.serve("/news.xml", rss([seed_item(pub=recent_pub())]))
    report = await poll_once(db, replace(settings, feeds=(url,)), {})
    assert report.delivered.waiting == 1


async def two_outlets(db, settings: Settings, feeds: FeedServer, notifiers) -> None:  # type: ignore[no-untyped-def]
    """The seed story from one feed and another outlet's copy of it from a second feed."""
    first = feeds.serve("/a.xml", rss([seed_item(pub=recent_pub(3))], title="Wire A"))
    second = feeds.serve(
        "/b.xml",
        rss([Item(REWRITE[0], REWRITE_LINK, REWRITE[1], pub=recent_pub(2))], title="@everyone Outlet *B*"),
    )
    report = await poll_once(db, replace(settings, feeds=(first, second), host_gap=0), notifiers)
    assert report.processed.linked == 1, report


def row(db, table: str = "deliveries") -> dict:  # type: ignore[no-untyped-def]
    (only,) = db.table(table).rows
    return only


async def crash_during_send(fake: FakeDiscord, db, notifiers, path: str) -> None:  # type: ignore[no-untyped-def]
    """Deliver until Discord has acted on the POST to `path`, then die before hearing the answer."""
    held = fake.hold_next("POST", path)
    task = asyncio.create_task(deliver_due(db, notifiers))
    await fake.wait_for(lambda: [c for c in fake.requests("POST", path) if c.status == 200])
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    held.set()


# --- exactly once ---------------------------------------------------------------------------------


async def test_each_message_carries_its_delivery_nonce(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await queue_alert(db, discord_settings, feed_server)
    await deliver_due(db, {"discord": frontend.notifier})
    (post,) = fake_discord.posted(CHANNEL)
    nonce = post.json["nonce"]
    assert post.json["enforce_nonce"] is True and nonce.startswith("rw") and len(nonce) <= 25
    assert post.response["nonce"] == nonce


async def test_a_send_cut_off_after_discord_posted_is_found_in_the_channel_not_resent(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await queue_alert(db, discord_settings, feed_server)
    notifiers = {"discord": frontend.notifier}
    await crash_during_send(fake_discord, db, notifiers, MESSAGES)
    assert row(db)["state"] == "sending"
    # Long after the crash: Discord's nonce window is over, so only reading the channel can tell
    later = datetime.now(UTC) + timedelta(minutes=20)
    fake_discord.now = lambda: later

    report = await deliver_due(db, notifiers)

    assert (report.recovered, report.resent, report.sent) == (1, 0, 0)
    (post,) = fake_discord.posted(CHANNEL)
    assert len(fake_discord.requests("POST", MESSAGES)) == 1
    assert fake_discord.requests("GET", MESSAGES)  # it looked
    assert row(db)["state"] == "sent" and row(db)["message_ref"] == f"{CHANNEL}:{post.response['id']}"
    assert (await deliver_due(db, notifiers)).sent == 0


async def test_without_read_history_the_resend_returns_the_first_message_by_its_nonce(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await queue_alert(db, discord_settings, feed_server)
    notifiers = {"discord": frontend.notifier}
    await crash_during_send(fake_discord, db, notifiers, MESSAGES)
    fake_discord.forbid_next("GET", MESSAGES)  # the bot lacks Read Message History here

    report = await deliver_due(db, notifiers)

    assert (report.resent, report.sent) == (1, 1)
    first, again = fake_discord.requests("POST", MESSAGES)
    assert first.json["nonce"] == again.json["nonce"] and again.deduplicated
    (post,) = fake_discord.posted(CHANNEL)  # one message in the channel
    assert row(db)["message_ref"] == f"{CHANNEL}:{post.response['id']}" == f"{CHANNEL}:{again.response['id']}"


async def test_past_the_nonce_window_an_unreadable_channel_gets_the_alert_twice(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    """The documented limit: no history and no nonce window left means at-least-once."""
    await queue_alert(db, discord_settings, feed_server)
    notifiers = {"discord": frontend.notifier}
    await crash_during_send(fake_discord, db, notifiers, MESSAGES)
    later = datetime.now(UTC) + timedelta(seconds=fake_discord.nonce_window + 60)
    fake_discord.now = lambda: later
    fake_discord.forbid_next("GET", MESSAGES)
    report = await deliver_due(db, notifiers)
    assert report.sent == 1 and len(fake_discord.posted(CHANNEL)) == 2


async def test_a_send_cut_off_before_discord_got_it_is_sent_once(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await queue_alert(db, discord_settings, feed_server)
    dead = f"{socket.gethostname()}:999999999:deadbeef:0123456789ab"  # a killed process's attempt
    db.execute(
        "update deliveries set state = 'sending', attempt_id = ?, sending_since = ?",
        [dead, datetime.now(UTC).isoformat(timespec="seconds")],
    )
    report = await deliver_due(db, {"discord": frontend.notifier})
    assert (report.resent, report.sent) == (1, 1)
    assert len(fake_discord.posted(CHANNEL)) == 1 and row(db)["state"] == "sent"


# --- story updates --------------------------------------------------------------------------------


async def test_another_outlets_copy_is_a_reply_to_the_alert_that_pings_nobody(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    watch(db)
    await two_outlets(db, discord_settings, feed_server, {"discord": frontend.notifier})

    alert, reply = fake_discord.posted(CHANNEL)
    assert alert.json["embeds"] and not reply.json.get("embeds")
    reference = {k: str(v) for k, v in reply.json["message_reference"].items() if k != "fail_if_not_exists"}
    assert reference == {
        "type": "0",
        "message_id": alert.response["id"],
        "channel_id": CHANNEL,
        "guild_id": GUILD,
    }
    assert reply.json["message_reference"]["fail_if_not_exists"] is False
    assert reply.response["message_reference"]["message_id"] == alert.response["id"]
    assert reply.json["allowed_mentions"] == {"parse": []}
    assert reply.json["flags"] & SUPPRESS_EMBEDS  # no second preview of the same story
    content = reply.json["content"]
    assert "AMZN · also reported by" in content and "Outlet" in content
    assert "@everyone" not in content and "*B*" not in content  # the feed's title is inert
    assert "](https://b.example.com/amzn_story_%281%29)" in content  # a working link, parentheses kept in
    assert REWRITE[0][:40] in content
    update = row(db, "report_deliveries")
    assert update["state"] == "sent" and update["message_ref"] == f"{CHANNEL}:{reply.response['id']}"
    assert reply.json["nonce"] != alert.json["nonce"]


async def test_a_reply_to_a_deleted_alert_is_posted_plainly(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    watch(db)
    first = feed_server.serve("/a.xml", rss([seed_item(pub=recent_pub(3))], title="Wire A"))
    await poll_once(db, replace(discord_settings, feeds=(first,)), {"discord": frontend.notifier})
    fake_discord.messages[CHANNEL].clear()  # someone deleted the alert
    await two_outlets(db, discord_settings, feed_server, {"discord": frontend.notifier})
    _, reply = fake_discord.posted(CHANNEL)
    assert "message_reference" not in reply.response
    assert row(db, "report_deliveries")["state"] == "sent"


async def test_an_update_cut_off_after_discord_posted_it_is_found_not_resent(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    watch(db)
    first = feed_server.serve("/a.xml", rss([seed_item(pub=recent_pub(3))], title="Wire A"))
    notifiers = {"discord": frontend.notifier}
    await poll_once(db, replace(discord_settings, feeds=(first,)), notifiers)
    second = feed_server.serve(
        "/b.xml", rss([Item(REWRITE[0], REWRITE_LINK, REWRITE[1], pub=recent_pub(2))], title="Outlet B")
    )
    await poll_once(
        db, replace(discord_settings, feeds=(first, second), host_gap=0), {}
    )  # the copy is linked
    await crash_during_send(fake_discord, db, notifiers, MESSAGES)
    assert row(db, "report_deliveries")["state"] == "sending"
    later = datetime.now(UTC) + timedelta(minutes=20)
    fake_discord.now = lambda: later

    report = await deliver_due(db, notifiers)

    assert report.recovered == 1 and report.updates_sent == 0
    _, reply = fake_discord.posted(CHANNEL)
    assert len(fake_discord.requests("POST", MESSAGES)) == 2
    assert row(db, "report_deliveries")["message_ref"] == f"{CHANNEL}:{reply.response['id']}"


# --- notices and webhooks -------------------------------------------------------------------------


async def test_a_feed_notice_goes_to_the_owning_channel(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    text = "feed https://feeds.example.com/risk_news_feed.xml is paused after 5 failures in a row"
    notices.add(db, HERE, "feed_paused", "https://feeds.example.com/risk_news_feed.xml", text, "2026-01-01")
    report = await deliver_due(db, {"discord": frontend.notifier})
    assert report.notices_sent == 1
    (post,) = fake_discord.posted(CHANNEL)
    assert post.json["content"].startswith("**Riskwire:** feed https://feeds.example.com/risk_news_feed.xml")
    assert post.json["allowed_mentions"] == {"parse": []} and post.json["flags"] & SUPPRESS_EMBEDS


async def test_webhooks_get_updates_as_follow_ups_and_notices(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    watch(db, f"discord:webhook:{HOOK}")
    await two_outlets(db, discord_settings, feed_server, {"discord": frontend.notifier})
    alert, follow_up = fake_discord.requests("POST", HOOK_PATH)
    assert alert.json["embeds"] and "also reported by" in follow_up.json["content"]
    assert "message_reference" not in follow_up.json  # a webhook cannot reply
    assert follow_up.json["allowed_mentions"] == {"parse": []} and follow_up.json["username"] == "Riskwire"
    assert row(db, "report_deliveries")["state"] == "sent"

    notices.add(db, f"discord:webhook:{HOOK}", "feed_resumed", "u", "feed u works again", "2026-01-01")
    assert (await deliver_due(db, {"discord": frontend.notifier})).notices_sent == 1
    notice = fake_discord.requests("POST", HOOK_PATH)[-1]
    assert notice.json["content"] == "**Riskwire:** feed u works again"
    assert "Authorization" not in notice.headers


# --- digests --------------------------------------------------------------------------------------


async def test_the_daily_digest_set_by_command_arrives_grouped_with_links(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(
        fake_discord, slash("digest", {"cadence": "daily", "time": "08:00", "tz": "Europe/London"})
    )
    assert "Digest daily at 08:00 Europe/London" in answer.json["data"]["content"]
    info = service.digest_status(db, service.Scope(parse_target(HERE)))
    slot = info.next_slot
    inside = (slot - timedelta(hours=2)).isoformat(timespec="seconds")
    add_alert(db, created=inside, targets=(HERE,), topics=("sanctions",), title="Amazon **sanctions** @here")
    add_alert(db, created=inside, targets=(HERE,), topics=("whistleblower",), severity="critical")
    add_alert(db, ticker="BA", company="Boeing", created=inside, targets=(HERE,))
    add_alert(db, created=inside, targets=("discord:1/2",))  # another server's

    report = await run_due_digests(db, {"discord": frontend.notifier}, slot + timedelta(minutes=1))

    assert report.sent == 1
    (post,) = fake_discord.posted(CHANNEL)
    body = post.json
    assert body["content"].startswith("**Riskwire daily digest** · 3 alerts on 2 tickers")
    assert body["allowed_mentions"] == {"parse": []} and body["nonce"].startswith("rw")
    amzn, ba = body["embeds"]
    assert amzn["title"].startswith("AMZN") and "(2 alerts)" in amzn["title"] and ba["title"].startswith("BA")
    assert "**Sanctions & export controls** (1)" in amzn["description"]
    assert "**Whistleblower & insider allegations** (1)" in amzn["description"]
    assert "](https://news.example.com/" in amzn["description"]
    assert "@here" not in amzn["description"] and "**sanctions**" not in amzn["description"]
    runs = list(db.table("digest_runs").rows)
    assert runs[-1]["state"] == "sent" and runs[-1]["message_ref"] == f"{CHANNEL}:{post.response['id']}"


async def test_a_webhook_digest_goes_through_the_webhook(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    scope = service.Scope(parse_target(f"discord:webhook:{HOOK}"))
    info = service.set_digest(db, scope, "weekly", "09:30", "Asia/Tokyo", weekday="fri")
    add_alert(db, created=(info.next_slot - timedelta(days=1)).isoformat(), targets=(scope.key,))
    report = await run_due_digests(db, {"discord": frontend.notifier}, info.next_slot + timedelta(seconds=5))
    assert report.sent == 1
    (post,) = fake_discord.requests("POST", HOOK_PATH)
    assert "weekly digest" in post.json["content"] and "(Asia/Tokyo)" in post.json["content"]
    assert len(post.json["embeds"]) == 1


async def test_a_digest_waits_for_the_bot_where_only_webhooks_are_posted(db) -> None:  # type: ignore[no-untyped-def]
    from bot.delivery.discord import DiscordWebhookNotifier

    info = service.set_digest(db, service.Scope(parse_target(HERE)), "daily", "08:00")
    add_alert(db, created=(info.next_slot - timedelta(hours=1)).isoformat(), targets=(HERE,))
    notifier = DiscordWebhookNotifier(keep_session=False)
    report = await run_due_digests(db, {"discord": notifier}, info.next_slot + timedelta(minutes=1))
    assert (report.sent, report.waiting) == (0, 1)


def test_digest_message_fits_discords_limits(db) -> None:  # type: ignore[no-untyped-def]
    tickers = ["AMZN", "AAPL", "MSFT", "GOOGL", "META", "TSLA", "NVDA", "JPM", "BA", "XOM", "WMT", "KO"]
    start = datetime(2026, 11, 26, tzinfo=UTC)
    for i, ticker in enumerate(tickers):
        for n in range(12):
            add_alert(
                db,
                ticker=ticker,
                company=f"Company {ticker}",
                topics=(("sanctions", "fraud", "whistleblower")[n % 3],),
                created=(start + timedelta(minutes=i * 20 + n)).isoformat(),
                targets=(HERE,),
                title=f"{'A very long headline about a risk story ' * 4}[{n}](https://evil.example)",
            )
    digest = build_digest(db, HERE, start, start + timedelta(days=1))
    content, embeds = digest_message(digest)
    assert len(content) <= 2000 and len(embeds) <= 10
    assert sum(len(e) for e in embeds) <= 6000
    assert all(len(e.description or "") <= 4096 and len(e.title or "") <= 256 for e in embeds)
    assert "more ticker" in content  # what did not fit is said, not silently dropped
    assert "more stor" in (embeds[0].description or "")
    assert "(https://evil.example)" not in json.dumps([e.to_dict() for e in embeds])
