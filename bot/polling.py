"""One poll of every configured feed: fetch, parse, process, then deliver what is due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import sqlite_utils

from bot.delivery.base import Notifier
from bot.delivery.outbox import DeliveryReport, deliver_due
from bot.matching import matcher_for
from bot.pipeline import ProcessReport, process_articles
from bot.settings import Settings
from feeds.fetch import new_session
from feeds.models import FetchState
from feeds.sources import SourceResult, read_source
from storage import feeds as feed_store
from storage import subscriptions

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    """What a poll did: feeds read, failures (one line each), new articles, alerts and deliveries."""

    feeds: int = 0
    not_modified: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    processed: ProcessReport = field(default_factory=ProcessReport)
    delivered: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def ok(self) -> bool:
        return not self.failures


async def fetch_all(
    urls_states: list[tuple[str, FetchState]],
    session: aiohttp.ClientSession,
    settings: Settings,
    concurrency: int = 16,
) -> list[SourceResult]:
    """Read every source concurrently (bounded); a failing one never stops the others."""
    gate = asyncio.Semaphore(concurrency)

    async def one(url: str, state: FetchState) -> SourceResult:
        async with gate:
            try:
                return await read_source(url, state, session=session, timeout=settings.fetch_timeout)
            except Exception as exc:  # belt and braces: read_source reports problems, but never trust it
                log.exception("reading %s raised", url)
                return SourceResult(url, state=state, error=f"{type(exc).__name__}: {exc}"[:200])

    return await asyncio.gather(*(one(u, s) for u, s in urls_states))


def record(db: sqlite_utils.Database, result: SourceResult, at: str) -> None:
    """Store a fetch outcome in the feed's health columns."""
    if result.error:
        feed_store.record_failure(db, result.source, at, status=result.status, error=result.error)
    else:
        feed_store.record_success(
            db,
            result.source,
            at,
            status=result.status,
            etag=result.state.etag,
            last_modified=result.state.last_modified,
            title=result.title or None,
            new_items=len(result.articles),
        )


async def poll_once(
    db: sqlite_utils.Database,
    settings: Settings,
    notifiers: Mapping[str, Notifier],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    session: aiohttp.ClientSession | None = None,
) -> PollReport:
    """Poll every feed that is not paused, process new items, deliver due alerts."""
    stamp = now().isoformat(timespec="seconds")
    for url in settings.feeds:
        feed_store.add(db, url, stamp, added_by="config")
    rows = [r for r in feed_store.all_feeds(db) if not r.get("paused")]
    report = PollReport(feeds=len(rows))
    matcher = matcher_for(subscriptions.watched(db))
    own_session = session is None
    session = session or new_session(allow_private=settings.allow_private_feeds)
    try:
        results = await fetch_all(
            [(r["url"], FetchState(r.get("etag"), r.get("last_modified"))) for r in rows], session, settings
        )
    finally:
        if own_session:
            await session.close()
    for result in results:
        record(db, result, stamp)
        if result.error:
            report.failures.append((result.source, result.error))
            continue
        if result.not_modified:
            report.not_modified += 1
            continue
        processed = process_articles(
            db, result.articles, matcher, now=now, baseline_hours=settings.baseline_hours
        )
        report.processed.seen += processed.seen
        report.processed.new += processed.new
        report.processed.alerts += processed.alerts
        report.processed.deliveries += processed.deliveries
    report.delivered = await deliver_due(db, notifiers, now=now)
    return report
