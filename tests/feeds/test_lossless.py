"""Feed text arrives whole: what feedparser marks plain text stays as written, HTML is decoded once,
zero-width joiners stay, items without a title or identity are kept or counted, empty feeds are
feeds, and `explain` refuses what `scan` refuses. Through `riskwire scan` and `explain`, the poller
and a local feed server."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.core.settings import Settings
from bot.pipeline.poller import FeedPoller
from feeds.sources import SourceResult, read_source
from storage import feeds as feed_store
from tests.feedkit import recent_pub

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "feedparser_corpus"


def rss_doc(items: str, title: str = "Wire") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://wire.example.com/</link><description>w</description>"
        f"{items}</channel></rss>"
    )


def write(tmp_path: Path, body: str, name: str = "feed.xml") -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


def scan_rows(source: str, capsys: pytest.CaptureFixture[str], watch: str = "AMZN") -> list[dict]:  # type: ignore[type-arg]
    assert main(["scan", source, "--watch", watch, "--format", "jsonl"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _read(source: str) -> SourceResult:
    """What scan reads from a local source."""
    return asyncio.run(read_source(source))


# --- plain text and HTML ---------------------------------------------------------------------------


def test_reuters_ticker_in_a_plain_title_survives_scan(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    feed = rss_doc(
        "<item><title>Amazon.com &lt;AMZN.O&gt; sued by regulator over sanctions breaches</title>"
        f"<link>https://wire.example.com/1</link><pubDate>{recent_pub()}</pubDate>"
        "<description>The company was accused of breaching sanctions, regulators said.</description></item>"
    )
    (row,) = scan_rows(write(tmp_path, feed), capsys)
    assert row["title"] == "Amazon.com <AMZN.O> sued by regulator over sanctions breaches"


def test_atom_text_title_keeps_its_bracketed_word() -> None:
    for path in sorted(CORPUS.glob("wellformed/atom*/entry_title_text_plain_brackets.xml")):
        body = path.read_bytes()
        result = _read(str(path))
        assert [a.title for a in result.articles] == ["History of the <blink> tag"], body


def test_markup_in_html_is_still_dropped_and_literal_markup_decoded_once(tmp_path: Path) -> None:
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        '<entry><id>urn:x:1</id><title type="html">&lt;b&gt;Amazon&lt;/b&gt; fined</title>'
        '<summary type="html">Write &amp;amp;lt;b&amp;amp;gt; for &lt;b&gt;bold&lt;/b&gt;</summary></entry>'
        "</feed>"
    )
    (a,) = _read(write(tmp_path, atom)).articles
    assert (a.title, a.summary) == ("Amazon fined", "Write &lt;b&gt; for bold")
    rss = rss_doc("<item><guid>g1</guid><title>Why &amp;amp;lt;script&amp;amp;gt; tags matter</title></item>")
    (b,) = _read(write(tmp_path, rss, "rss.xml")).articles
    assert b.title == "Why &lt;script&gt; tags matter"


def test_zero_width_joiners_stay_and_direction_overrides_go(tmp_path: Path) -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # a word spelled with a non-joiner
    coder = "\U0001f469\u200d\U0001f4bb"  # woman technologist: two emoji joined by U+200D
    title = f"Amazon {persian} {coder}\u202e\u200b!"
    (a,) = _read(write(tmp_path, rss_doc(f"<item><guid>g1</guid><title>{title}</title></item>"))).articles
    assert a.title == f"Amazon {persian} {coder}!"


# --- items without a title or identity -------------------------------------------------------------


def test_description_only_item_gets_a_title_and_an_id_from_its_text(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lead = "Amazon was accused of breaching sanctions through a shell company, a whistleblower says."
    item = f"<item><description>&lt;p&gt;{lead}&lt;/p&gt;&lt;p&gt;More.&lt;/p&gt;</description></item>"
    source = write(tmp_path, rss_doc(item))
    (row,) = scan_rows(source, capsys)
    assert row["title"] == lead and row["link"] == "" and "sanctions" in row["topics"]
    first, again = _read(source).articles[0], _read(source).articles[0]
    other = _read(write(tmp_path, rss_doc(item.replace("More.", "Other.")), "b.xml")).articles[0]
    assert first.id == again.id and first.id != other.id


def test_title_only_item_without_link_or_guid_is_kept(tmp_path: Path) -> None:
    result = _read(write(tmp_path, rss_doc("<item><title>Shell fined in Nigeria</title></item>")))
    assert [a.title for a in result.articles] == ["Shell fined in Nigeria"] and result.warning is None


def test_skipped_items_are_counted_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    items = (
        "<item><title> </title><link>https://wire.example.com/empty</link></item>"
        "<item><title>Hidden</title><link>javascript:alert(1)</link></item>"
        "<item><guid>same</guid><title>First</title></item>"
        "<item><guid>same</guid><title>Second</title></item>"
    )
    with caplog.at_level(logging.WARNING):
        result = _read(write(tmp_path, rss_doc(items)))
    assert [a.title for a in result.articles] == ["First"]
    assert result.skipped == {
        "items with no title or text": 1,
        "items with neither guid nor a usable link": 1,
        "duplicate items": 1,
    }
    expected = (
        "1 items with no title or text skipped; 1 items with neither guid nor a usable link skipped; "
        "1 duplicate items skipped"
    )
    assert result.warning == expected and expected in caplog.text


# --- empty feeds and glitches ----------------------------------------------------------------------

EMPTY_FEEDS = {
    "/empty.xml": rss_doc(""),
    "/nbsp.xml": rss_doc("", title="Wire&nbsp;news"),  # an HTML entity XML does not define
    "/empty.atom": '<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet</title></feed>',
}


async def test_empty_and_glitchy_feeds_are_healthy_not_failures(feed_server, db) -> None:  # type: ignore[no-untyped-def]
    urls = [feed_server.serve(path, body) for path, body in EMPTY_FEEDS.items()]
    for url in urls:
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    now = datetime.now(UTC).replace(microsecond=0)
    poller = FeedPoller(
        db, Settings(db_path=":memory:", allow_private_feeds=True, host_gap=0), now=lambda: now
    )
    try:
        outcomes = await poller.poll_rows(feed_store.due(db, now.isoformat()))
    finally:
        await poller.close()
    assert [o.error for o in outcomes] == [None] * len(urls)
    feeds = {r["url"]: r for r in feed_store.all_feeds(db)}
    assert [(feeds[u]["consecutive_failures"], feeds[u]["last_error"]) for u in urls] == [(0, None)] * 3
    assert feeds[urls[1]]["title"] == "Wire news"  # the entity read, as a space


def test_scan_of_an_empty_feed_is_ok(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scan", write(tmp_path, EMPTY_FEEDS["/nbsp.xml"]), "--watch", "AMZN"]) == 0
    err = capsys.readouterr().err
    assert "malformed" not in err and "0 articles" in err


# --- explain ---------------------------------------------------------------------------------------


def test_explain_of_a_feed_scan_refuses_says_why(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    broken = (
        '<?xml version="1.0"?>\n<!-- Amazon accused of breaching sanctions, whistleblower says -->\n'
        '<rss version="2.0"><channel><title>Broken & </titel></channel></rss>'
    )
    source = write(tmp_path, broken)
    assert main(["explain", source, "--watch", "AMZN"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"riskwire: {source}: malformed feed, no usable items") and err.count("\n") == 1
    assert "Article:" not in out and "AMZN" not in out
    assert main(["scan", source, "--watch", "AMZN"]) == 1
    assert "malformed feed, no usable items" in capsys.readouterr().err


def test_explain_of_a_text_file_still_reads_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = "Amazon accused of breaching sanctions\nA whistleblower says Amazon sold to a sanctioned buyer."
    assert main(["explain", write(tmp_path, text, "story.txt"), "--watch", "AMZN"]) == 0
    assert "Article: Amazon accused of breaching sanctions" in capsys.readouterr().out
