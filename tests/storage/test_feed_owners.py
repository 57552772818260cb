"""Feed owners on a real SQLite file and a real PostgreSQL database: the migration that gives existing
feeds their owner, and what adding and removing owners does to the one polled list."""

from __future__ import annotations

import pytest

import storage.db as storage_db
from storage import feeds as feed_store
from storage.db import open_db

STAMP = "2026-01-01T00:00:00+00:00"
URL = "https://feeds.example.com/{}.xml"


def _owners(db) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {(r["url"], r["owner"], r["target"]) for r in db.table("feed_owners").rows}


def test_migration_gives_existing_feeds_their_owner(new_location, monkeypatch: pytest.MonkeyPatch) -> None:
    before = [n for n in storage_db._migration_modules() if n < "0050"]
    monkeypatch.setattr(storage_db, "_migration_modules", lambda: before)
    path = new_location()
    old = open_db(path)
    assert "feed_owners" not in old.table_names()
    slack, discord, operator = URL.format("slack"), URL.format("discord"), URL.format("operator")
    for url, target, by in (
        (slack, "slack:T1/C1", "U1"),
        (discord, "discord:G1/C9", "D1"),
        (operator, None, "cli"),
    ):
        old.table("feeds").insert(
            {"url": url, "added": STAMP, "added_by": by, "owner_target": target, "last_success": STAMP}
        )
    old.close()
    monkeypatch.undo()

    db = open_db(path)
    assert "0050_feed_owners" in {r["name"] for r in db.table("_migrations").rows}
    assert _owners(db) == {
        (slack, "slack:T1/", "slack:T1/C1"),
        (discord, "discord:G1/", "discord:G1/C9"),
        (operator, feed_store.OPERATOR, "console"),
    }
    assert {r["added_by"] for r in db.table("feed_owners").rows} == {"U1", "D1", "cli"}
    # the migrated owners behave like new ones: the workspace's removal drops its feed,
    # the operator's feed survives a workspace that never owned it
    assert feed_store.remove_owner(db, slack, "slack:T1/")
    assert feed_store.get(db, slack) is None
    assert not feed_store.remove_owner(db, operator, "slack:T1/")
    assert feed_store.get(db, operator) is not None and feed_store.get(db, discord) is not None
    db.close()


def test_a_shared_feed_leaves_the_list_with_its_last_owner(db) -> None:  # type: ignore[no-untyped-def]
    url = URL.format("shared")
    assert feed_store.add_owner(db, url, "slack:T1/", "slack:T1/C1", STAMP, added_by="U1")
    assert feed_store.add_owner(db, url, "discord:G1/", "discord:G1/C9", "2026-01-02T00:00:00+00:00")
    assert not feed_store.add_owner(db, url, "slack:T1/", "slack:T1/C2", STAMP)  # owned already
    assert db.table("feeds").count == 1
    feed_store.record_success(
        db, url, STAMP, status=200, etag="e1", last_modified=None, title="Shared", new_items=3
    )
    assert feed_store.notice_targets(db, url) == ["discord:G1/C9", "slack:T1/C1"]

    assert feed_store.remove_owner(db, url, "slack:T1/")
    assert not feed_store.remove_owner(db, url, "slack:T1/")
    row = feed_store.get(db, url)
    assert row is not None and row["etag"] == "e1" and row["items_seen"] == 3  # fetch state kept
    assert feed_store.owned_by(db, "slack:T1/") == []
    (mine,) = feed_store.owned_by(db, "discord:G1/")
    assert mine["url"] == url and mine["added"] == "2026-01-02T00:00:00+00:00"
    assert "owner_target" not in mine and mine["added_by"] is None  # not the first adder's

    assert feed_store.remove_owner(db, url, "discord:G1/")
    assert feed_store.get(db, url) is None and _owners(db) == set()


def test_the_operators_feeds_outlive_workspaces_until_the_operator_removes_them(db) -> None:  # type: ignore[no-untyped-def]
    first, later = URL.format("operator-first"), URL.format("workspace-first")
    assert feed_store.add(db, first, STAMP, added_by="cli")
    assert feed_store.add_owner(db, first, "slack:T1/", "slack:T1/C1", STAMP)  # joins the operator
    assert feed_store.add_owner(db, later, "slack:T1/", "slack:T1/C1", STAMP)
    assert not feed_store.add(db, later, STAMP, added_by="cli")  # already polled; the operator owns it now
    assert sorted(feed_store.notice_targets(db, later)) == ["console", "slack:T1/C1"]
    for url in (first, later):
        assert feed_store.remove_owner(db, url, "slack:T1/")
        assert feed_store.get(db, url) is not None
        assert feed_store.notice_targets(db, url) == ["console"]
    feed_store.add_owner(db, first, "slack:T1/", "slack:T1/C1", STAMP)
    assert feed_store.remove(db, first)  # the operator's removal ends every ownership
    assert feed_store.get(db, first) is None and {o[0] for o in _owners(db)} == {later}


def test_a_feed_nobody_owns_tells_the_console(db) -> None:  # type: ignore[no-untyped-def]
    url = URL.format("unowned")
    db.table("feeds").insert({"url": url, "added": STAMP})
    assert feed_store.notice_targets(db, url) == ["console"]
