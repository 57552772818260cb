"""The poller's write batches: writes that arrive while one database call runs share the next call, a
lone write is a call of its own, and a failed call fails each write in it (and no other); through the
real poller on a real SQLite file, several 304s at once are stored in one transaction."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.settings import Settings
from bot.pipeline.poller import FeedPoller, WriteBatch
from storage import feeds as feed_store
from storage.db import open_db
from storage.thread import Inline
from tests.bot.test_poller import Clock
from tests.feedkit import rss, seed_item


class Recorder:
    def __init__(self, fail: set[str] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail or set()

    def __call__(self, _db: Any, rows: list[str]) -> None:
        self.calls.append(rows)
        if self.fail & set(rows):
            raise RuntimeError("disk trouble")


async def test_writes_that_arrive_together_share_one_call_and_a_lone_one_has_its_own() -> None:
    record = Recorder()
    batch = WriteBatch(Inline(None), record)  # type: ignore[arg-type]
    await asyncio.gather(batch.add("a"), batch.add("b"), batch.add("c"))
    await batch.add("d")
    assert record.calls == [["a", "b", "c"], ["d"]]


async def test_a_failed_call_fails_each_write_in_it_and_no_other() -> None:
    record = Recorder(fail={"b"})
    batch = WriteBatch(Inline(None), record)  # type: ignore[arg-type]
    outcomes = await asyncio.gather(batch.add("a"), batch.add("b"), return_exceptions=True)
    assert [type(o).__name__ for o in outcomes] == ["RuntimeError", "RuntimeError"]
    await batch.add("c")  # the next call is a fresh one
    assert record.calls == [["a", "b"], ["c"]]
    with pytest.raises(RuntimeError):
        await batch.add("b")


async def test_several_304s_at_once_are_one_transaction(tmp_path: Path, feed_server: Any) -> None:
    db = open_db(tmp_path / "batch.db")
    for n in range(4):
        url = feed_server.serve(f"/f{n}.xml", rss([seed_item(f"https://news.example.com/{n}")]))
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    settings = Settings(db_path=str(tmp_path / "batch.db"), allow_private_feeds=True, host_gap=0)
    clock = Clock()
    poller = FeedPoller(db, settings, now=clock)
    await poller.poll_rows(feed_store.all_feeds(db))  # 200s: stored with their validators
    await poller.poll_rows(feed_store.all_feeds(db))  # first 304s
    clock.at += timedelta(minutes=5)
    rows = feed_store.all_feeds(db)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        # the database call is held back until every 304 has arrived, as when the thread is busy
        async with held(poller):
            outcomes = await poller.poll_rows(rows)
    finally:
        db.conn.set_trace_callback(None)
    await poller.close()
    assert all(o.not_modified and not o.error for o in outcomes)
    commits = [s for s in statements if s.upper().startswith(("BEGIN", "COMMIT"))]
    assert commits == ["BEGIN IMMEDIATE", "COMMIT"]
    stamp = clock().isoformat(timespec="seconds")
    assert all(r["last_success"] == stamp for r in feed_store.all_feeds(db))


class held:
    """Makes the poller's 304 batch wait until all of `rows` have been added."""

    def __init__(self, poller: FeedPoller) -> None:
        self.batch = poller._not_modified

    async def __aenter__(self) -> None:
        self.write = self.batch._write
        batch = self.batch

        async def later() -> None:
            while len(batch._pending) < 4:
                await asyncio.sleep(0.01)
            await self.write()

        batch._write = later  # type: ignore[method-assign]

    async def __aexit__(self, *_: object) -> None:
        self.batch._write = self.write  # type: ignore[method-assign]
