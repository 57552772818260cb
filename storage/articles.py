"""Articles we have seen (dedup 1: the same item is processed once)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from feeds.models import Article
from storage.alerts import happened


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


_COLUMNS = ("id", "link", "title", "summary", "content", "published", "source", "feed_url", "guid", "fetched")
_ROW = f"({', '.join('?' * len(_COLUMNS))})"
_CHUNK = 500  # rows per statement: 5,000 parameters, well inside either back end's limit


def save_articles(db: sqlite_utils.Database, articles: Iterable[Article], fetched: str) -> set[str]:
    """Store articles; an id already stored is left as it was. Returns the ids this call stored: when
    two workers store one article at once, exactly one of them gets its id back (the unique key
    decides, not an earlier read), and only that one goes on to its alerts."""
    # one multi-row statement per batch: a feed's items cost one statement, not one per item
    rows = [tuple(article_row(a, fetched).values()) for a in articles]
    stored: set[str] = set()
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        cursor = db.execute(
            f"insert into articles ({', '.join(_COLUMNS)}) values {', '.join([_ROW] * len(chunk))} "
            "on conflict (id) do nothing returning id",
            [value for row in chunk for value in row],
        )
        stored.update(row[0] for row in cursor.fetchall())
    return stored


def get_article(db: sqlite_utils.Database, article_id: str) -> dict[str, Any] | None:
    rows = list(db.table("articles").rows_where("id = ?", [article_id]))
    return rows[0] if rows else None


def in_stored_order(
    db: sqlite_utils.Database, since: str | None = None, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Stored articles in the order they were stored (the order a replay must see them in), each with
    `happened` (storage.alerts.happened of its publication and fetch times); with `since`, only those
    that happened since then."""
    last = 0
    # happened <= fetched, so `fetched >= since` narrows the scan through its index first
    where = "rowid > ?" + (" and fetched >= ?" if since else "")
    while True:
        cursor = db.execute(
            f"select rowid, * from articles where {where} order by rowid limit ?",
            [last, since, batch] if since else [last, batch],
        )
        cols = [c[0] for c in cursor.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]
        for row in rows:
            row["happened"] = happened(row.get("published"), row["fetched"])
            if since is None or row["happened"] >= since:
                yield row
        if len(rows) < batch:
            return
        last = rows[-1]["rowid"]


def first_fetches(db: sqlite_utils.Database) -> dict[str, str]:
    """Feed URL -> when the first of its stored articles was fetched (its first fetch, as far as the
    stored articles tell)."""
    cursor = db.execute("select feed_url, min(fetched) from articles group by feed_url order by feed_url")
    return {str(url or ""): str(first) for url, first in cursor.fetchall()}


def count(db: sqlite_utils.Database) -> int:
    """How many articles are stored."""
    return int(db.execute("select count(*) from articles").fetchone()[0])
