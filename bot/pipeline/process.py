"""The middle of the flow: new articles -> matches -> alerts -> outbox rows, one transaction per batch
(a feed's new items)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.pipeline.alerts import Alert, build_alert
from bot.pipeline.parties import load_index, screen_article_alert
from bot.pipeline.stories import WINDOW_HOURS, StoryMatch, find_story
from feeds.models import Article
from rules.directory import CompanyDirectory, short_names
from rules.engine import Matcher
from rules.models import SEVERITIES, Match
from storage import alerts as alert_store
from storage import articles as article_store
from storage import cluster, deliveries, mutes, subscriptions
from storage import reports as report_store

log = logging.getLogger(__name__)

UNPOSTED = ("skipped", "failed")  # delivery states of an alert that never reached its target


@dataclass
class ProcessReport:
    """What processing a batch of articles did."""

    seen: int = 0
    new: int = 0
    alerts: list[Alert] = field(default_factory=list)
    deliveries: int = 0
    linked: int = 0  # later reports of a known story, linked to it (an alert only where it never got posted)


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


def per_listing(matches: Sequence[Match]) -> list[Match]:
    """One match per watched listing: the matcher links an issuer once (under its primary watched
    listing) and names its other watched listings, whose channels get the alert under the listing
    they watch."""
    out: list[Match] = []
    for match in matches:
        out.append(match)
        out.extend(replace(match, ticker=t) for t in match.listings if t != match.ticker)
    return out


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


def skip_reason(
    db: sqlite_utils.Database, sub: dict, alert: Alert, now: str, *, baseline: bool = False
) -> str | None:
    """Why the subscription `sub` skips `alert` now (filtered, muted, or older than the baseline), or
    None when it is posted."""
    reason = _wants(sub, alert)
    if reason is None and mutes.is_muted(db, sub["target"], alert.ticker, now):
        reason = "muted"
    if reason is None and baseline:
        reason = "older than the baseline window"
    return reason


def fan_out(
    db: sqlite_utils.Database,
    alert: Alert,
    now: str,
    *,
    baseline: bool = False,
    only: set[str] | None = None,
    served: set[str] | None = None,
) -> int:
    """One outbox row per subscribed target (or per target in `only`); muted or filtered ones are
    stored as skipped. Targets in `served` (those that already have this article under another
    listing of the same issuer) get none; the targets given a row are added to it.

    A target gets no row at all for an alert that only names given by other targets linked to the
    company: it is not that target's alert, so it stays out of its history, search and summary too.
    """
    added = 0
    wanted = recipients(db, alert)
    for sub in subscriptions.for_ticker(db, alert.ticker):
        if sub["target"] not in wanted or (only is not None and sub["target"] not in only):
            continue
        if served is not None and sub["target"] in served:
            continue  # one issuer, one alert per channel, under the first listing it watches
        reason = skip_reason(db, sub, alert, now, baseline=baseline)
        state = "skipped" if reason else "pending"
        if deliveries.enqueue(db, alert.id, sub["target"], sub["id"], now, state, reason):
            added += 1
            if served is not None:
                served.add(sub["target"])
    return added


@dataclass(frozen=True)
class StoryReach:
    """Where a story stands in each target: `heads`, the target's first alert of the story that was
    posted there (or is on its way); `unposted`, for a target that had the story's alerts but none
    posted (skipped or failed), the first of them."""

    heads: dict[str, str]
    unposted: dict[str, str]

    @classmethod
    def of(cls, db: sqlite_utils.Database, story_id: str) -> StoryReach:
        heads: dict[str, str] = {}
        unposted: dict[str, str] = {}
        for row in deliveries.for_story(db, story_id):
            if row["state"] in UNPOSTED:
                unposted.setdefault(row["target"], row["alert_id"])
            else:
                heads.setdefault(row["target"], row["alert_id"])
        for target in heads:
            unposted.pop(target, None)
        return cls(heads, unposted)


def own_targets(
    db: sqlite_utils.Database, copy: Alert, reach: StoryReach, now: str, *, baseline: bool = False
) -> set[str]:
    """The targets that get a later report of a story as an alert of their own (it becomes their head
    of the story) instead of an "also reported by" update: those the story was never posted to, where
    this report is posted, and those that never had the story at all (so their history has it)."""
    wanted = recipients(db, copy) - reach.heads.keys()
    return {
        sub["target"]
        for sub in subscriptions.for_ticker(db, copy.ticker)
        if sub["target"] in wanted
        and (
            sub["target"] not in reach.unposted or skip_reason(db, sub, copy, now, baseline=baseline) is None
        )
    }


def link_report(
    db: sqlite_utils.Database,
    story: StoryMatch,
    copy: Alert,
    now: str,
    reach: StoryReach,
    *,
    baseline: bool = False,
    own: Collection[str] = (),
) -> int | None:
    """Record `copy` as another report of the story's alert, and queue an update under the story's
    head in each target it was posted to (skipped where the ticker is muted or the copy is old); a
    target that had the story unposted gets a skipped update, unless the copy is its own alert (`own`).
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
    for target, head in reach.heads.items():
        reason = None
        if mutes.is_muted(db, target, copy.ticker, now):
            reason = "muted"
        elif baseline:
            reason = "older than the baseline window"
        state = "skipped" if reason else "pending"
        report_store.enqueue_update(db, report_id, head, target, now, state, reason)
    for target, alert_id in reach.unposted.items():
        if target not in own:
            reason = "the story alert was not posted here"
            report_store.enqueue_update(db, report_id, alert_id, target, now, "skipped", reason)
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
    """Store new articles, match them, and store their alerts with outbox rows, atomically per batch.

    Articles already stored are skipped (dedup 1). A match repeating a story published within
    `story_hours` of it is linked to that story as a report, not a new alert (dedup 2, bot.pipeline.stories),
    in each target the story was posted to; a target the story never reached posted gets it as an
    alert of its own. Alerts whose article was published more than `baseline_hours` before now are
    stored but not queued for chat (no flood of old items on a new feed); on a feed's `first_fetch`,
    undated items count as old too.
    """
    batch = list(articles)
    fresh = new_articles(db, batch)
    report = store_matched(
        db,
        ((article, matcher.risk_matches(article)) for article in fresh),
        now=now,
        baseline_hours=baseline_hours,
        story_hours=story_hours,
        first_fetch=first_fetch,
    )
    report.seen = len(batch)
    return report


def new_articles(db: sqlite_utils.Database, articles: Iterable[Article]) -> list[Article]:
    """The articles not stored yet, each once (dedup 1): the ones worth matching."""
    batch = list(articles)
    known = article_store.seen_ids(db, [a.id for a in batch])
    fresh: list[Article] = []
    for article in batch:
        if article.id not in known:
            known.add(article.id)
            fresh.append(article)
    return fresh


def store_matched(
    db: sqlite_utils.Database,
    matched: Iterable[tuple[Article, list[Match]]],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    baseline_hours: int | None = None,
    story_hours: int = WINDOW_HOURS,
    first_fetch: bool = False,
) -> ProcessReport:
    """The storing half of `process_articles`, for articles matched already (the service matches
    them in its worker processes): an article stored meanwhile (by another feed carrying it) is
    skipped, so the result is the same whichever of the two ran. The batch is stored in one
    transaction (a savepoint inside the caller's): a failure stores none of it, so the next poll
    stores it all."""
    report = ProcessReport()
    clock = now()
    stamp = clock.isoformat(timespec="seconds")
    cutoff = clock - timedelta(hours=baseline_hours) if baseline_hours else None
    listed = load_index(db)
    batch = list(matched)  # matched before the write lock is taken
    with db.atomic():  # one transaction for the batch (a feed): all of its new articles or none
        fresh = {a.id: (a, m) for a, m in reversed(batch)}  # the first of each id, in batch order
        stored = article_store.seen_ids(db, fresh)
        todo = [fresh.pop(a.id) for a, _ in batch if a.id in fresh and a.id not in stored]
        # the insert decides: an article another worker stored meanwhile is not ours to alert on
        mine = article_store.save_articles(db, [a for a, _ in todo], stamp)
        todo = [(a, m) for a, m in todo if a.id in mine]
        # stories are read and written per ticker: one worker at a time per ticker (on SQLite the
        # write transaction already is one at a time)
        cluster.lock_stories(db, {m.ticker for _, ms in todo for m in per_listing(ms)})
        for article, matches in todo:
            matches = per_listing(matches)
            served: dict[tuple[str, ...], set[str]] = {}  # per issuer: the targets given this article
            if cutoff is None:
                old = False
            elif article.published is None:
                old = first_fetch
            else:
                old = article.published < cutoff
            for match in matches:
                alert = screen_article_alert(build_alert(article, match, stamp), article, listed)
                if alert_store.exists(db, alert.id):
                    continue
                story = find_story(db, alert, story_hours)
                own: set[str] | None = None
                if story is None:
                    alert = replace(alert, story_id=alert.id)
                else:
                    reach = StoryReach.of(db, story.story_id)
                    own = own_targets(db, alert, reach, stamp, baseline=old)
                    if link_report(db, story, alert, stamp, reach, baseline=old, own=own) is not None:
                        report.linked += 1
                    if not own:
                        continue
                    alert = replace(alert, story_id=story.story_id)
                alert_store.insert_alert(db, alert.to_row())
                issuer = served.setdefault(match.listings or (match.ticker,), set())
                report.deliveries += fan_out(db, alert, stamp, baseline=old, only=own, served=issuer)
                report.alerts.append(alert)
            report.new += 1
    return report
