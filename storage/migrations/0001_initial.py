"""The first schema: feeds, articles, alerts, subscriptions, deliveries, reviews, mutes."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("feeds").create(
        {
            "url": str,
            "title": str,
            "added": str,
            "added_by": str,
            "owner_target": str,
            "poll_seconds": int,
            "etag": str,
            "last_modified": str,
            "last_fetch": str,
            "last_success": str,
            "last_error": str,
            "last_status": int,
            "consecutive_failures": int,
            "next_poll": str,
            "paused": int,
            "items_seen": int,
        },
        pk="url",
        defaults={"consecutive_failures": 0, "paused": 0, "items_seen": 0},
        not_null={"added"},
    )
    db.table("articles").create(
        {
            "id": str,
            "link": str,
            "title": str,
            "summary": str,
            "content": str,
            "published": str,
            "source": str,
            "feed_url": str,
            "guid": str,
            "fetched": str,
        },
        pk="id",
        not_null={"title", "fetched"},
    )
    db.table("articles").create_index(["fetched"])
    db.table("alerts").create(
        {
            "id": str,
            "article_id": str,
            "ticker": str,
            "company": str,
            "topics": str,
            "severity": str,
            "stage": str,
            "denied": int,
            "title": str,
            "link": str,
            "source": str,
            "published": str,
            "summary": str,
            "evidence": str,
            "company_evidence": str,
            "created": str,
            "story_id": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"ticker", "created"},
        defaults={"denied": 0},
    )
    db.table("alerts").create_index(["ticker", "created"])
    db.table("alerts").create_index(["created"])
    db.table("subscriptions").create(
        {
            "id": int,
            "target": str,
            "platform": str,
            "workspace": str,
            "channel": str,
            "ticker": str,
            "names": str,
            "topics": str,
            "min_severity": str,
            "created": str,
            "created_by": str,
            "status": str,
            "broken_reason": str,
        },
        pk="id",
        not_null={"target", "ticker", "created"},
        defaults={"status": "active", "min_severity": "low"},
    )
    db.table("subscriptions").create_index(["target", "ticker"], unique=True)
    db.table("subscriptions").create_index(["ticker"])
    db.table("deliveries").create(
        {
            "id": int,
            "alert_id": str,
            "target": str,
            "subscription_id": int,
            "state": str,
            "attempts": int,
            "next_attempt": str,
            "last_error": str,
            "created": str,
            "sent": str,
            "message_ref": str,
        },
        pk="id",
        foreign_keys=[("alert_id", "alerts", "id")],
        not_null={"alert_id", "target", "state", "created"},
        defaults={"attempts": 0, "state": "pending"},
    )
    db.table("deliveries").create_index(["alert_id", "target"], unique=True)
    db.table("deliveries").create_index(["state", "next_attempt"])
    db.table("reviews").create(
        {"id": int, "alert_id": str, "target": str, "action": str, "user": str, "reason": str, "at": str},
        pk="id",
        foreign_keys=[("alert_id", "alerts", "id")],
        not_null={"alert_id", "action", "at"},
    )
    db.table("reviews").create_index(["alert_id"])
    db.table("mutes").create({"target": str, "ticker": str, "until": str, "by": str}, pk=("target", "ticker"))


def up_postgres(db: sqlite_utils.Database) -> None:
    """The same tables; articles and alerts also get `rowid`, numbering rows in the order they were
    stored, where SQLite code reads its implicit rowid (replays, search order)."""
    up(db)
    for table in ("articles", "alerts"):
        db.execute(f"alter table {table} add column rowid bigint generated always as identity")
        db.execute(f"create unique index {table}_rowid on {table} (rowid)")
