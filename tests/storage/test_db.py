from __future__ import annotations

import sqlite3

import pytest

import storage.db as storage_db
from storage import deliveries, subscriptions
from storage.db import StorageError, open_db


def test_schema_and_wal(new_location) -> None:
    location = new_location()
    db = open_db(location)
    assert {"feeds", "articles", "alerts", "subscriptions", "deliveries"} <= set(db.table_names())
    if db.dialect == "sqlite":
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    applied = [r["name"] for r in db["_migrations"].rows]
    assert applied == storage_db._migration_modules()
    db.close()
    again = open_db(location)
    assert [r["name"] for r in again["_migrations"].rows] == applied
    again.close()


def test_both_back_ends_have_the_same_tables_columns_and_indexes(pg_url, tmp_path) -> None:
    lite, pg = open_db(tmp_path / "schema.db"), open_db(pg_url)
    # SQLite's search index is a set of tables; PostgreSQL's is an index on alerts
    assert sorted(t for t in lite.table_names() if not t.startswith("alerts_fts")) == pg.table_names()
    for table in pg.table_names():
        lite_columns = [r[1] for r in lite.execute(f"select * from pragma_table_xinfo('{table}')")]
        assert pg.columns_of(table) == lite_columns, table  # type: ignore[attr-defined]
        lite_pk = [
            r[1]
            for r in sorted(lite.execute(f"select * from pragma_table_info('{table}')"), key=lambda r: r[5])
            if r[5]
        ]
        assert pg.primary_key(table) == lite_pk, table  # type: ignore[attr-defined]
        lite_not_null = {r[1] for r in lite.execute(f"select * from pragma_table_info('{table}')") if r[3]}
        pg_not_null = {
            r[0]
            for r in pg.execute(
                "select column_name from information_schema.columns "
                "where table_name = ? and is_nullable = 'NO'",
                [table],
            )
        }
        assert pg_not_null - set(lite_pk) - {"rowid"} == lite_not_null - set(lite_pk), table
        lite_indexes = {tuple(i.columns) for i in lite.table(table).indexes if i.origin != "pk"}
        pg_indexes = {tuple(i.columns) for i in pg.table(table).indexes if i.origin != "pk"}
        # PostgreSQL's own additions: rowid's index, and the search index (an expression: no columns)
        assert lite_indexes == pg_indexes - {("rowid",), ()}, table
    lite.close()
    pg.close()


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
