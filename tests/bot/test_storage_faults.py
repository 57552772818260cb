"""A sick disk, through the real poller on a real SQLite file: writes fail for real (the connection's
`max_page_count` pinned to the file's size gives SQLITE_FULL; `query_only` refuses every write). The
feed backs off instead of being fetched again at every tick, the cause is logged once and counted,
/healthz answers 503 with the reason, and once the disk takes writes again everything is stored and
delivered: nothing is lost."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sqlite3
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.metrics import Metrics
from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.delivery.outbox import deliver_due
from bot.delivery.targets import parse_target
from bot.ops.health import HealthServer, LastKnown
from bot.ops.runner import _status, database_state
from bot.pipeline.cpu import CpuPool
from bot.pipeline.poller import FeedPoller
from bot.usecases import service
from storage import feeds as feed_store
from storage.db import open_db
from storage.thread import DbThread, Inline
from tests.bot.test_poller import Clock
from tests.feedkit import rss
from tests.servicekit import risk_item

INTERVAL = 300
UNLIMITED = 1_073_741_823


def story_feed() -> str:
    """One risky item, long enough that storing it needs new pages in the database file."""
    item = risk_item("AMZN")
    return rss([replace(item, content=item.description + " More detail." * 2_000)])


def setup(tmp_path: Path, feed_server: Any) -> tuple[Any, str, FeedPoller, Clock]:
    db = open_db(tmp_path / "sick.db")
    url = feed_server.serve("/risk.xml", story_feed())
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    settings = Settings(
        db_path=str(tmp_path / "sick.db"), allow_private_feeds=True, host_gap=0, poll_seconds=INTERVAL
    )
    clock = Clock()
    return db, url, FeedPoller(db, settings, now=clock), clock


def alerts(db: Any) -> int:
    return int(db.execute("select count(*) from alerts").fetchone()[0])


async def poll_due(poller: FeedPoller) -> int:
    started = await poller.tick()
    await poller.drain(30)
    return started


async def healthz(port: int) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as resp,
    ):
        return resp.status, json.loads(await resp.text())


async def test_full_disk_backs_off_logs_once_reports_503_and_recovers(tmp_path, feed_server, caplog) -> None:
    caplog.set_level(logging.INFO)
    db, url, poller, clock = setup(tmp_path, feed_server)
    scheduler = AsyncIOScheduler()
    scheduler.start()
    last_tick = [time.monotonic()]
    database = LastKnown(lambda: Inline(db).run(database_state))
    health = HealthServer(
        "127.0.0.1", 0, lambda: _status(database, scheduler, last_tick, poller.storage), Metrics(db)
    )
    port = await health.start()
    try:
        assert (await healthz(port))[0] == 200
        pages = db.execute("pragma page_count").fetchone()[0]
        db.execute(f"pragma max_page_count = {pages}")  # the disk is full from here on

        fetches = []
        for _round in range(3):
            assert await poll_due(poller) == 1
            fetches.append(len(feed_server.hits_for("/risk.xml")))
            row = feed_store.get(db, url)
            assert row is not None and row["last_error"] == "storage error: database or disk is full"
            next_poll = datetime.fromisoformat(row["next_poll"])
            assert next_poll >= clock() + timedelta(seconds=INTERVAL * 0.9)  # backed off, stored
            for later in (5, 60, INTERVAL // 2):  # every tick until then starts nothing
                clock.at = clock.at + timedelta(seconds=later)
                assert await poll_due(poller) == 0
            clock.at = next_poll
        assert fetches == [1, 2, 3]

        storage_lines = [r for r in caplog.records if r.name == "bot.core.storage_health"]
        assert [r.levelname for r in storage_lines] == ["ERROR"]  # one line for the one cause
        assert "storage error: database or disk is full" in storage_lines[0].getMessage()
        assert not any(r.exc_info for r in caplog.records)  # no tracebacks
        status, body = await healthz(port)
        assert status == 503 and body["ok"] is False
        assert "database or disk is full (3 errors)" in body["storage"]
        last_tick[:] = [time.monotonic()]

        db.execute(f"pragma max_page_count = {UNLIMITED}")  # room again
        assert await poll_due(poller) == 1
        assert feed_store.get(db, url)["last_error"] is None  # type: ignore[index]
        status, body = await healthz(port)
        assert status == 200 and body["storage"] == "ok"
        assert "storage works again (database or disk is full: 3 errors)" in caplog.text
        assert alerts(db) == 1  # nothing lost: the story is stored...
        out = io.StringIO()
        report = await deliver_due(db, {"console": ConsoleNotifier(out)}, now=clock)
        assert report.sent == 1 and "AMZN" in out.getvalue()  # ...and delivered
    finally:
        await health.stop()
        scheduler.shutdown(wait=False)
        await poller.close()
        db.close()


async def test_a_database_that_takes_no_write_holds_the_feed_in_memory(tmp_path, feed_server, caplog) -> None:
    db, url, poller, clock = setup(tmp_path, feed_server)
    db.execute("pragma query_only = on")  # every write refused, the failure record too
    try:
        assert await poll_due(poller) == 1
        assert feed_store.get(db, url)["next_poll"] is None  # type: ignore[index]  # nothing could be stored
        for later in (5, 60, INTERVAL // 2):  # still due in the database, held back in memory
            clock.at = clock.at + timedelta(seconds=later)
            assert await poll_due(poller) == 0
        assert len(feed_server.hits_for("/risk.xml")) == 1
        assert "attempt to write a readonly database" in (poller.storage.problem or "")
        clock.at = clock.at + timedelta(seconds=INTERVAL)
        db.execute("pragma query_only = off")
        assert await poll_due(poller) == 1
        assert poller.storage.problem is None and alerts(db) == 1
    finally:
        await poller.close()
        db.close()


async def test_a_lock_held_past_the_busy_timeout_is_a_storage_fault_off_the_loop(
    tmp_path, feed_server
) -> None:
    """The service's way: parsing in a worker process, writes in the database thread. Another
    connection holds the write lock longer than the thread waits: the poll is a storage fault and
    backs off, the loop kept running meanwhile, and once the lock goes the story is stored."""
    db, _url, _inline, clock = setup(tmp_path, feed_server)
    settings = Settings(db_path=str(tmp_path / "sick.db"), allow_private_feeds=True, host_gap=0)
    store = DbThread(tmp_path / "sick.db", busy_timeout=0.5)
    cpu = CpuPool(1)
    poller = FeedPoller(db, settings, now=clock, store=store, cpu=cpu)
    holder = sqlite3.connect(tmp_path / "sick.db", isolation_level=None)
    holder.execute("begin immediate")
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            await asyncio.sleep(0.05)
            beats += 1

    beating = asyncio.create_task(heartbeat())
    try:
        started = time.monotonic()
        assert await poll_due(poller) == 1
        assert beats >= (time.monotonic() - started) / 0.05 / 2  # the loop was free while it waited
        assert "database is locked" in (poller.storage.problem or "")
        clock.at = clock.at + timedelta(seconds=60)
        assert await poll_due(poller) == 0  # held back, not fetched again at once
        assert len(feed_server.hits_for("/risk.xml")) == 1
        holder.execute("commit")
        clock.at = clock.at + timedelta(seconds=4 * INTERVAL)
        assert await poll_due(poller) == 1
        assert poller.storage.problem is None and alerts(db) == 1  # nothing lost
    finally:
        beating.cancel()
        holder.close()
        await poller.close()
        await cpu.close()
        await store.close()
        db.close()
