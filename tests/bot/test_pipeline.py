"""The whole path over a local HTTP feed: poll twice, the second gets 304 and creates nothing."""

from __future__ import annotations

import io

from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.delivery.targets import parse_target
from bot.pipeline.polling import poll_once
from bot.usecases import service
from storage import feeds as feed_store
from tests.feedkit import Item, recent_pub, rss, seed_item

NEUTRAL = Item(
    "Shell lifts LNG outlook and keeps buyback",
    "https://news.example.com/shell-lng",
    "Shell plc raised its liquefied natural gas sales outlook.",
    pub=recent_pub(),
)


async def test_poll_twice_creates_nothing_new(feed_server, db) -> None:
    url = feed_server.serve("/risk.xml", rss([seed_item(pub=recent_pub()), NEUTRAL]))
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    scope = service.Scope(parse_target("console"))
    service.watch(db, scope, ["AMZN", "SHEL"])
    out = io.StringIO()
    notifiers = {"console": ConsoleNotifier(out)}
    settings = Settings(db_path=":memory:", allow_private_feeds=True)

    first = await poll_once(db, settings, notifiers)
    assert first.ok and first.processed.new == 2
    assert [
        (a.ticker, set(a.topics) >= {"sanctions", "whistleblower", "surveillance"})
        for a in first.processed.alerts
    ] == [("AMZN", True)]
    assert first.delivered.sent == 1
    assert "AMZN" in out.getvalue() and "https://news.example.com/amazon-sanctions" in out.getvalue()

    second = await poll_once(db, settings, notifiers)
    assert second.not_modified == 1 and second.processed.new == 0 and not second.processed.alerts
    assert second.delivered.sent == 0
    assert [h.status for h in feed_server.hits_for("/risk.xml")] == [200, 304]
    assert db["alerts"].count == 1 and db["deliveries"].count == 1
    (history,) = service.history(db, scope)
    assert history.ticker == "AMZN" and history.link.endswith("amazon-sanctions")
    assert "SHEL" not in {a.ticker for a in service.history(db, None)}


async def test_a_failing_feed_does_not_stop_others(feed_server, db) -> None:
    good = feed_server.serve("/good.xml", rss([seed_item(pub=recent_pub())]))
    bad = feed_server.serve("/bad.xml", "nope", status=500)
    junk = feed_server.serve("/junk.xml", "<<<not a feed>>>")
    for url in (bad, junk, good):
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    report = await poll_once(
        db,
        Settings(db_path=":memory:", allow_private_feeds=True),
        {"console": ConsoleNotifier(io.StringIO())},
    )
    assert {u for u, _ in report.failures} == {bad, junk}
    assert len(report.processed.alerts) == 1
    status = {r["url"]: r for r in feed_store.all_feeds(db)}
    assert status[bad]["consecutive_failures"] == 1 and "500" in status[bad]["last_error"]
    assert status[good]["consecutive_failures"] == 0 and status[good]["last_success"]


async def test_old_items_are_stored_but_not_posted(feed_server, db) -> None:
    url = feed_server.serve("/old.xml", rss([seed_item(pub="Mon, 02 Jan 2023 09:00:00 GMT")]))
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    out = io.StringIO()
    report = await poll_once(
        db,
        Settings(db_path=":memory:", baseline_hours=72, allow_private_feeds=True),
        {"console": ConsoleNotifier(out)},
    )
    assert len(report.processed.alerts) == 1 and report.delivered.sent == 0 and out.getvalue() == ""
    (row,) = db["deliveries"].rows
    assert row["state"] == "skipped"


async def test_each_watched_listing_of_an_issuer_gets_the_alert(feed_server, db) -> None:
    item = Item(
        "Google fined €150 million over location tracking of users",
        "https://news.example.com/google-tracking",
        "Google was fined after it kept tracking users' location data without consent, the regulator said.",
        pub=recent_pub(),
    )
    url = feed_server.serve("/issuer.xml", rss([item]))
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["GOOG"])
    service.watch(db, service.Scope(parse_target("slack:T1/C1")), ["GOOGL"])
    notifiers = {"console": ConsoleNotifier(io.StringIO())}
    report = await poll_once(db, Settings(db_path=":memory:", allow_private_feeds=True), notifiers)
    assert sorted(a.ticker for a in report.processed.alerts) == ["GOOG", "GOOGL"]
    assert {
        (r["ticker"], r["target"])
        for r in db.query(
            "select alerts.ticker, deliveries.target from deliveries"
            " join alerts on alerts.id = deliveries.alert_id"
        )
    } == {("GOOG", "console"), ("GOOGL", "slack:T1/C1")}


async def test_a_channel_watching_two_listings_of_an_issuer_gets_the_alert_once(feed_server, db) -> None:
    item = Item(
        "Google fined €150 million over location tracking of users",
        "https://news.example.com/google-tracking-twice",
        "Google was fined after it kept tracking users' location data without consent, the regulator said.",
        pub=recent_pub(),
    )
    url = feed_server.serve("/issuer-twice.xml", rss([item]))
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["GOOG", "GOOGL"])
    notifiers = {"console": ConsoleNotifier(io.StringIO())}
    await poll_once(db, Settings(db_path=":memory:", allow_private_feeds=True), notifiers)
    rows = db.query(
        "select alerts.ticker, deliveries.target from deliveries"
        " join alerts on alerts.id = deliveries.alert_id"
    )
    assert [(r["ticker"], r["target"]) for r in rows] == [("GOOGL", "console")]
