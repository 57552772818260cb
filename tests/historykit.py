"""Put alerts (with their articles and deliveries) straight into a real database, for history tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.pipeline.alerts import Alert, alert_id
from feeds.models import Article
from rules.models import Evidence
from storage import alerts as alert_store
from storage import articles as article_store
from storage import deliveries

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
_seq = itertools.count()


def ago(days: float = 0, hours: float = 0) -> str:
    return (NOW - timedelta(days=days, hours=hours)).isoformat(timespec="seconds")


def add_alert(
    db: sqlite_utils.Database,
    *,
    ticker: str = "AMZN",
    company: str = "Amazon.com, Inc.",
    topics: tuple[str, ...] = ("sanctions",),
    severity: str = "high",
    created: str | None = None,
    title: str | None = None,
    summary: str = "A former employee says the company breached sanctions.",
    terms: tuple[str, ...] = ("breached sanctions",),
    targets: tuple[str, ...] = ("console",),
    state: str = "sent",
    story_id: str | None = None,
    body: str = "",
) -> Alert:
    """Store an article and its alert, delivered (in `state`) to each of `targets`."""
    n = next(_seq)
    created = created or ago()
    title = title or f"{company} accused over {topics[0] if topics else 'nothing'} #{n}"
    article = Article(
        id=f"art{n}", link=f"https://news.example.com/{n}", title=title, summary=summary, content=body
    )
    article_store.save_articles(db, [article], created)
    evidence = tuple(
        Evidence(f"{topics[i % len(topics)]}.rule{i}", t, summary, "body", topics[i % len(topics)])
        for i, t in enumerate(terms)
    )
    alert = Alert(
        id=alert_id(article.id, ticker),
        article_id=article.id,
        ticker=ticker,
        company=company,
        topics=topics,
        severity=severity,
        stage=None,
        denied=False,
        title=title,
        link=article.link,
        source="Test Wire",
        published=created,
        summary=summary,
        evidence=evidence,
        company_evidence=(Evidence("company.name", company, title, "title"),),
        created=created,
        story_id=story_id,
    )
    alert_store.insert_alert(db, alert.to_row())
    for target in targets:
        deliveries.enqueue(db, alert.id, target, None, created, state)
    return alert
