from __future__ import annotations

import sqlite3

import pytest

from storage import deliveries, subscriptions
from storage.db import StorageError, open_db


def test_schema_and_wal(db_path) -> None:
    db = open_db(db_path)
    assert {"feeds", "articles", "alerts", "subscriptions", "deliveries"} <= set(db.table_names())
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    applied = [r["name"] for r in db["_migrations"].rows]
    db.close()
    again = open_db(db_path)
    assert [r["name"] for r in again["_migrations"].rows] == applied


def test_folder_is_refused(tmp_path) -> None:
    with pytest.raises(StorageError):
        open_db(tmp_path)


def test_not_a_database(tmp_path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError):
        open_db(bad)


def test_enqueue_is_idempotent(db) -> None:
    db["articles"].insert({"id": "a1", "title": "t", "fetched": "2026-01-01"})
    db["alerts"].insert({"id": "x1", "article_id": "a1", "ticker": "AMZN", "created": "2026-01-01"})
    assert deliveries.enqueue(db, "x1", "console", None, "2026-01-01")
    assert not deliveries.enqueue(db, "x1", "console", None, "2026-01-01")
    assert len(deliveries.for_alert(db, "x1")) == 1


def test_subscriptions_are_scoped(db) -> None:
    subscriptions.add(
        db, target="slack:T1/C1", platform="slack", workspace="T1", channel="C1", ticker="amzn", created="now"
    )
    assert [s["ticker"] for s in subscriptions.for_target(db, "slack:T1/C1")] == ["AMZN"]
    assert subscriptions.for_target(db, "slack:T2/C1") == []
    assert not subscriptions.remove(db, "slack:T2/C1", "AMZN")
    with pytest.raises(sqlite3.IntegrityError):
        db["subscriptions"].insert({"target": "slack:T1/C1", "ticker": "AMZN", "created": "now"})
