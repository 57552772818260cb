"""The `/riskwire` commands and the alert buttons, driven as raw interactions through the fake gateway."""

from __future__ import annotations

from dataclasses import replace

from bot.discord_app.frontend import DiscordFrontend
from bot.pipeline.polling import poll_once
from tests.discord.interactions import (
    MANAGE_CHANNELS,
    VIEW_AND_SEND,
    autocomplete,
    buttons,
    click,
    send,
    slash,
)
from tests.fakes.discord_api import APP_ID, FakeDiscord
from tests.feedkit import recent_pub, rss, seed_item

GUILD_A, CHANNEL_A = "2000000000000000001", "3000000000000000001"
GUILD_B, CHANNEL_B = "2000000000000000002", "3000000000000000002"
EPHEMERAL = 64


def in_b(**kwargs):  # type: ignore[no-untyped-def]
    return {"guild_id": GUILD_B, "channel_id": CHANNEL_B, "user_id": "4000000000000000009", **kwargs}


async def posted_alert(frontend, fake, feed_server, settings, db) -> dict:  # type: ignore[no-untyped-def]
    """Watch AMZN in A, poll the seed story, and return the message object the API answered."""
    await send(fake, slash("watch", {"tickers": "AMZN"}))
    url = feed_server.serve("/news.xml", rss([seed_item(pub=recent_pub())]))
    report = await poll_once(db, replace(settings, feeds=(url,)), {"discord": frontend.notifier})
    assert report.delivered.sent == 1
    (post,) = fake.posted(CHANNEL_A)
    return post.response


async def followups(fake: FakeDiscord, payload: dict) -> list:
    return await fake.wait_for(lambda: fake.requests("POST", rf"/webhooks/{APP_ID}/{payload['token']}"))


# --- tenancy and permissions ----------------------------------------------------------------------


async def test_server_b_cannot_see_or_remove_server_a_subscriptions(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    await send(fake_discord, slash("watch", {"tickers": "AMZN, AAPL"}))

    (listing,) = await send(fake_discord, slash("list", **in_b()))
    (embed,) = listing.json["data"]["embeds"]
    assert "**AMZN**" not in embed["description"] and "Nothing yet" in embed["description"]

    (removed,) = await send(fake_discord, slash("unwatch", {"tickers": "AMZN"}, **in_b()))
    assert "Not watched here: AMZN" in removed.json["data"]["content"]
    rows = {(r["target"], r["ticker"]) for r in db.table("subscriptions").rows}
    assert rows == {(f"discord:{GUILD_A}/{CHANNEL_A}", "AMZN"), (f"discord:{GUILD_A}/{CHANNEL_A}", "AAPL")}

    # The same channel id under another server is another tenant too
    (listing,) = await send(fake_discord, slash("list", guild_id=GUILD_B, channel_id=CHANNEL_A))
    assert "**AMZN**" not in listing.json["data"]["embeds"][0]["description"]

    (own,) = await send(fake_discord, slash("list"))
    assert "**AMZN**" in own.json["data"]["embeds"][0]["description"]


async def test_watching_again_says_what_changes(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    await send(fake_discord, slash("watch", {"tickers": "AMZN", "min_severity": "high"}))
    (again,) = await send(fake_discord, slash("watch", {"tickers": "AMZN AAPL"}))
    text = again.json["data"]["content"]
    assert "AMZN was already watched here; min severity: high -> low." in text and "AAPL" in text
    (same,) = await send(fake_discord, slash("watch", {"tickers": "AMZN"}))
    assert same.json["data"]["content"] == "AMZN was already watched here; nothing changed."


async def test_changing_subscriptions_needs_manage_channels(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(fake_discord, slash("watch", {"tickers": "AMZN"}, permissions=VIEW_AND_SEND))
    assert answer.json["data"]["flags"] & EPHEMERAL
    assert "Manage Channels" in answer.json["data"]["content"]
    assert list(db.table("subscriptions").rows) == []


async def test_the_permission_is_configurable(fake_discord, discord_settings, db) -> None:  # type: ignore[no-untyped-def]
    front = DiscordFrontend(
        replace(discord_settings, discord_manage_permission="manage_guild"), db, guild_ready_timeout=0.01
    )
    await front.start()
    try:
        await front.wait_until_ready(10)
        (answer,) = await send(
            fake_discord, slash("watch", {"tickers": "AMZN"}, permissions=VIEW_AND_SEND | MANAGE_CHANNELS)
        )
        assert "Manage Server" in answer.json["data"]["content"]
        assert list(db.table("subscriptions").rows) == []
        (answer,) = await send(
            fake_discord, slash("watch", {"tickers": "AMZN"}, permissions=VIEW_AND_SEND | (1 << 5))
        )
        assert not (answer.json["data"].get("flags") or 0) & EPHEMERAL
        assert len(list(db.table("subscriptions").rows)) == 1
    finally:
        await front.stop()


async def test_bad_input_gets_a_helpful_private_answer(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(fake_discord, slash("watch", {"tickers": "AMZN NOPEQX"}))
    data = answer.json["data"]
    assert data["flags"] & EPHEMERAL
    assert "NOPEQX" in data["content"] and "Nothing was changed" in data["content"]
    assert list(db.table("subscriptions").rows) == []

    (answer,) = await send(fake_discord, slash("summary", {"ticker": "!!"}))
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] & EPHEMERAL  # answered before deferring


# --- long answers ---------------------------------------------------------------------------------


async def test_summary_history_and_search_are_deferred_then_followed_up(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    await posted_alert(frontend, fake_discord, feed_server, discord_settings, db)

    payload = slash("summary", {"ticker": "AMZN", "window": "30d"})
    (deferred,) = await send(fake_discord, payload)
    assert deferred.json["type"] == 5
    (follow,) = await followups(fake_discord, payload)
    (embed,) = follow.json["embeds"]
    assert embed["title"].startswith("AMZN") and "30 days" in embed["title"]
    assert "1 alert" in embed["description"]
    assert follow.json["allowed_mentions"] == {"parse": []}

    payload = slash("history")
    await send(fake_discord, payload)
    (follow,) = await followups(fake_discord, payload)
    assert "https://news.example.com/amazon-sanctions" in follow.json["embeds"][0]["description"]

    payload = slash("search", {"text": "sanctions"})
    await send(fake_discord, payload)
    (follow,) = await followups(fake_discord, payload)
    assert "AMZN" in follow.json["embeds"][0]["description"]

    # Another server searching for the same words finds nothing
    payload = slash("search", {"text": "sanctions"}, **in_b())
    await send(fake_discord, payload)
    (follow,) = await followups(fake_discord, payload)
    assert "No alert posted here" in follow.json["embeds"][0]["description"]


async def test_topics_and_help_answer_privately(frontend, fake_discord) -> None:  # type: ignore[no-untyped-def]
    (topics,) = await send(fake_discord, slash("topics"))
    text = topics.json["data"]["embeds"][0]["description"]
    assert "`sanctions`" in text and "`whistleblower`" in text and "`surveillance`" in text
    (helped,) = await send(fake_discord, slash("help"))
    assert "/riskwire watch" in helped.json["data"]["content"]
    assert helped.json["data"]["flags"] & EPHEMERAL


async def test_ticker_autocomplete_comes_from_the_directory(frontend, fake_discord) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(fake_discord, autocomplete("watch", "tickers", "AAPL, amz"))
    assert answer.json["type"] == 8
    choices = {c["value"]: c["name"] for c in answer.json["data"]["choices"]}
    assert "Amazon" in choices["AAPL, AMZN"]  # the earlier ticker is kept, the last one completed

    (answer,) = await send(fake_discord, autocomplete("summary", "ticker", "Micro"))
    assert "MSFT" in [c["value"] for c in answer.json["data"]["choices"]]


# --- buttons --------------------------------------------------------------------------------------


async def test_buttons_are_stored_with_who_and_when(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    message = await posted_alert(frontend, fake_discord, feed_server, discord_settings, db)
    ids = buttons(message)

    (answer,) = await send(fake_discord, click(message, ids["Mark reviewed"], user_id="4000000000000000005"))
    assert answer.json["type"] == 7  # the alert message is updated in place
    fields = {f["name"]: f["value"] for f in answer.json["data"]["embeds"][0]["fields"]}
    assert "Marked reviewed by <@4000000000000000005>" in fields["Review"]
    assert answer.json["data"]["allowed_mentions"] == {"parse": []}
    assert set(buttons(answer.json["data"])) == {"Mark reviewed", "False positive", "Mute 24h"}

    await send(fake_discord, click(message, ids["False positive"], user_id="4000000000000000006"))
    payload = click(message, ids["Mute 24h"], user_id="4000000000000000007")
    await send(fake_discord, payload)
    (note,) = await followups(fake_discord, payload)
    assert "AMZN is muted" in note.json["content"] and note.json["flags"] & EPHEMERAL

    rows = list(db.table("reviews").rows_where(order_by="id"))
    assert [(r["action"], r["user"], r["target"]) for r in rows] == [
        ("reviewed", "4000000000000000005", f"discord:{GUILD_A}/{CHANNEL_A}"),
        ("false_positive", "4000000000000000006", f"discord:{GUILD_A}/{CHANNEL_A}"),
        ("muted", "4000000000000000007", f"discord:{GUILD_A}/{CHANNEL_A}"),
    ]
    assert all(r["at"] for r in rows)
    (mute,) = db.table("mutes").rows
    assert (mute["target"], mute["ticker"], mute["by"]) == (
        f"discord:{GUILD_A}/{CHANNEL_A}",
        "AMZN",
        "4000000000000000007",
    )


async def test_buttons_work_after_a_restart(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    message = await posted_alert(frontend, fake_discord, feed_server, discord_settings, db)
    await frontend.stop()
    restarted = DiscordFrontend(discord_settings, db, guild_ready_timeout=0.01)
    await restarted.start()
    try:
        await restarted.wait_until_ready(10)
        (answer,) = await send(fake_discord, click(message, buttons(message)["Mark reviewed"]))
        assert answer.json["type"] == 7
        assert [r["action"] for r in db.table("reviews").rows] == ["reviewed"]
    finally:
        await restarted.stop()


async def test_a_button_from_another_server_changes_nothing(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    message = await posted_alert(frontend, fake_discord, feed_server, discord_settings, db)
    (answer,) = await send(fake_discord, click(message, buttons(message)["Mute 24h"], **in_b()))
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] & EPHEMERAL
    assert "No such alert" in answer.json["data"]["content"]
    assert list(db.table("reviews").rows) == [] and list(db.table("mutes").rows) == []


async def test_muting_needs_the_manage_permission(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    message = await posted_alert(frontend, fake_discord, feed_server, discord_settings, db)
    (answer,) = await send(
        fake_discord, click(message, buttons(message)["Mute 24h"], permissions=VIEW_AND_SEND)
    )
    assert answer.json["data"]["flags"] & EPHEMERAL and "Manage Channels" in answer.json["data"]["content"]
    assert list(db.table("mutes").rows) == []
    (answer,) = await send(
        fake_discord, click(message, buttons(message)["Mark reviewed"], permissions=VIEW_AND_SEND)
    )
    assert answer.json["type"] == 7  # reviewing is open to everyone in the channel


async def test_a_failure_after_deferring_is_logged_and_shown_privately(
    frontend, fake_discord, db, caplog
) -> None:  # type: ignore[no-untyped-def]
    db.execute("alter table alerts rename to alerts_elsewhere")  # the history query will now fail
    payload = slash("history")
    (deferred, *_) = await send(fake_discord, payload)
    assert deferred.json["type"] == 5
    deleted = await fake_discord.wait_for(
        lambda: fake_discord.requests("DELETE", rf"/webhooks/{APP_ID}/{payload['token']}/messages/@original")
    )
    assert deleted  # the public "thinking…" placeholder is removed...
    (note,) = await followups(fake_discord, payload)
    assert note.json["flags"] & EPHEMERAL and "logged" in note.json["content"]  # ...and the asker told
    assert any("/riskwire history failed" in r.getMessage() for r in caplog.records)
