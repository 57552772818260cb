"""The middle of the flow: new articles -> matches -> alerts -> outbox rows, one transaction per article."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.alerts import Alert, build_alert
from bot.stories import WINDOW_HOURS, StoryMatch, find_story
from feeds.models import Article
from rules.directory import CompanyDirectory, short_names
from rules.engine import Matcher
from rules.models import SEVERITIES
from storage import alerts as alert_store
from storage import articles as article_store
from storage import deliveries, mutes, subscriptions
from storage import reports as report_store

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    """What processing a batch of articles did."""

    seen: int = 0
    new: int = 0
    alerts: list[Alert] = field(default_factory=list)
    deliveries: int = 0
    linked: int = 0  # copies of a known story, linked to its alert instead of becoming alerts


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


def recipients(db: sqlite_utils.Database, alert: Alert) -> set[str]:
    """The targets that get an outbox row for `alert` (posted or skipped): its ticker's subscribers,
    less those for whom only names other targets gave tie the article to the company."""
    foreign = _ForeignNames(db, alert.ticker)
    mentioned = {_key(e.text) for e in alert.company_evidence}
    return {
        sub["target"]
        for sub in subscriptions.for_ticker(db, alert.ticker)
        if not foreign.only(mentioned, sub["target"])
    }


def fan_out(
    db: sqlite_utils.Database,
    alert: Alert,
    now: str,
    *,
    baseline: bool = False,
    only: set[str] | None = None,
) -> int:
    """One outbox row per subscribed target (or per target in `only`); muted or filtered ones are
    stored as skipped.

    A target gets no row at all for an alert that only names given by other targets linked to the
    company: it is not that target's alert, so it stays out of its history, search and summary too.
    """
    added = 0
    wanted = recipients(db, alert)
    for sub in subscriptions.for_ticker(db, alert.ticker):
        if sub["target"] not in wanted or (only is not None and sub["target"] not in only):
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


def link_report(
    db: sqlite_utils.Database,
    story: StoryMatch,
    copy: Alert,
    now: str,
    *,
    baseline: bool = False,
) -> int | None:
    """Record `copy` as another report of the story's alert, and queue an update to every target the
    story went to (skipped where the story was not posted, or the ticker is muted, or the copy is old).
    Returns the report id (None when this article was linked before)."""
    report_id = report_store.add(
        db,
        alert_id=story.alert_id,
        article_id=copy.article_id,
        ticker=copy.ticker,
        source=copy.source,
        title=copy.title,
        summary=copy.summary,
        link=copy.link,
        published=copy.published,
        similarity=story.similarity,
        created=now,
    )
    if report_id is None:
        return None
    for parent in deliveries.for_alert(db, story.alert_id):
        reason = None
        if parent["state"] in ("failed", "skipped"):
            reason = "the story alert was not posted here"
        elif mutes.is_muted(db, parent["target"], copy.ticker, now):
            reason = "muted"
        elif baseline:
            reason = "older than the baseline window"
        state = "skipped" if reason else "pending"
        report_store.enqueue_update(db, report_id, story.alert_id, parent["target"], now, state, reason)
    return report_id


def process_articles(
    db: sqlite_utils.Database,
    articles: Iterable[Article],
    matcher: Matcher,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    baseline_hours: int | None = None,
    story_hours: int = WINDOW_HOURS,
    first_fetch: bool = False,
) -> ProcessReport:
    """Store new articles, match them, and store their alerts with outbox rows, atomically per article.

    Articles already stored are skipped (dedup 1). A match repeating a story alerted on within
    `story_hours` is linked to that alert as a report, not a new alert (dedup 2, bot.stories).
    Alerts whose article is older than `baseline_hours` are stored but not queued for chat (no flood
    of old items on a new feed); on a feed's `first_fetch`, undated items count as old too.
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
        matches = matcher.risk_matches(article)
        if cutoff is None:
            old = False
        elif article.published is None:
            old = first_fetch
        else:
            old = article.published < cutoff
        with db.atomic():
            article_store.save_articles(db, [article], stamp)
            for match in matches:
                alert = build_alert(article, match, stamp)
                if alert_store.exists(db, alert.id):
                    continue
                story = find_story(db, alert, clock, story_hours)
                missing: set[str] | None = None
                if story is not None:
                    if link_report(db, story, alert, stamp, baseline=old) is not None:
                        report.linked += 1
                    # a target that never had the story's alert (it watched later, or the story was
                    # found through names it did not give) must not lose this one: it gets an alert
                    had = {d["target"] for d in deliveries.for_alert(db, story.alert_id)}
                    missing = recipients(db, alert) - had
                    if not missing:
                        continue
                alert = replace(alert, story_id=alert.id)
                alert_store.insert_alert(db, alert.to_row())
                report.deliveries += fan_out(db, alert, stamp, baseline=old, only=missing)
                report.alerts.append(alert)
        report.new += 1
    return report
