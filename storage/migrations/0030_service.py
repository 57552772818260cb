"""The always-on service: crash-safe sends, linked reports (one alert per story), notices, feed pauses.

- deliveries gain `attempt_id` and `sending_since`: a send is marked `sending` in its own committed
  transaction before the network call, so a restart knows which sends may or may not have happened.
- reports: later copies of a story (another outlet, another feed) linked to the story's alert.
- report_deliveries: the outbox for "also reported by ..." updates, one per (report, target).
- notices: the outbox for one-off messages to a feed's owner (feed paused, feed recovered).
- feeds gain `paused_reason` and `paused_at`.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    deliveries = db.table("deliveries")
    deliveries.add_column("attempt_id", str)
    deliveries.add_column("sending_since", str)

    feeds = db.table("feeds")
    feeds.add_column("paused_reason", str)
    feeds.add_column("paused_at", str)

    db.table("reports").create(
        {
            "id": int,
            "alert_id": str,  # the story's alert
            "article_id": str,
            "ticker": str,
            "source": str,
            "title": str,
            "summary": str,
            "link": str,
            "published": str,
            "similarity": float,
            "created": str,
        },
        pk="id",
        foreign_keys=[("alert_id", "alerts", "id"), ("article_id", "articles", "id")],
        not_null={"alert_id", "article_id", "created"},
    )
    db.table("reports").create_index(["alert_id", "article_id"], unique=True)
    db.table("reports").create_index(["created"])

    db.table("report_deliveries").create(
        {
            "id": int,
            "report_id": int,
            "alert_id": str,
            "target": str,
            "state": str,
            "attempts": int,
            "next_attempt": str,
            "last_error": str,
            "created": str,
            "sent": str,
            "message_ref": str,
            "attempt_id": str,
            "sending_since": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id"), ("alert_id", "alerts", "id")],
        not_null={"report_id", "alert_id", "target", "state", "created"},
        defaults={"attempts": 0, "state": "pending"},
    )
    db.table("report_deliveries").create_index(["report_id", "target"], unique=True)
    db.table("report_deliveries").create_index(["state", "next_attempt"])

    db.table("notices").create(
        {
            "id": int,
            "target": str,
            "kind": str,
            "subject": str,
            "text": str,
            "state": str,
            "attempts": int,
            "next_attempt": str,
            "last_error": str,
            "created": str,
            "sent": str,
        },
        pk="id",
        not_null={"target", "text", "state", "created"},
        defaults={"attempts": 0, "state": "pending"},
    )
    db.table("notices").create_index(["state"])
