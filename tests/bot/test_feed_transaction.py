"""A feed's new items are stored in one transaction, through the real poller on a real SQLite file:
a write that fails midway stores none of the feed's articles (nor its validators), and the next poll
stores them all, each alerted once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.settings import Settings
from bot.delivery.targets import parse_target
from bot.pipeline.poller import FeedPoller
from bot.usecases import service
from storage import feeds as feed_store
from storage.db import open_db
from tests.bot.test_poller import Clock
from tests.feedkit import rss
from tests.servicekit import risk_item

TICKERS = ["AMZN", "AAPL", "MSFT", "GOOGL"]


def setup(tmp_path: Path, feed_server: Any) -> tuple[Any, str, FeedPoller]:
    db = open_db(tmp_path / "one.db")
    url = feed_server.serve("/risk.xml", rss([risk_item(t, n) for n, t in enumerate(TICKERS)]))
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), TICKERS)
    settings = Settings(db_path=str(tmp_path / "one.db"), allow_private_feeds=True, host_gap=0)
    return db, url, FeedPoller(db, settings, now=Clock())


def count(db: Any, table: str) -> int:
    return int(db.execute(f"select count(*) from {table}").fetchone()[0])


async def test_a_failure_midway_stores_none_of_the_feed_and_the_next_poll_stores_it_all(
    tmp_path, feed_server
) -> None:
    db, url, poller = setup(tmp_path, feed_server)
    # the third story's alert cannot be written: the first two are stored by then
    db.execute(
        "create trigger midway before insert on alerts when new.ticker = 'MSFT' "
        "begin select raise(abort, 'disk trouble'); end"
    )
    (failed,) = await poller.poll_rows([feed_store.get(db, url)])
    assert failed.error
    assert (count(db, "articles"), count(db, "alerts"), count(db, "deliveries")) == (0, 0, 0)
    assert feed_store.get(db, url)["etag"] is None  # fetched again in full next time

    db.execute("drop trigger midway")
    (stored,) = await poller.poll_rows([feed_store.get(db, url)])
    assert stored.processed is not None and stored.processed.new == len(TICKERS)
    assert [h.status for h in feed_server.hits_for("/risk.xml")] == [200, 200]
    assert (count(db, "articles"), count(db, "alerts"), count(db, "deliveries")) == (4, 4, 4)
    assert sorted(r["ticker"] for r in db["alerts"].rows) == sorted(TICKERS)
    assert feed_store.get(db, url)["etag"]
    await poller.close()


async def test_a_feed_is_one_commit_not_one_per_article(tmp_path, feed_server) -> None:
    db, url, poller = setup(tmp_path, feed_server)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        (outcome,) = await poller.poll_rows([feed_store.get(db, url)])
    finally:
        db.conn.set_trace_callback(None)
    assert outcome.processed is not None and outcome.processed.new == len(TICKERS)
    commits = [s for s in statements if s.strip().upper().startswith(("COMMIT", "BEGIN"))]
    assert commits == ["BEGIN IMMEDIATE", "COMMIT"]
    assert count(db, "articles") == len(TICKERS)
    await poller.close()
