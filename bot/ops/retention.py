"""Retention: forget what is older than `retention_days`, never anything still on its way out.

Pruned: alerts created before the cutoff whose deliveries and story updates are all final (sent,
failed, skipped), with their deliveries, linked reports, updates and reviews; articles fetched before
the cutoff that no remaining alert or report refers to; final notices. A row that another table still
refers to (through a foreign key this module does not know) is kept.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

log = logging.getLogger(__name__)

BATCH = 500
_UNFINISHED = "('pending', 'sending', 'retrying')"


@dataclass
class PruneReport:
    alerts: int = 0
    articles: int = 0
    notices: int = 0
    kept: int = 0  # old alerts kept because something else still refers to them


def _delete_alerts(db: sqlite_utils.Database, ids: list[str]) -> None:
    marks = ",".join("?" * len(ids))
    for sql in (
        f"delete from report_deliveries where alert_id in ({marks})",
        f"delete from reports where alert_id in ({marks})",
        f"delete from deliveries where alert_id in ({marks})",
        f"delete from reviews where alert_id in ({marks})",
        f"delete from alerts where id in ({marks})",
    ):
        db.execute(sql, ids)


def prune(db: sqlite_utils.Database, retention_days: int, now: datetime) -> PruneReport:
    """Delete what is older than `retention_days` (0 keeps everything); see the module docstring."""
    report = PruneReport()
    if retention_days <= 0:
        return report
    cutoff = (now - timedelta(days=retention_days)).isoformat(timespec="seconds")
    skip: set[str] = set()
    while True:
        # an alert's story happened no later than it was fetched, so `happened < cutoff` adds nothing
        # to `created < cutoff` but lets the read walk the happened index
        rows = db.execute(
            "select id from alerts where happened < ? and created < ? and not exists (select 1 from "
            f"deliveries d where d.alert_id = alerts.id and d.state in {_UNFINISHED}) and not exists "
            f"(select 1 from report_deliveries r where r.alert_id = alerts.id and r.state in {_UNFINISHED}) "
            "order by happened limit ?",
            [cutoff, cutoff, BATCH + len(skip)],
        ).fetchall()
        ids = [r[0] for r in rows if r[0] not in skip]
        if not ids:
            break
        try:
            with db.atomic():
                _delete_alerts(db, ids)
            report.alerts += len(ids)
        except sqlite3.IntegrityError:
            for alert_id in ids:  # one by one, keeping those something else refers to
                try:
                    with db.atomic():
                        _delete_alerts(db, [alert_id])
                    report.alerts += 1
                except sqlite3.IntegrityError:
                    skip.add(alert_id)
                    report.kept += 1
    try:
        with db.atomic():
            cursor = db.execute(
                "delete from articles where fetched < ? and not exists (select 1 from alerts a where "
                "a.article_id = articles.id) and not exists (select 1 from reports r where "
                "r.article_id = articles.id)",
                [cutoff],
            )
            report.articles = cursor.rowcount
    except sqlite3.IntegrityError as exc:
        log.warning("old articles kept: %s", exc)
    cursor = db.execute("delete from notices where created < ? and state in ('sent', 'failed')", [cutoff])
    report.notices = cursor.rowcount
    return report
