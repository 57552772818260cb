"""Articles we have seen (dedup 1: the same item is processed once)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from feeds.models import Article


def seen_ids(db: sqlite_utils.Database, ids: Iterable[str]) -> set[str]:
    """The subset of `ids` already stored."""
    ids = list(ids)
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in db.execute(f"select id from articles where id in ({marks})", chunk))
    return found


def article_row(article: Article, fetched: str) -> dict[str, Any]:
    return {
        "id": article.id,
        "link": article.link,
        "title": article.title,
        "summary": article.summary,
        "content": article.content,
        "published": article.published.isoformat() if article.published else None,
        "source": article.source,
        "feed_url": article.feed_url,
        "guid": article.guid,
        "fetched": fetched,
    }


def save_articles(db: sqlite_utils.Database, articles: Iterable[Article], fetched: str) -> None:
    """Store articles; an id already stored is left as it was."""
    rows = [article_row(a, fetched) for a in articles]
    if rows:
        db.table("articles").insert_all(rows, ignore=True)


def get_article(db: sqlite_utils.Database, article_id: str) -> dict[str, Any] | None:
    rows = list(db.table("articles").rows_where("id = ?", [article_id]))
    return rows[0] if rows else None
