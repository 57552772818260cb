"""The "Listed parties" field on a Discord alert and digest: the seed story polled over local HTTP with a
list that holds VisionLabs, posted by discord.py to the fake Discord API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.outbox import deliver_due
from bot.discord_app.messages import digest_message
from bot.usecases.digest import build_digest
from bot.usecases.sanctions import recheck_alerts
from tests.discord.ids import CHANNEL, HERE
from tests.discord.test_delivery import queue_alert
from tests.sanctions.listkit import load_team_list


async def test_the_alert_embed_has_the_listed_party(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    load_team_list(db)
    await queue_alert(db, discord_settings, feed_server)
    await deliver_due(db, {"discord": frontend.notifier})
    (post,) = fake_discord.posted(CHANNEL)
    (embed,) = post.json["embeds"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Listed parties"] == (
        "VisionLabs: team, Russia, listed 2023-02-24, exact match "
        "(severity one step up for a listed counterparty)"
    )
    assert "CRITICAL" in fields["Severity · stage"]

    start = datetime.now(UTC) - timedelta(days=1)
    _, embeds = digest_message(build_digest(db, HERE, start, start + timedelta(days=2)))
    assert "listed parties: VisionLabs (team, Russia)" in embeds[0].description


async def test_without_a_list_the_embed_has_no_such_field(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await queue_alert(db, discord_settings, feed_server)
    await deliver_due(db, {"discord": frontend.notifier})
    (post,) = fake_discord.posted(CHANNEL)
    assert "Listed parties" not in {f["name"] for f in post.json["embeds"][0]["fields"]}


async def test_a_party_listed_later_gets_one_reply_under_the_alert(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await queue_alert(db, discord_settings, feed_server)
    await deliver_due(db, {"discord": frontend.notifier})
    (alert_post,) = fake_discord.posted(CHANNEL)
    load_team_list(db)
    assert recheck_alerts(db).queued == 1
    assert (await deliver_due(db, {"discord": frontend.notifier})).updates_sent == 1
    reply = fake_discord.posted(CHANNEL)[-1]
    assert str(reply.json["message_reference"]["message_id"]) == str(alert_post.response["id"])
    assert "Now on a sanctions list: VisionLabs: team, Russia" in reply.json["content"]
    assert recheck_alerts(db).queued == 0
    assert (await deliver_due(db, {"discord": frontend.notifier})).updates_sent == 0
