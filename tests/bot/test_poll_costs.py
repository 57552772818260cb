"""What an unchanged feed costs, through the real poller against the local feed server on a real
SQLite file: one HTTP session (and its kept-alive connections) across polls, no per-host queue with
`host_gap = 0`, and a 304 on a healthy feed written as one UPDATE of its times."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.core.settings import Settings
from bot.pipeline.poller import FeedPoller, next_slot
from storage import feeds as feed_store
from storage.db import open_db
from tests.bot.test_poller import Clock
from tests.feedkit import rss, seed_item

FEEDS = 4
DELAY = 0.3  # each feed takes this long to answer


def setup(
    tmp_path: Path, feed_server: Any, host_gap: float, delay: float = 0.0
) -> tuple[Any, FeedPoller, Clock]:
    db = open_db(tmp_path / "costs.db")
    for n in range(FEEDS):  # all on one host, 127.0.0.1
        url = feed_server.serve(f"/f{n}.xml", rss([seed_item(f"https://news.example.com/{n}")]), delay=delay)
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    settings = Settings(db_path=str(tmp_path / "costs.db"), allow_private_feeds=True, host_gap=host_gap)
    clock = Clock()
    return db, FeedPoller(db, settings, now=clock), clock


async def test_host_gap_zero_fetches_one_hosts_feeds_concurrently(tmp_path, feed_server) -> None:
    db, poller, _ = setup(tmp_path, feed_server, host_gap=0, delay=DELAY)
    await poller.poll_rows(feed_store.all_feeds(db))
    await poller.close()
    hits = feed_server.hits
    assert len(hits) == FEEDS
    # every request arrived before the first answer went out: nothing waited for another
    assert max(h.started for h in hits) < min(h.at for h in hits)


async def test_a_host_gap_still_sends_one_request_at_a_time(tmp_path, feed_server) -> None:
    db, poller, _ = setup(tmp_path, feed_server, host_gap=0.01, delay=0.05)
    await poller.poll_rows(feed_store.all_feeds(db))
    await poller.close()
    hits = sorted(feed_server.hits, key=lambda h: h.started)
    assert all(later.started >= earlier.at for earlier, later in pairwise(hits))


async def test_polls_reuse_one_session_and_its_connections(tmp_path, feed_server) -> None:
    db, poller, clock = setup(tmp_path, feed_server, host_gap=0)
    (url, *_) = [r["url"] for r in feed_store.all_feeds(db)]
    for _round in range(3):
        await poller.poll_rows([feed_store.get(db, url)])
        clock.at += timedelta(minutes=5)
    await poller.close()
    peers = {h.peer for h in feed_server.hits}
    assert [h.status for h in feed_server.hits] == [200, 304, 304]
    assert len(peers) == 1  # one kept-alive connection served all three polls


async def test_a_304_on_a_healthy_feed_is_one_update_of_its_times(tmp_path, feed_server) -> None:
    db, poller, clock = setup(tmp_path, feed_server, host_gap=0)
    (url, *_) = [r["url"] for r in feed_store.all_feeds(db)]
    await poller.poll_rows([feed_store.get(db, url)])  # 200: stored with its validators
    await poller.poll_rows([feed_store.get(db, url)])  # first 304
    before = feed_store.get(db, url)
    clock.at += timedelta(minutes=5)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        (outcome,) = await poller.poll_rows([feed_store.get(db, url)])
    finally:
        db.conn.set_trace_callback(None)
    await poller.close()
    assert outcome.not_modified and [h.status for h in feed_server.hits][-1] == 304
    writes = [s for s in statements if not s.lstrip().lower().startswith("select")]
    (update,) = writes  # no transaction, no other write
    assert update.lower().startswith("update feeds set last_fetch")
    for column in ("etag", "last_modified", "title", "items_seen", "consecutive_failures"):
        assert f"{column} =" not in update
    after = feed_store.get(db, url)
    slot = next_slot(url, poller.interval(after), clock()).isoformat(timespec="seconds")
    assert after["last_success"] > before["last_success"] and after["next_poll"] == slot
    unchanged = ("etag", "last_modified", "title", "items_seen", "consecutive_failures", "last_error")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
