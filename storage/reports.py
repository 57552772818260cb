"""Linked reports (dedup 2): later copies of a story, kept with the story's alert instead of a new alert,
and their outbox of "also reported by ..." updates (one row per report and target)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils


def _rows(cursor: Any) -> list[dict[str, Any]]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def add(
    db: sqlite_utils.Database,
    *,
    alert_id: str,
    article_id: str,
    ticker: str,
    source: str,
    title: str,
    summary: str,
    link: str,
    published: str | None,
    similarity: float,
    created: str,
) -> int | None:
    """Link an article to a story's alert; returns the report id, or None when it was linked already."""
    cursor = db.execute(
        "insert or ignore into reports (alert_id, article_id, ticker, source, title, summary, link, "
        "published, similarity, created) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            alert_id,
            article_id,
            ticker,
            source,
            title,
            summary,
            link,
            published,
            round(similarity, 3),
            created,
        ],
    )
    return int(cursor.lastrowid) if cursor.rowcount > 0 and cursor.lastrowid is not None else None


def get(db: sqlite_utils.Database, report_id: int) -> dict[str, Any] | None:
    return next(iter(_rows(db.execute("select * from reports where id = ?", [report_id]))), None)


def for_alert(db: sqlite_utils.Database, alert_id: str) -> list[dict[str, Any]]:
    """The reports linked to a story's alert, oldest first."""
    return _rows(db.execute("select * from reports where alert_id = ? order by id", [alert_id]))


def linked_articles(db: sqlite_utils.Database, article_ids: Sequence[str]) -> set[tuple[str, str]]:
    """(article id, ticker) of the reports these articles were linked as."""
    out: set[tuple[str, str]] = set()
    ids = list(article_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        cursor = db.execute(
            f"select article_id, ticker from reports where article_id in ({','.join('?' * len(chunk))})",
            chunk,
        )
        out.update((str(a), str(t)) for a, t in cursor.fetchall())
    return out


def enqueue_update(
    db: sqlite_utils.Database,
    report_id: int,
    alert_id: str,
    target: str,
    created: str,
    state: str = "pending",
    reason: str | None = None,
) -> bool:
    """Queue the update for one target unless one exists; returns whether one was added."""
    cursor = db.execute(
        "insert or ignore into report_deliveries (report_id, alert_id, target, state, attempts, created, "
        "last_error) values (?, ?, ?, ?, 0, ?, ?)",
        [report_id, alert_id, target, state, created, reason],
    )
    return cursor.rowcount > 0


def skip_orphaned(db: sqlite_utils.Database) -> int:
    """Updates whose story alert was skipped or failed in that target are skipped (nothing to reply to)."""
    cursor = db.execute(
        "update report_deliveries set state = 'skipped', last_error = 'the story alert was not posted here' "
        "where state in ('pending', 'retrying') and exists (select 1 from deliveries d where "
        "d.alert_id = report_deliveries.alert_id and d.target = report_deliveries.target "
        "and d.state in ('failed', 'skipped'))"
    )
    return cursor.rowcount


def skip_update(db: sqlite_utils.Database, row_id: int, reason: str) -> None:
    """Skip a story update still waiting to be sent (it cannot be posted), with the reason."""
    db.execute(
        "update report_deliveries set state = 'skipped', last_error = ? where id = ? "
        "and state in ('pending', 'retrying')",
        [reason, row_id],
    )


def due_updates(db: sqlite_utils.Database, now: str, limit: int = 100) -> list[dict[str, Any]]:
    """Updates ready to send: their story alert was posted in that target (its message_ref comes along)."""
    return _rows(
        db.execute(
            "select r.*, d.message_ref as parent_ref from report_deliveries r join deliveries d "
            "on d.alert_id = r.alert_id and d.target = r.target "
            "where (r.state = 'pending' or (r.state = 'retrying' and r.next_attempt <= ?)) "
            "and d.state = 'sent' order by r.id limit ?",
            [now, limit],
        )
    )


def updates_for(db: sqlite_utils.Database, report_id: int) -> list[dict[str, Any]]:
    return _rows(db.execute("select * from report_deliveries where report_id = ? order by id", [report_id]))


def counts_by_state(db: sqlite_utils.Database) -> dict[str, int]:
    cursor = db.execute("select state, count(*) from report_deliveries group by state order by state")
    return {r[0]: r[1] for r in cursor}
