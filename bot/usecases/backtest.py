"""Backtest a rule set: replay stored articles through the current (or a changed) rules and compare
with what actually alerted, so rule owners can test a change before they switch it on.

The replay is what the service would really have done: the stored articles go, in the order they
were stored and each at the time it was fetched, through the same pipeline as a poll
(bot.pipeline.process.process_articles: story linking, the baseline, each target's filters and mutes) into a
scratch database holding a copy of the subscriptions and mutes. So unchanged rules report no
difference, and a copy of a story counts as a linked report, not as an alert. Nothing is stored in
the real database or posted. The watched companies are today's subscriptions (or the tickers
given); only those tickers are compared.

`days` counts by publication time (storage.alerts.happened): the articles published in the last
`days` days are compared; those published up to the story window before are replayed too, unseen,
so the stories they began are there to link to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.pipeline.matching import resolve_watch
from bot.pipeline.process import process_articles
from bot.pipeline.stories import WINDOW_HOURS
from bot.rendering.progress import Progress, ignore
from feeds.models import Article
from rules.engine import Matcher
from rules.models import WatchSpec
from rules.rulefile import load_topics
from storage import alerts as alert_store
from storage import articles as article_store
from storage import reports as report_store
from storage import subscriptions
from storage.db import scratch_copy


@dataclass(frozen=True)
class Change:
    """One (article, ticker) whose outcome differs: alerted before and not now, or the other way,
    or both with other topics."""

    article_id: str
    ticker: str
    title: str
    link: str
    before: tuple[str, ...]  # topics stored (empty: no alert)
    after: tuple[str, ...]  # topics the rules give now (empty: no alert)
    severity_before: str | None = None
    severity_after: str | None = None

    @property
    def kind(self) -> str:
        if not self.before:
            return "new"
        if not self.after:
            return "gone"
        return "changed"


@dataclass
class BacktestReport:
    """What the rules would have alerted on the stored articles, against what actually alerted."""

    rules: str
    articles: int = 0
    tickers: list[str] = field(default_factory=list)
    would: Counter[tuple[str, str]] = field(default_factory=Counter)  # (ticker, topic) -> alerts
    actual: Counter[tuple[str, str]] = field(default_factory=Counter)
    would_alerts: int = 0
    actual_alerts: int = 0
    would_post: int = 0  # of those alerts, queued to post to at least one target (not skipped)
    actual_posted: int = 0
    would_link: int = 0  # later reports of a story, linked to it instead of alerting
    actual_linked: int = 0
    changes: list[Change] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def _article(row: dict[str, Any]) -> Article:
    published = None
    if row.get("published"):
        try:
            published = datetime.fromisoformat(row["published"])
        except ValueError:
            published = None
    return Article(
        id=row["id"],
        link=row.get("link") or "",
        title=row.get("title") or "",
        summary=row.get("summary") or "",
        content=row.get("content") or "",
        published=published,
        source=row.get("source") or "",
        feed_url=row.get("feed_url") or "",
        guid=row.get("guid") or "",
    )


def _fixed(moment: datetime) -> Callable[[], datetime]:
    """A clock that always reads `moment`."""
    return lambda: moment


def _replay(
    scratch: sqlite_utils.Database,
    rows: Iterator[dict[str, Any]],
    matcher: Matcher,
    first_fetches: dict[str, str],
    baseline_hours: int | None,
    story_hours: int,
) -> Iterator[dict[str, Any]]:
    """Run stored article rows through the pipeline into `scratch`, each poll's batch (one feed, one
    fetch time) at that time, as the service did; yields the rows as they are replayed."""
    for (fetched, feed_url), batch in groupby(rows, key=lambda r: (r["fetched"], r.get("feed_url") or "")):
        items = list(batch)
        process_articles(
            scratch,
            [_article(r) for r in items],
            matcher,
            now=_fixed(datetime.fromisoformat(fetched)),
            baseline_hours=baseline_hours,
            story_hours=story_hours,
            first_fetch=first_fetches.get(feed_url) == fetched,
        )
        yield from items


def backtest(
    db: sqlite_utils.Database,
    *,
    rules_dir: str | Path | None = None,
    days: int | None = None,
    tickers: Sequence[str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    baseline_hours: int | None = 72,
    story_hours: int = WINDOW_HOURS,
    progress: Progress = ignore,
) -> BacktestReport:
    """Replay the stored articles published in the last `days` (all when None) through the rules in
    `rules_dir` (the built-in ones when None) for the watched tickers, as the service with these
    `baseline_hours` and `story_hours` would have, and compare with the stored alerts.

    Raises RuleFileError for a broken rule file and ValueError when nothing is watched. `progress`
    hears the articles replayed so far.
    """
    topics = load_topics(rules_dir) if rules_dir else None
    watched = subscriptions.watched(db)
    specs = (
        [WatchSpec(t.upper(), tuple(watched.get(t.upper(), ()))) for t in tickers]
        if tickers
        else [WatchSpec(t, tuple(n)) for t, n in sorted(watched.items())]
    )
    if not specs:
        raise ValueError("nothing is watched: add subscriptions (riskwire watch add) or give --watch T1,T2")
    companies, problems = resolve_watch(specs)
    if problems:
        raise ValueError("; ".join(problems))
    matcher = Matcher(companies, topics=topics)
    report = BacktestReport(rules=str(rules_dir) if rules_dir else "built-in rules")
    report.tickers = sorted(c.ticker for c in companies)
    since = (now() - timedelta(days=days)).isoformat(timespec="seconds") if days else None
    lead_in = (
        (datetime.fromisoformat(since) - timedelta(hours=story_hours)).isoformat(timespec="seconds")
        if since
        else None
    )
    rows = article_store.in_stored_order(db, lead_in)
    with scratch_copy(db) as scratch:
        first = article_store.first_fetches(db)
        chunk: list[dict[str, Any]] = []
        for done, row in enumerate(_replay(scratch, rows, matcher, first, baseline_hours, story_hours), 1):
            progress(done, None)  # how many articles is not counted beforehand
            if since is None or row["happened"] >= since:
                chunk.append({"id": row["id"], "title": row.get("title"), "link": row.get("link")})
            if len(chunk) >= 500:
                _compare(report, db, scratch, chunk)
                chunk = []
        _compare(report, db, scratch, chunk)
    return report


def _compare(
    report: BacktestReport,
    db: sqlite_utils.Database,
    scratch: sqlite_utils.Database,
    rows: list[dict[str, Any]],
) -> None:
    """Add these articles' stored outcomes (before) and replayed ones (after) to the report."""
    wanted = set(report.tickers)
    ids = [r["id"] for r in rows]
    stored = {k: v for k, v in alert_store.outcomes(db, ids).items() if k[1] in wanted}
    again = alert_store.outcomes(scratch, ids)
    report.actual_linked += sum(1 for k in report_store.linked_articles(db, ids) if k[1] in wanted)
    report.would_link += len(report_store.linked_articles(scratch, ids))
    by_article: dict[str, set[str]] = {}
    for article_id, ticker in [*stored, *again]:
        by_article.setdefault(article_id, set()).add(ticker)
    for row in rows:
        report.articles += 1
        for ticker in sorted(by_article.get(row["id"], ())):
            before, after = stored.get((row["id"], ticker)), again.get((row["id"], ticker))
            before_topics = before["topics"] if before else ()
            after_topics = after["topics"] if after else ()
            for t in before_topics:
                report.actual[(ticker, t)] += 1
            for t in after_topics:
                report.would[(ticker, t)] += 1
            report.actual_alerts += bool(before)
            report.would_alerts += bool(after)
            report.actual_posted += bool(before and before["posted"])
            report.would_post += bool(after and after["posted"])
            if set(before_topics) != set(after_topics):
                report.changes.append(
                    Change(
                        row["id"],
                        ticker,
                        row.get("title") or "",
                        row.get("link") or "",
                        before_topics,
                        after_topics,
                        before["severity"] if before else None,
                        after["severity"] if after else None,
                    )
                )


def render_backtest(report: BacktestReport, limit: int = 30) -> str:
    """Per ticker and topic: would alert vs actually alerted; then the new, gone and changed alerts."""
    lines = [
        f"Backtest of {report.rules} over {report.articles} stored articles, "
        f"{len(report.tickers)} watched tickers:",
        f"  would alert {report.would_alerts} times ({report.would_post} posted); "
        f"actually alerted {report.actual_alerts} times ({report.actual_posted} posted)",
        f"  would link {report.would_link} later reports to their stories; actually linked "
        f"{report.actual_linked}",
    ]
    keys = sorted(set(report.would) | set(report.actual))
    if keys:
        lines.append(f"  {'ticker':<8} {'topic':<18} {'would':>6} {'actual':>6} {'change':>7}")
        for ticker, topic in keys:
            w, a = report.would[(ticker, topic)], report.actual[(ticker, topic)]
            lines.append(f"  {ticker:<8} {topic:<18} {w:>6} {a:>6} {w - a:>+7}")
    for kind, heading in (
        ("new", "New alerts"),
        ("gone", "Alerts that would disappear"),
        ("changed", "Other topics"),
    ):
        items = report.of_kind(kind)
        if not items:
            continue
        lines.append(f"{heading} ({len(items)}):")
        for c in items[:limit]:
            detail = {
                "new": f"+{','.join(c.after)}",
                "gone": f"-{','.join(c.before)}",
                "changed": f"{','.join(c.before)} -> {','.join(c.after)}",
            }[kind]
            lines.append(f"  {c.ticker:<8} {detail}: {c.title[:90]} {c.link}")
        if len(items) > limit:
            lines.append(f"  ... {len(items) - limit} more (--format jsonl lists all)")
    if not report.changes:
        lines.append("No differences: the rules alert exactly as before on these articles.")
    return "\n".join(lines)
