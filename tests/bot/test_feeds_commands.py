"""`riskwire feeds starter | import | status | resume`, through the real command line (in process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.delivery.targets import parse_target
from bot.usecases import feeds as feed_service
from bot.usecases import service
from feeds.opml import OpmlError, parse_opml
from feeds.starter import load_starter
from storage import feeds as feed_store
from storage.db import open_db

OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
  <outline text="Regulators">
    <outline type="rss" text="SEC" title="SEC press releases" xmlUrl="https://www.sec.gov/news/pressreleases.rss"/>
    <outline type="rss" text="Local" xmlUrl="file:///etc/passwd"/>
    <outline type="rss" text="Dup" xmlURL="https://www.sec.gov/news/pressreleases.rss"/>
  </outline>
  <outline type="rss" text="SFO" xmlUrl="https://www.sfo.gov.uk/feed/"/>
  <outline text="a folder with no feed"/>
</body></opml>
"""


def test_starter_list_is_off_until_enabled(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("feeds", "starter")
    assert code == 0 and "sec-press" in out and "[off]" in out and "uk-ofsi" in out
    code, out, _ = cli("feeds", "list")
    assert "No feeds yet" in out  # listing switched nothing on
    code, out, _ = cli("feeds", "starter", "--enable", "sec-press", "uk-ofsi")
    assert code == 0 and "sec-press: 1 feed(s) added" in out
    code, out, _ = cli("feeds", "list")
    assert "https://www.sec.gov/news/pressreleases.rss" in out and "office-of-financial-sanctions" in out
    code, _, err = cli("feeds", "starter", "--enable", "nope")
    assert code == 2 and "no starter feed named nope" in err and "Nothing was added" in err


def test_per_company_starter_feed_follows_the_watchlist(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("feeds", "starter", "--enable", "google-news")
    assert "watch a company first" in out
    cli("watch", "add", "AMZN", "SHEL", "--to", "console")
    code, out, _ = cli("feeds", "starter", "--enable", "google-news")
    assert code == 0 and "google-news: 2 feed(s) added" in out
    code, out, _ = cli("feeds", "list")
    assert "news.google.com/rss/search?q=%22Amazon%22+" in out and "q=%22Shell%22+" in out
    code, out, _ = cli("feeds", "starter")
    assert "[on for 2 of 2 watched companies]" in out


@pytest.mark.parametrize(
    "name, short",
    [
        ("Amazon.com, Inc.", "Amazon"),
        ("Shell plc", "Shell"),
        ("Alphabet Inc.", "Alphabet"),
        ("BP", "BP"),
        ("Glencore PLC", "Glencore"),
        ("Meta Platforms, Inc.", "Meta Platforms"),
        ("Volkswagen AG", "Volkswagen"),
    ],
)
def test_search_names_drop_legal_suffixes(name: str, short: str) -> None:
    from bot.cli.feeds import search_name

    assert search_name(name) == short


def test_starter_entries_are_well_formed() -> None:
    entries = load_starter()
    assert len({e.name for e in entries}) == len(entries) >= 8
    for entry in entries:
        assert entry.url.startswith("https://") and entry.title and entry.about
        assert ("{company}" in entry.url) == entry.per_company


def test_opml_import(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "subs.opml"
    path.write_text(OPML, encoding="utf-8")
    code, out, _ = cli("feeds", "import", str(path), "--no-check")  # these hosts are not served here
    assert code == 0 and "2 feed(s) added" in out and "skipped file:///etc/passwd" in out
    code, out, _ = cli("feeds", "import", str(path))  # feeds on the list already are not fetched again
    assert "0 feed(s) added, 2 already on the list" in out
    db = open_db(tmp_path / "riskwire.db")
    assert feed_store.get(db, "https://www.sec.gov/news/pressreleases.rss")["title"] == "SEC press releases"  # type: ignore[index]


@pytest.mark.parametrize(
    "body, message",
    [
        ("<html><body>hi</body></html>", "not OPML"),
        ("<opml><body><outline", "not valid OPML"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><opml/>', "DOCTYPE"),
    ],
)
def test_bad_opml_is_one_clear_line(cli, tmp_path: Path, body: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.opml"
    path.write_text(body, encoding="utf-8")
    code, _, err = cli("feeds", "import", str(path))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    with pytest.raises(OpmlError):
        parse_opml(body.encode())


def test_status_shows_health_next_poll_and_pause_then_resume(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("feeds", "add", "https://feeds.example.com/a.xml", "--no-check")
    db = open_db(tmp_path / "riskwire.db")
    url = "https://feeds.example.com/a.xml"
    feed_store.record_failure(
        db,
        url,
        "2026-11-25T10:00:00+00:00",
        status=500,
        error="HTTP 500",
        next_poll="2026-11-25T16:00:00+00:00",
    )
    feed_store.pause(db, url, "2026-11-25T10:00:00+00:00", "5 failures in a row; last: HTTP 500")
    code, out, _ = cli("feeds", "status")
    assert "status: paused" in out and "next poll: 2026-11-25T16:00:00+00:00" in out
    assert (
        "paused since 2026-11-25T10:00:00+00:00: 5 failures in a row" in out and "last error: HTTP 500" in out
    )
    code, out, _ = cli("feeds", "resume", url)
    assert code == 0 and f"Resumed {url}" in out
    row = feed_store.get(db, url)
    assert row is not None and not row["paused"] and row["next_poll"] is None


def test_feed_with_its_own_interval(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("feeds", "add", "https://feeds.example.com/fast.xml", "--every", "120", "--no-check")
    assert code == 0 and "Added feed" in out
    row = feed_store.get(open_db(tmp_path / "riskwire.db"), "https://feeds.example.com/fast.xml")
    assert row is not None and row["poll_seconds"] == 120


def test_the_operators_add_keeps_a_feed_and_its_remove_ends_every_ownership(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = "https://feeds.example.com/shared.xml"
    db = open_db(tmp_path / "riskwire.db")
    workspace = service.Scope(parse_target("slack:T1/C1"), user="U1")
    stamp = "2026-11-25T10:00:00+00:00"
    feed_service.add_feeds(db, workspace, [url], stamp, allow_private=False)
    code, out, _ = cli("feeds", "add", url)  # on the list already: not fetched again
    assert code == 0 and out.strip() == f"{url} is already on the feed list"
    feed_service.remove_feeds(db, workspace, [url])  # the operator owns it too now: still polled
    code, out, _ = cli("feeds", "list")
    assert url in out
    feed_service.add_feeds(db, workspace, [url], stamp, allow_private=False)
    discord = service.Scope(parse_target("discord:G1/C9"), user="U9")
    feed_service.add_feeds(db, discord, [url], stamp, allow_private=False)
    code, out, _ = cli("feeds", "remove", url)
    assert code == 0 and out.strip() == f"Removed feed {url}"
    assert db.table("feeds").count == 0 and db.table("feed_owners").count == 0
    # each workspace that had the feed is told once, in the channel it added it from; the console is not
    told = {(n["target"], n["kind"], n["subject"]) for n in db.table("notices").rows}
    assert told == {("slack:T1/C1", "feed_removed", url), ("discord:G1/C9", "feed_removed", url)}
    assert db.table("notices").count == 2
    assert feed_service.list_feeds(db, workspace) == ([], 0)
    code, out, _ = cli("feeds", "remove", url)
    assert out.strip() == f"{url!r} is not on the feed list"
