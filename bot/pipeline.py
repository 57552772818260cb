"""The middle of the flow: new articles -> matches -> alerts -> outbox rows, one transaction per article."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.alerts import Alert, build_alert
from feeds.models import Article
from rules.engine import Matcher
from rules.models import SEVERITIES
from storage import alerts as alert_store
from storage import articles as article_store
from storage import deliveries, mutes, subscriptions

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    """What processing a batch of articles did."""

    seen: int = 0
    new: int = 0
    alerts: list[Alert] = field(default_factory=list)
    deliveries: int = 0


def _wants(sub: dict, alert: Alert) -> str | None:
    """None when the subscription wants this alert, else why it is skipped."""
    topics = sub.get("topics") or []
    if topics and not set(topics) & set(alert.topics):
        return "topic filter"
    minimum = sub.get("min_severity") or "low"
    if minimum in SEVERITIES and SEVERITIES.index(alert.severity) < SEVERITIES.index(minimum):
        return "below minimum severity"
    return None


def fan_out(db: sqlite_utils.Database, alert: Alert, now: str, *, baseline: bool = False) -> int:
    """One outbox row per subscribed target; muted or filtered ones are stored as skipped."""
    added = 0
    for sub in subscriptions.for_ticker(db, alert.ticker):
        reason = _wants(sub, alert)
        if reason is None and mutes.is_muted(db, sub["target"], alert.ticker, now):
            reason = "muted"
        if reason is None and baseline:
            reason = "older than the baseline window"
        state = "skipped" if reason else "pending"
        if deliveries.enqueue(db, alert.id, sub["target"], sub["id"], now, state, reason):
            added += 1
    return added


def process_articles(
    db: sqlite_utils.Database,
    articles: Iterable[Article],
    matcher: Matcher,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    baseline_hours: int | None = None,
) -> ProcessReport:
    """Store new articles, match them, and store their alerts with outbox rows, atomically per article.

    Articles already stored are skipped (dedup 1). Alerts whose article is older than
    `baseline_hours` are stored but not queued for chat (no flood of old items on a new feed).
    """
    report = ProcessReport()
    batch = list(articles)
    report.seen = len(batch)
    known = article_store.seen_ids(db, [a.id for a in batch])
    clock = now()
    stamp = clock.isoformat(timespec="seconds")
    cutoff = clock - timedelta(hours=baseline_hours) if baseline_hours else None
    for article in batch:
        if article.id in known:
            continue
        known.add(article.id)
        matches = [m for m in matcher.match(article) if m.is_risk]
        with db.atomic():
            article_store.save_articles(db, [article], stamp)
            for match in matches:
                alert = build_alert(article, match, stamp)
                if not alert_store.insert_alert(db, alert.to_row()):
                    continue
                old = bool(cutoff and article.published and article.published < cutoff)
                report.deliveries += fan_out(db, alert, stamp, baseline=old)
                report.alerts.append(alert)
        report.new += 1
    return report
