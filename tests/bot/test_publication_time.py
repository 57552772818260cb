"""Time means publication time: what Riskwire posts, links and counts follows when a story was published,
not when a poll happened to fetch it. Driven through the `riskwire` command line against real feed XML
served on 127.0.0.1, with a real SQLite file; every date is relative to now."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.discord_app.messages import digest_message
from bot.pipeline.polling import poll_once
from bot.slack_app.digest_blocks import digest_blocks
from bot.usecases import service
from bot.usecases.digest import build_digest
from storage.db import open_db
from tests.fakes.feed_server import FeedServer
from tests.feedkit import Item, recent_pub, rss

DAY = 24.0

HSBC_CASE = Item(  # the story, three weeks old by the time the feed is first read
    "HSBC accused of breaching Iran sanctions through Hong Kong unit",
    "https://wire.example.com/hsbc-iran-sanctions",
    "Prosecutors allege that HSBC Holdings plc processed payments for Iranian clients through its Hong "
    "Kong unit in breach of US sanctions, according to court documents. HSBC said it was reviewing the "
    "claims.",
    pub=recent_pub(20 * DAY),
)
HSBC_FILING = Item(  # an hour old: a new filing in the same case, worded much like the story
    "New filing in HSBC Iran sanctions case says Hong Kong unit hid payments",
    "https://court.example.com/hsbc-new-filing",
    "A new court filing alleges that HSBC's Hong Kong unit hid payments for Iranian clients from "
    "sanctions screening, in breach of US sanctions. HSBC said it was reviewing the filing.",
    pub=recent_pub(1),
)
HSBC_FILING_COPY = Item(  # another outlet's report of the new filing, two hours later
    "HSBC's Hong Kong unit hid Iranian payments from sanctions screening, filing alleges",
    "https://outlet.example.com/hsbc-filing",
    "HSBC's Hong Kong unit hid payments for Iranian clients from sanctions screening in breach of US "
    "sanctions, a new court filing alleges. HSBC said it was reviewing the filing.",
)
JPM_OLD = Item(  # published 45 days ago, fetched today
    "JPMorgan accused of processing payments for sanctioned Russian oligarch",
    "https://wire.example.com/jpm-russia",
    "Prosecutors allege JPMorgan Chase moved funds for a sanctioned Russian businessman through accounts "
    "in Cyprus, in breach of US sanctions. The bank said it complies with all sanctions laws.",
    pub=recent_pub(45 * DAY),
)
JPM_RECENT = Item(  # published two days ago, fetched today
    "JPMorgan whistleblower says bank ignored complaints about trader surveillance",
    "https://wire.example.com/jpm-whistleblower",
    "A former JPMorgan Chase compliance officer filed a whistleblower complaint alleging the bank "
    "ignored warnings that its trader surveillance systems missed spoofing. JPMorgan declined to comment.",
    pub=recent_pub(2 * DAY),
)

JPM_FRESH = Item(  # published three hours ago
    "JPMorgan hit with US sanctions probe over payments to Venezuelan state oil firm",
    "https://wire.example.com/jpm-venezuela",
    "US Treasury officials opened an investigation into whether JPMorgan Chase processed payments for "
    "Venezuela's state oil company in breach of US sanctions, people familiar with the matter said.",
    pub=recent_pub(3),
)

Cli = Callable[..., tuple[int, str, str]]

pytestmark = pytest.mark.usefixtures("private_feeds")  # the feed server listens on 127.0.0.1


def item(base: Item, hours_ago: float) -> Item:
    """`base` published `hours_ago` hours before now."""
    return Item(base.title, base.link, base.description, pub=recent_pub(hours_ago))


@pytest.fixture
def database(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """The database the command line wrote (opened after it ran)."""
    opened = []

    def get():  # type: ignore[no-untyped-def]
        if not opened:
            opened.append(open_db(tmp_path / "riskwire.db"))
        return opened[0]

    yield get
    for db in opened:
        db.close()


def follow(cli: Cli, feed_server: FeedServer, path: str, items: list[Item], *tickers: str) -> str:
    """Serve `items` as a feed, add it, and watch `tickers` on the console."""
    url = feed_server.serve(path, rss(items, title=f"Feed {path}"))
    assert cli("feeds", "add", url)[0] == 0
    for ticker in tickers:
        assert cli("watch", "add", ticker, "--to", "console")[0] == 0
    return url


def poll(cli: Cli) -> str:
    code, out, err = cli("poll", "--once")
    assert code == 0, err
    return out


def delivery_states(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Alert link -> its console delivery state."""
    links = {r["id"]: r["link"] for r in db["alerts"].rows}
    return {links[d["alert_id"]]: d["state"] for d in db["deliveries"].rows_where("target = 'console'")}


# --- what is posted ---------------------------------------------------------------------------------


@pytest.mark.parametrize("oldest_first", [True, False], ids=["old-story-first", "fresh-report-first"])
def test_a_fresh_report_is_posted_though_the_feed_also_holds_the_old_story(
    cli: Cli, feed_server: FeedServer, database, oldest_first: bool
) -> None:
    items = [HSBC_CASE, HSBC_FILING] if oldest_first else [HSBC_FILING, HSBC_CASE]
    follow(cli, feed_server, "/hsbc.xml", items, "HSBC")

    out = poll(cli)

    assert HSBC_FILING.link in out and HSBC_CASE.link not in out and "also reported by" not in out
    db = database()
    assert delivery_states(db) == {HSBC_FILING.link: "sent", HSBC_CASE.link: "skipped"}
    assert db["reports"].count == 0  # published 20 days apart: two stories, not one


def test_a_report_published_weeks_after_the_story_is_a_new_development(
    cli: Cli, feed_server: FeedServer, database, tmp_path: Path
) -> None:
    (tmp_path / "riskwire.toml").write_text("baseline_hours = 720\n")  # post everything of the last 30 days
    follow(cli, feed_server, "/hsbc.xml", [HSBC_CASE, HSBC_FILING], "HSBC")

    out = poll(cli)

    assert out.count("HSBC · HSBC") == 2 and "also reported by" not in out
    db = database()
    assert delivery_states(db) == {HSBC_FILING.link: "sent", HSBC_CASE.link: "sent"}
    stories = {r["link"]: r["story_id"] for r in db["alerts"].rows}
    assert stories[HSBC_FILING.link] != stories[HSBC_CASE.link]


def test_a_copy_fetched_days_after_the_story_is_still_the_same_story(
    cli: Cli, feed_server: FeedServer, database, tmp_path: Path
) -> None:
    follow(cli, feed_server, "/a.xml", [item(HSBC_FILING, 4 * DAY + 3)], "HSBC")
    db = database()
    four_days_ago = datetime.now(UTC) - timedelta(days=4)
    settings = Settings(db_path=str(tmp_path / "riskwire.db"), allow_private_feeds=True)
    first = asyncio.run(
        poll_once(db, settings, {"console": ConsoleNotifier(io.StringIO())}, now=lambda: four_days_ago)
    )
    assert first.delivered.sent == 1
    # today a second feed delivers another outlet's report, published an hour after the first
    follow(cli, feed_server, "/b.xml", [item(HSBC_FILING_COPY, 4 * DAY + 2)])

    out = poll(cli)

    assert HSBC_FILING_COPY.link not in out
    assert db["alerts"].count == 1
    (linked,) = db["reports"].rows
    assert linked["link"] == HSBC_FILING_COPY.link


def test_a_fresh_report_becomes_the_head_where_the_story_was_never_posted(
    cli: Cli, feed_server: FeedServer, database
) -> None:
    # the story is 80 hours old (older than the 72-hour baseline: stored, not posted); a report 70 hours
    # later is within the story window, and one more an hour after that
    story, fresh, later = item(HSBC_CASE, 80), item(HSBC_FILING, 10), item(HSBC_FILING_COPY, 9)
    follow(cli, feed_server, "/hsbc.xml", [story, fresh, later], "HSBC")

    out = poll(cli)

    assert fresh.link in out and story.link not in out
    assert out.count("HSBC · HSBC") == 1 and out.count("also reported by") == 1 and later.link in out
    db = database()
    assert delivery_states(db) == {story.link: "skipped", fresh.link: "sent"}
    by_link = {r["link"]: r for r in db["alerts"].rows}
    assert by_link[fresh.link]["story_id"] == by_link[story.link]["id"]  # one story, a head per channel
    (update,) = db["report_deliveries"].rows_where("state = 'sent'")
    assert update["alert_id"] == by_link[fresh.link]["id"]  # threaded under the alert that was posted


# --- what is counted --------------------------------------------------------------------------------


def test_summary_history_chart_and_export_count_by_publication_time(
    cli: Cli, feed_server: FeedServer, database
) -> None:
    follow(cli, feed_server, "/jpm.xml", [JPM_OLD, JPM_RECENT], "JPM")
    poll(cli)

    code, out, _ = cli("summary", "JPM", "--days", "7", "--no-chart")
    assert code == 0 and "last 7 days: 1 alert " in out
    assert JPM_RECENT.link in out and JPM_OLD.link not in out
    _, out, _ = cli("summary", "JPM", "--days", "90", "--no-chart")
    assert "last 90 days: 2 alerts" in out

    code, out, _ = cli("history", "JPM", "--days", "7", "--format", "jsonl")
    assert code == 0 and [json.loads(x)["link"] for x in out.splitlines()] == [JPM_RECENT.link]
    _, out, _ = cli("history", "JPM", "--format", "jsonl")
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["link"] for r in rows] == [JPM_RECENT.link, JPM_OLD.link]  # latest to happen first
    assert rows[1]["happened"] == rows[1]["published"] < rows[1]["created"]
    _, out, _ = cli("history", "JPM", "--since", (datetime.now(UTC) - timedelta(days=50)).date().isoformat())
    assert out.index(JPM_RECENT.link) < out.index(JPM_OLD.link)
    assert f"{rows[1]['published'][:16].replace('T', ' ')}  id {rows[1]['id']}" in out  # when published

    _, out, _ = cli("export", "--format", "jsonl", "JPM", "--days", "7")
    assert [json.loads(x)["link"] for x in out.splitlines()] == [JPM_RECENT.link]

    chart = service.summary_chart(database(), None, "JPM", 30)
    assert chart.series.total == 1  # the 45-day-old story is not in the last 30 days


def test_a_digest_lists_what_was_published_in_its_window_and_says_what_was_published_earlier(
    cli: Cli, feed_server: FeedServer, database
) -> None:
    follow(cli, feed_server, "/jpm.xml", [JPM_FRESH, JPM_RECENT, JPM_OLD], "JPM")
    assert cli("digest", "daily", "08:00", "UTC", "--to", "console")[0] == 0
    poll(cli)

    code, out, _ = cli("digest", "preview", "--to", "console")  # the last day

    assert code == 0 and JPM_FRESH.link in out
    assert "2 alerts on 1 ticker" in out and "(1 of them published earlier, first fetched since)" in out
    # a line per topic of each alert (an alert is listed under each of its topics)
    fresh_lines = [line for line in out.splitlines() if JPM_FRESH.link in line]
    late_lines = [line for line in out.splitlines() if JPM_RECENT.link in line]
    assert fresh_lines and all("published" not in line for line in fresh_lines)
    published = f"(published {datetime.now(UTC) - timedelta(days=2):%a %d %b})"
    assert late_lines and all(f"{JPM_RECENT.link} {published}" in line for line in late_lines)
    assert JPM_OLD.link not in out  # older than the baseline: stored, never posted, so in no digest

    # the same marks in Slack's blocks and Discord's embeds
    now = datetime.now(UTC) + timedelta(seconds=1)
    digest = build_digest(database(), "console", now - timedelta(days=1), now)
    note = f"(published {datetime.now(UTC) - timedelta(days=2):%a %d %b})"
    late = {
        a.id for g in digest.groups for _, listed in g.topics for a in listed if a.link == JPM_RECENT.link
    }
    lines = sum(1 for g in digest.groups for _, listed in g.topics for a in listed if a.id in late)
    assert len(late) == 1 and lines == len(late_lines)  # one alert, a line under each of its topics
    blocks = json.dumps(digest_blocks(digest))
    assert "1 of them published earlier" in blocks and blocks.count(note) == lines
    heading, embeds = digest_message(digest)
    assert "1 of them published earlier" in heading
    assert sum(str(e.description).count(note) for e in embeds) == lines


# --- backtest ---------------------------------------------------------------------------------------


def test_backtest_with_unchanged_rules_after_a_real_poll_reports_no_difference(
    cli: Cli, feed_server: FeedServer
) -> None:
    copy = item(HSBC_FILING_COPY, 0.5)
    follow(cli, feed_server, "/hsbc.xml", [HSBC_CASE, HSBC_FILING], "HSBC")
    follow(cli, feed_server, "/outlet.xml", [copy])
    out = poll(cli)
    assert out.count("also reported by") == 1

    code, out, err = cli("backtest")

    assert code == 0, err
    assert "would alert 2 times (1 posted); actually alerted 2 times (1 posted)" in out
    assert "No differences" in out and "New alerts" not in out


def test_backtest_days_count_articles_by_publication_time(cli: Cli, feed_server: FeedServer) -> None:
    follow(cli, feed_server, "/hsbc.xml", [HSBC_CASE, HSBC_FILING], "HSBC")
    poll(cli)

    _, out, _ = cli("backtest", "--days", "7")
    assert "over 1 stored articles" in out and "would alert 1 times" in out and "No differences" in out
    _, out, _ = cli("backtest", "--days", "30")
    assert "over 2 stored articles" in out and "would alert 2 times" in out
