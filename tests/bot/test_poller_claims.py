"""With several workers a tick claims only as many due feeds as the worker has room for; the worker
claims more as soon as a poll ends, so one tick is enough to work through everything that is due."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.core.cluster import Worker
from bot.core.settings import Settings
from bot.pipeline.poller import FeedPoller
from storage import feeds as feed_store
from tests.clock import ago
from tests.feedkit import rss
from tests.servicekit import risk_item


async def test_one_tick_works_through_more_due_feeds_than_a_claim_takes(feed_server, db) -> None:  # type: ignore[no-untyped-def]
    urls = [feed_server.serve(f"/claims-{n}.xml", rss([risk_item("AMZN")])) for n in range(7)]
    added = ago(hours=1)
    for url in urls:
        feed_store.add(db, url, added)
    settings = Settings(db_path=":memory:", allow_private_feeds=True, host_gap=0, poll_concurrency=2)
    poller = FeedPoller(db, settings, worker=Worker())
    try:
        assert await poller.tick() == 2  # the room there is
        for _ in range(200):  # no further tick: the ends of polls claim the rest
            if all(row["last_fetch"] for row in feed_store.all_feeds(db)) and poller.in_flight == 0:
                break
            await asyncio.sleep(0.05)
        await poller.drain(5)
    finally:
        await poller.close()
    rows = feed_store.all_feeds(db)
    assert [r["url"] for r in rows if not r["last_fetch"]] == []
    assert all(r["last_fetch"] <= datetime.now(UTC).isoformat() for r in rows)
    assert sorted(h.path for h in feed_server.hits) == sorted(f"/claims-{n}.xml" for n in range(7))
