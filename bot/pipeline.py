"""The middle of the flow: new articles -> matches -> alerts -> outbox rows, one transaction per article."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.alerts import Alert, build_alert
from feeds.models import Article
from rules.directory import CompanyDirectory, short_names
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


def _key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def _name_keys(names: Iterable[str]) -> set[str]:
    return {_key(form) for name in names for form in short_names(name)}


class _ForeignNames:
    """The names other targets gave for a ticker that neither a target nor the directory knows.

    An alert found only through such names is not that target's business (tenancy: one workspace's
    `--names` must never decide what another workspace is sent)."""

    def __init__(self, db: sqlite_utils.Database, ticker: str) -> None:
        self.given = {t: _name_keys(n) for t, n in subscriptions.names_by_target(db, ticker).items()}
        self.everyone: set[str] = set().union(*self.given.values()) if self.given else set()
        if self.everyone:
            company = CompanyDirectory.default().get(ticker)
            if company:
                self.everyone -= _name_keys([*company.names, *company.ambiguous, *company.symbols])

    def only(self, mentioned: set[str], target: str) -> bool:
        """True when every mention is a name only other targets gave."""
        return bool(mentioned) and mentioned <= self.everyone - self.given.get(target, set())


def fan_out(db: sqlite_utils.Database, alert: Alert, now: str, *, baseline: bool = False) -> int:
    """One outbox row per subscribed target; muted or filtered ones are stored as skipped.

    A target gets no row at all for an alert that only names given by other targets linked to the
    company: it is not that target's alert, so it stays out of its history, search and summary too.
    """
    added = 0
    foreign = _ForeignNames(db, alert.ticker)
    mentioned = {_key(e.text) for e in alert.company_evidence}
    for sub in subscriptions.for_ticker(db, alert.ticker):
        if foreign.only(mentioned, sub["target"]):
            continue
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
