"""Retention: forget what is older than `retention_days`, never anything still on its way out.

Pruned: alerts created before the cutoff whose deliveries and story updates are all final (sent,
failed, skipped), with their deliveries, linked reports, updates and reviews; articles fetched before
the cutoff that no remaining alert or report refers to; final notices. A row that another table still
refers to (through a foreign key this module does not know) is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from storage import retention as store

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class PruneReport:
    alerts: int = 0
    articles: int = 0
    notices: int = 0
    kept: int = 0  # old alerts kept because something else still refers to them


def prune(db: sqlite_utils.Database, retention_days: int, now: datetime) -> PruneReport:
    """Delete what is older than `retention_days` (0 keeps everything); see the module docstring."""
    report = PruneReport()
    if retention_days <= 0:
        return report
    cutoff = (now - timedelta(days=retention_days)).isoformat(timespec="seconds")
    skip: set[str] = set()
    while True:
        ids = [i for i in store.prunable_alerts(db, cutoff, BATCH + len(skip)) if i not in skip]
        if not ids:
            break
        try:
            with db.atomic():
                store.delete_alerts(db, ids)
            report.alerts += len(ids)
        except store.StillReferenced:
            for alert_id in ids:  # one by one, keeping those something else refers to
                try:
                    with db.atomic():
                        store.delete_alerts(db, [alert_id])
                    report.alerts += 1
                except store.StillReferenced:
                    skip.add(alert_id)
                    report.kept += 1
    try:
        with db.atomic():
            report.articles = store.delete_unreferenced_articles(db, cutoff)
    except store.StillReferenced as exc:
        log.warning("old articles kept: %s", exc)
    report.notices = store.delete_final_notices(db, cutoff)
    return report
