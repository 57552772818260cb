"""Sanctions lists: the loaded lists and their entries. A list is always replaced whole, atomically."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils


def replace_list(
    db: sqlite_utils.Database,
    *,
    name: str,
    source: str,
    origin: str,
    published: str | None,
    loaded: str,
    entries: Iterable[dict[str, Any]],
    sha256: str | None = None,
) -> int:
    """Store `entries` as the list `name`, dropping whatever an earlier load of it held. Returns the
    number of entries stored."""
    rows = [
        {**e, "list": name, "aliases": json.dumps(list(e.get("aliases") or []), ensure_ascii=False)}
        for e in entries
    ]
    with db.atomic():
        db.execute("delete from sanction_entries where list = ?", [name])
        db.table("sanction_lists").upsert(
            {
                "name": name,
                "source": source,
                "origin": origin,
                "published": published,
                "loaded": loaded,
                "entries": len(rows),
                "sha256": sha256,
            },
            pk="name",
        )
        if rows:
            db.table("sanction_entries").insert_all(rows, batch_size=1000)
    return len(rows)


def lists(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every loaded list, by name."""
    return list(db.table("sanction_lists").rows_where(order_by="name"))


def entries(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Every listed entry of every list, aliases decoded."""
    for row in db.table("sanction_entries").rows_where(order_by="id"):
        row["aliases"] = json.loads(row.get("aliases") or "[]")
        yield row


def version(db: sqlite_utils.Database) -> tuple[tuple[str, str], ...]:
    """What is loaded, as a value that changes whenever a list is loaded again (for caches)."""
    rows = db.execute("select name, loaded || ':' || entries from sanction_lists order by name").fetchall()
    return tuple((r[0], r[1]) for r in rows)


def sha256_of(db: sqlite_utils.Database, name: str) -> str | None:
    """The checksum of the file the list `name` was last loaded from (None when not loaded)."""
    row = db.execute("select sha256 from sanction_lists where name = ?", [name]).fetchone()
    return row[0] if row else None


def alerts_since(db: sqlite_utils.Database, since: str) -> list[dict[str, Any]]:
    """The alerts that happened at or after `since` with their article's text (`article_summary`,
    `article_content`; None when the article is gone), oldest first."""
    cursor = db.execute(
        "select a.*, r.summary as article_summary, r.content as article_content from alerts a "
        "left join articles r on r.id = a.article_id where a.happened >= ? order by a.happened, a.id",
        [since],
    )
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def set_parties(
    db: sqlite_utils.Database, alert_id: str, parties: list[dict[str, Any]], severity: str
) -> None:
    """Record the listed parties an alert's story names now, and the severity that goes with them."""
    db.execute(
        "update alerts set parties = ?, severity = ? where id = ?",
        [json.dumps(parties, ensure_ascii=False, separators=(",", ":")), severity, alert_id],
    )
