"""One poll of every configured feed: fetch, parse, process, then deliver what is due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import sqlite_utils

from bot.core.metrics import NULL, Metrics
from bot.core.settings import Settings
from bot.delivery.base import Notifier
from bot.delivery.outbox import DeliveryReport, deliver_due
from bot.pipeline.poller import FeedOutcome, FeedPoller
from bot.pipeline.process import ProcessReport
from bot.rendering.progress import Progress, ignore
from storage import feeds as feed_store

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    """What a poll did: feeds read, failures (one line each), new articles, alerts and deliveries."""

    feeds: int = 0
    not_modified: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    processed: ProcessReport = field(default_factory=ProcessReport)
    delivered: DeliveryReport = field(default_factory=DeliveryReport)
    paused: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def add(self, outcome: FeedOutcome) -> None:
        """Fold one feed's outcome into the report."""
        if outcome.error:
            self.failures.append((outcome.url, outcome.error))
        if outcome.not_modified:
            self.not_modified += 1
        if outcome.paused:
            self.paused.append(outcome.url)
        if outcome.resumed:
            self.resumed.append(outcome.url)
        if outcome.processed:
            p = outcome.processed
            self.processed.seen += p.seen
            self.processed.new += p.new
            self.processed.alerts += p.alerts
            self.processed.deliveries += p.deliveries
            self.processed.linked += p.linked


def sync_config_feeds(db: sqlite_utils.Database, settings: Settings, stamp: str) -> None:
    """Feeds listed in riskwire.toml join the feed list (once)."""
    for url in settings.feeds:
        feed_store.add(db, url, stamp, added_by="config")


async def poll_once(
    db: sqlite_utils.Database,
    settings: Settings,
    notifiers: Mapping[str, Notifier],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    session: aiohttp.ClientSession | None = None,
    metrics: Metrics | None = None,
    progress: Progress = ignore,
) -> PollReport:
    """Poll every feed that is not paused (and paused ones due for a probe), process new items,
    deliver due alerts. Feeds are fetched concurrently, one request at a time per host; `progress`
    hears each feed finish."""
    stamp = now().isoformat(timespec="seconds")
    sync_config_feeds(db, settings, stamp)
    rows = [r for r in feed_store.all_feeds(db) if not r.get("paused") or (r.get("next_poll") or "") <= stamp]
    report = PollReport(feeds=len(rows))
    poller = FeedPoller(db, settings, session=session, now=now, metrics=metrics or NULL)
    try:
        for outcome in await _poll_rows(poller, rows, progress):
            report.add(outcome)
    finally:
        await poller.close()
    report.delivered = await deliver_due(db, notifiers, now=now, metrics=metrics)
    return report


async def _poll_rows(poller: FeedPoller, rows: list[dict[str, Any]], progress: Progress) -> list[FeedOutcome]:
    """poller.poll_rows(rows), telling `progress` as each feed finishes."""
    done = 0
    progress(done, len(rows))

    async def one(row: dict[str, Any]) -> FeedOutcome:
        nonlocal done
        (outcome,) = await poller.poll_rows([row])
        done += 1
        progress(done, len(rows))
        return outcome

    return list(await asyncio.gather(*(one(row) for row in rows)))
