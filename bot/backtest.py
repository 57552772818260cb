"""Backtest a rule set: replay stored articles through the current (or a changed) rules and compare
with what actually alerted, so rule owners can test a change before they switch it on.

Nothing is stored or posted. The watched companies are today's subscriptions (or the tickers given);
only those tickers are compared.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.matching import resolve_watch
from bot.progress import Progress, ignore
from feeds.models import Article
from rules.engine import Matcher
from rules.models import WatchSpec
from rules.rulefile import load_topics
from storage import subscriptions


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


def _articles(
    db: sqlite_utils.Database, since: str | None, batch: int = 200
) -> Iterator[list[dict[str, Any]]]:
    last = ""
    while True:
        where = "id > ?" + (" and fetched >= ?" if since else "")
        rows = list(
            db.table("articles").rows_where(
                where, [last, since] if since else [last], order_by="id", limit=batch
            )
        )
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


def backtest(
    db: sqlite_utils.Database,
    *,
    rules_dir: str | Path | None = None,
    days: int | None = None,
    tickers: Sequence[str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    progress: Progress = ignore,
) -> BacktestReport:
    """Replay the articles stored in the last `days` (all when None) through the rules in `rules_dir`
    (the built-in ones when None) for the watched tickers, and compare with the stored alerts.

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
    wanted = set(report.tickers)
    since = (now() - timedelta(days=days)).isoformat(timespec="seconds") if days else None
    for rows in _articles(db, since):
        ids = [r["id"] for r in rows]
        stored: dict[tuple[str, str], dict[str, Any]] = {}
        cursor = db.execute(
            "select article_id, ticker, topics, severity from alerts "
            f"where article_id in ({','.join('?' * len(ids))})",
            ids,
        )
        for article_id, ticker, topics_json, severity in cursor.fetchall():
            if ticker in wanted:
                stored[(article_id, ticker)] = {
                    "topics": tuple(json.loads(topics_json or "[]")),
                    "severity": severity,
                }
        for row in rows:
            report.articles += 1
            article = _article(row)
            now_alerts = {m.ticker: m for m in matcher.risk_matches(article)}
            keys = {t for (a, t) in stored if a == article.id} | set(now_alerts)
            for ticker in sorted(keys):
                before = stored.get((article.id, ticker))
                after = now_alerts.get(ticker)
                before_topics = before["topics"] if before else ()
                after_topics = tuple(after.topics) if after else ()
                for t in before_topics:
                    report.actual[(ticker, t)] += 1
                for t in after_topics:
                    report.would[(ticker, t)] += 1
                report.actual_alerts += bool(before)
                report.would_alerts += bool(after)
                if set(before_topics) != set(after_topics):
                    report.changes.append(
                        Change(
                            article.id,
                            ticker,
                            article.title,
                            article.link,
                            before_topics,
                            after_topics,
                            before["severity"] if before else None,
                            after.severity if after else None,
                        )
                    )
        progress(report.articles, None)
    return report


def render_backtest(report: BacktestReport, limit: int = 30) -> str:
    """Per ticker and topic: would alert vs actually alerted; then the new, gone and changed alerts."""
    lines = [
        f"Backtest of {report.rules} over {report.articles} stored articles, "
        f"{len(report.tickers)} watched tickers:",
        f"  would alert {report.would_alerts} times; actually alerted {report.actual_alerts} times",
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
