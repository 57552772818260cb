"""The ESG commands on Discord: the summary chart, history filters, search errors and `/riskwire digest`,
driven as raw interactions through the fake gateway against a real SQLite file."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.targets import parse_target
from bot.usecases import service
from tests.discord.interactions import VIEW_AND_SEND, autocomplete, send, slash
from tests.fakes.discord_api import APP_ID, FakeDiscord
from tests.historykit import add_alert

GUILD, CHANNEL = "2000000000000000001", "3000000000000000001"
HERE = f"discord:{GUILD}/{CHANNEL}"
EPHEMERAL = 64


def recent(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")


async def followup(fake: FakeDiscord, payload: dict):  # type: ignore[no-untyped-def]
    (call,) = await fake.wait_for(lambda: fake.requests("POST", rf"/webhooks/{APP_ID}/{payload['token']}"))
    return call


# --- summary --------------------------------------------------------------------------------------


async def test_summary_attaches_the_weekly_chart(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    add_alert(db, created=recent(30), targets=(HERE,), topics=("sanctions",))
    add_alert(db, created=recent(24 * 9), targets=(HERE,), topics=("whistleblower",))
    payload = slash("summary", {"ticker": "AMZN", "window": "30d"})
    (deferred,) = await send(fake_discord, payload)
    assert deferred.json["type"] == 5
    call = await followup(fake_discord, payload)
    ((name, png),) = call.files
    assert name == "riskwire-AMZN-30d.png" and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 500
    (embed,) = call.json["embeds"]
    assert embed["image"]["url"] == "attachment://riskwire-AMZN-30d.png"
    assert "2 alerts" in embed["description"]
    assert call.json["allowed_mentions"] == {"parse": []}


async def test_summary_without_a_ticker_attaches_the_portfolio_heat_map(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    scope = service.Scope(parse_target(HERE), user="U1")
    service.watch(db, scope, ["AMZN", "BA", "MSFT"])
    add_alert(db, created=recent(30), targets=(HERE,), topics=("sanctions", "fraud"))
    add_alert(db, created=recent(24 * 9), targets=(HERE,), topics=("whistleblower",))
    for hours in (5, 50):
        add_alert(
            db, ticker="BA", company="The Boeing Company", severity="critical", created=recent(hours),
            targets=(HERE,), topics=("whistleblower", "product_safety"),
        )  # fmt: skip
    payload = slash("summary", {"window": "30d"})
    (deferred,) = await send(fake_discord, payload)
    assert deferred.json["type"] == 5
    call = await followup(fake_discord, payload)
    ((name, png),) = call.files
    assert name == "riskwire-portfolio-30d.png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    (embed,) = call.json["embeds"]
    assert embed["image"]["url"] == "attachment://riskwire-portfolio-30d.png"
    assert embed["title"] == "Portfolio: last 30 days"
    text = embed["description"]
    assert ": 4 alerts on 2 tickers" in text and "most severe: BA (2 critical)" in text
    assert "AMZN (Amazon.com, Inc.): 2 alerts" in text and "no alerts: MSFT" in text


async def test_a_chart_that_cannot_be_drawn_still_gets_the_numbers(
    frontend, fake_discord, db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    import bot.rendering.chart

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("no canvas today")

    monkeypatch.setattr(bot.rendering.chart, "render_time_chart", broken)
    add_alert(db, created=recent(30), targets=(HERE,))
    payload = slash("summary", {"ticker": "AMZN"})
    await send(fake_discord, payload)
    call = await followup(fake_discord, payload)
    assert call.files == []
    (embed,) = call.json["embeds"]
    assert "1 alert" in embed["description"] and "image" not in embed
    assert "chart could not be drawn" in embed["footer"]["text"]
    assert any(
        "summary chart for AMZN" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
    )


async def test_a_summary_with_nothing_to_chart_sends_no_image(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    payload = slash("summary", {"ticker": "AMZN"})
    await send(fake_discord, payload)
    call = await followup(fake_discord, payload)
    assert call.files == [] and "0 alerts" in call.json["embeds"][0]["description"]


# --- history and search ---------------------------------------------------------------------------


async def test_history_filters_by_topic_severity_and_review_status(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    wanted = add_alert(db, created=recent(1), targets=(HERE,), topics=("whistleblower",), severity="critical")
    reviewed = add_alert(db, created=recent(2), targets=(HERE,), topics=("whistleblower",), severity="high")
    add_alert(db, created=recent(3), targets=(HERE,), topics=("whistleblower",), severity="medium")
    add_alert(db, created=recent(4), targets=(HERE,), topics=("sanctions",), severity="critical")
    add_alert(db, created=recent(5), targets=("discord:9/9",), topics=("whistleblower",), severity="critical")
    service.review(db, service.Scope(parse_target(HERE), user="u1"), reviewed.id, "reviewed")

    payload = slash("history", {"topic": "whistleblower", "severity": "high+", "status": "open"})
    await send(fake_discord, payload)
    (embed,) = (await followup(fake_discord, payload)).json["embeds"]
    assert embed["description"].count("\n") == 0 and wanted.link in embed["description"]
    assert "high and above" in embed["title"] and "open" in embed["title"]

    payload = slash("history", {"topic": "whistleblower", "status": "reviewed", "window": "7d"})
    await send(fake_discord, payload)
    (embed,) = (await followup(fake_discord, payload)).json["embeds"]
    assert reviewed.link in embed["description"] and wanted.link not in embed["description"]

    payload = slash("history", {"ticker": "BA"})
    await send(fake_discord, payload)
    (embed,) = (await followup(fake_discord, payload)).json["embeds"]
    assert "No alert posted here matches" in embed["description"]


async def test_search_by_ticker_and_a_query_with_nothing_to_search(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    amzn = add_alert(db, created=recent(1), targets=(HERE,), title="Amazon faces export controls probe")
    boeing = add_alert(
        db, ticker="BA", company="Boeing", created=recent(1), targets=(HERE,), title="Boeing export controls"
    )
    payload = slash("search", {"text": '"export controls"', "ticker": "BA"})
    await send(fake_discord, payload)
    (embed,) = (await followup(fake_discord, payload)).json["embeds"]
    assert boeing.link in embed["description"] and amzn.link not in embed["description"]

    (answer,) = await send(fake_discord, slash("search", {"text": "!!! ???"}))
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] & EPHEMERAL  # before deferring
    assert "Nothing to search for" in answer.json["data"]["content"]


async def test_a_search_the_database_cannot_run_is_told_privately(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    db.execute("drop table alerts_fts")  # the full-text index is gone: the query fails in SQLite
    payload = slash("search", {"text": "sanctions"})
    (deferred, *_) = await send(fake_discord, payload)
    assert deferred.json["type"] == 5
    note = await followup(fake_discord, payload)
    assert note.json["flags"] & EPHEMERAL and "Cannot search for 'sanctions'" in note.json["content"]
    deleted = fake_discord.requests("DELETE", rf"/webhooks/{APP_ID}/{payload['token']}/messages/@original")
    assert deleted  # the public "thinking…" placeholder went away


# --- digest ---------------------------------------------------------------------------------------


async def test_digest_command_sets_shows_and_stops_the_channels_digest(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(fake_discord, slash("digest"))
    assert (
        answer.json["data"]["flags"] & EPHEMERAL
        and "No digest in this channel" in answer.json["data"]["content"]
    )

    (answer,) = await send(
        fake_discord,
        slash("digest", {"cadence": "weekly", "time": "17:30", "tz": "Asia/Tokyo", "weekday": "fri"}),
    )
    text = answer.json["data"]["content"]
    assert not (answer.json["data"].get("flags") or 0) & EPHEMERAL  # the channel sees the change
    assert "Digest weekly on Fri at 17:30 Asia/Tokyo" in text
    (row,) = db.table("digests").rows
    assert (row["target"], row["cadence"], row["weekday"], row["tz"], row["created_by"]) == (
        HERE,
        "weekly",
        4,
        "Asia/Tokyo",
        "4000000000000000001",
    )

    (answer,) = await send(fake_discord, slash("digest", permissions=VIEW_AND_SEND))
    assert "weekly on Fri at 17:30" in answer.json["data"]["content"]  # anyone may look

    (answer,) = await send(fake_discord, slash("digest", {"cadence": "off"}))
    assert "Digest stopped" in answer.json["data"]["content"]
    assert list(db.table("digests").rows) == []


async def test_a_digest_can_include_the_portfolio(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    chosen = {"cadence": "weekly", "time": "09:00", "tz": "Europe/London", "portfolio": True}
    (answer,) = await send(fake_discord, slash("digest", chosen))
    text = answer.json["data"]["content"]
    assert "Digest weekly on Mon at 09:00 Europe/London, with the portfolio of every watched ticker" in text
    (row,) = db.table("digests").rows
    assert row["portfolio"] == 1


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"cadence": "daily", "time": "8am"}, "HH:MM"),
        ({"cadence": "daily"}, "HH:MM"),
        ({"cadence": "daily", "time": "08:00", "tz": "Mars/Olympus"}, "Unknown time zone"),
        ({"cadence": "daily", "time": "08:00", "tz": "../../etc/passwd"}, "not a time zone"),
        ({"cadence": "daily", "time": "08:00", "weekday": "mon"}, "only applies to weekly"),
        ({"time": "08:00"}, "Choose a cadence"),
    ],
)
async def test_digest_command_bad_input_gets_a_private_answer(
    frontend, fake_discord, db, options, says
) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(fake_discord, slash("digest", options))
    assert answer.json["data"]["flags"] & EPHEMERAL and says in answer.json["data"]["content"]
    assert list(db.table("digests").rows) == []


async def test_changing_the_digest_needs_the_manage_permission(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(
        fake_discord, slash("digest", {"cadence": "daily", "time": "08:00"}, permissions=VIEW_AND_SEND)
    )
    assert answer.json["data"]["flags"] & EPHEMERAL and "Manage Channels" in answer.json["data"]["content"]
    assert list(db.table("digests").rows) == []


async def test_time_zone_autocomplete(frontend, fake_discord) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(fake_discord, autocomplete("digest", "tz", "lond"))
    assert answer.json["data"]["choices"][0]["value"] == "Europe/London"
    (answer,) = await send(fake_discord, autocomplete("digest", "tz", "new york"))
    assert "America/New_York" in [c["value"] for c in answer.json["data"]["choices"]]
    (answer,) = await send(fake_discord, autocomplete("digest", "tz", ""))
    values = [c["value"] for c in answer.json["data"]["choices"]]
    assert values[0] == "UTC" and len(values) <= 25


# --- feeds ----------------------------------------------------------------------------------------


async def test_a_feed_added_here_that_stops_working_is_announced_here(
    frontend, fake_discord, feed_server, discord_settings, db
) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from bot.pipeline.polling import poll_once

    gone = feed_server.url("/gone_feed.xml")  # nothing is served there: every fetch is a 404
    (answer,) = await send(
        fake_discord, slash("feeds", {"action": "add", "urls": gone}, permissions=VIEW_AND_SEND | (1 << 5))
    )
    assert "Added feed" in answer.json["data"]["content"]
    (feed,) = db.table("feeds").rows
    assert feed["owner_target"] == HERE

    report = await poll_once(
        db, replace(discord_settings, feed_failure_limit=1), {"discord": frontend.notifier}
    )
    assert report.paused == [gone] and report.delivered.notices_sent == 1
    (notice,) = fake_discord.posted(CHANNEL)
    assert notice.json["content"].startswith(f"**Riskwire:** feed {gone} is paused")
    assert notice.json["allowed_mentions"] == {"parse": []}

    (listing,) = await send(fake_discord, slash("feeds"))
    assert listing.json["data"]["flags"] & EPHEMERAL
    assert "paused" in listing.json["data"]["embeds"][0]["description"]


async def test_adding_feeds_needs_manage_server(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    (answer,) = await send(
        fake_discord, slash("feeds", {"action": "add", "urls": "https://example.com/x.xml"})
    )
    assert answer.json["data"]["flags"] & EPHEMERAL and "Manage Server" in answer.json["data"]["content"]
    assert list(db.table("feeds").rows) == []
