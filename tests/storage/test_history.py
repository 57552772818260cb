"""The history store on a real SQLite file and a real PostgreSQL database: search kept in step (FTS5
triggers; an expression index), migration of existing data,
scoped reads by both plans, batching, rule statistics, lossless evidence packing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.usecases.fts_query import to_fts_query
from storage import alerts as alert_store
from storage import history as hist
from storage import reviews
from storage.db import migrate, open_db
from tests.historykit import add_alert, ago


def _fts_ids(db, text: str) -> set[str]:
    return {r["id"] for r in hist.search(db, to_fts_query(text), hist.AlertFilter(), limit=100)}


def test_fts_follows_insert_update_delete(db) -> None:
    a = add_alert(db, summary="Regulators opened a probe into export controls.", terms=("export controls",))
    assert _fts_ids(db, '"export controls"') == {a.id}
    db.execute("update alerts set summary = 'Now about forced labour instead.' where id = ?", [a.id])
    assert _fts_ids(db, '"forced labour"') == {a.id}
    assert _fts_ids(db, "probe") == set()
    assert _fts_ids(db, '"export controls"') == {a.id}  # still among the evidence terms
    db.execute("update alerts set story_id = 'x' where id = ?", [a.id])  # not an indexed column
    db.execute("delete from deliveries where alert_id = ?", [a.id])
    db.execute("delete from alerts where id = ?", [a.id])
    assert _fts_ids(db, '"forced labour"') == set()
    if db.dialect == "sqlite":
        db.execute("insert into alerts_fts(alerts_fts, rank) values ('integrity-check', 1)")


def test_migration_indexes_and_reviews_existing_rows(new_location, monkeypatch) -> None:
    import storage.db as storage_db

    fresh = open_db(new_location())
    monkeypatch.setattr(storage_db, "_migration_modules", lambda: ["0001_initial"])
    old = open_db(new_location())
    a = add_alert(fresh, summary="Older alert about bribes paid.", terms=("bribes",))
    row = alert_store.encode(a.to_row())
    del row["terms"]  # the column this migration adds
    old.table("articles").insert(next(iter(fresh.table("articles").rows)))
    old.table("alerts").insert(row)
    alert_id = a.id
    old.table("reviews").insert(
        {"alert_id": alert_id, "target": "console", "action": "false_positive", "user": "ann", "at": ago()}
    )
    monkeypatch.undo()
    applied = migrate(old)
    assert "0040_history_search" in applied
    row = old.execute("select terms from alerts").fetchone()
    assert row[0] == "bribes"
    assert _fts_ids(old, "bribes") == {alert_id}
    states = {(r["target"], r["action"]) for r in old.table("review_state").rows}
    assert states == {("console", "false_positive"), ("*", "false_positive")}


def test_review_state_is_latest_per_target_and_overall(db) -> None:
    a = add_alert(db, targets=("console", "slack:T/C"))
    reviews.add(db, alert_id=a.id, target="console", action="reviewed", user="ann", at=ago(hours=3))
    reviews.add(db, alert_id=a.id, target="slack:T/C", action="false_positive", user="bob", at=ago(hours=2))
    reviews.add(db, alert_id=a.id, target="console", action="reopened", user="ann", at=ago(hours=1))
    state = {r["target"]: (r["action"], r["user"]) for r in db.table("review_state").rows}
    assert state == {
        "console": ("reopened", "ann"),
        "slack:T/C": ("false_positive", "bob"),
        "*": ("reopened", "ann"),
    }
    f = hist.AlertFilter(reviewed=False)
    assert [r["id"] for r in hist.select_alerts(db, f)] == [a.id]
    assert hist.select_alerts(db, hist.AlertFilter(reviewed=False, target="slack:T/C")) == []


@pytest.mark.parametrize("sparse_max", [0, 10_000])
def test_scoped_reads_agree_in_both_plans(db, monkeypatch, sparse_max: int) -> None:
    monkeypatch.setattr(hist, "SPARSE_MAX", sparse_max)
    mine = [add_alert(db, created=ago(days=i), targets=("slack:T/C1",)) for i in range(5)]
    add_alert(db, created=ago(hours=1), targets=("slack:T/C2",))
    skipped = add_alert(db, created=ago(hours=2), targets=("slack:T/C1",), state="skipped")
    f = hist.AlertFilter(target="slack:T/C1")
    ids = [r["id"] for r in hist.select_alerts(db, f, limit=3, offset=1)]
    expected = [a.id for a in sorted([*mine, skipped], key=lambda a: a.created, reverse=True)][1:4]
    assert ids == expected
    assert hist.count(db, f) == 6
    assert hist.count(db, hist.AlertFilter(target="slack:T/C1", posted_only=True)) == 5
    found = hist.search(db, to_fts_query("sanctions"), f, limit=50)
    assert {r["id"] for r in found} == {a.id for a in [*mine, skipped]}


def test_iter_alerts_reads_every_row_in_batches(db) -> None:
    made = [add_alert(db, created=ago(hours=i % 3)) for i in range(23)]
    got = [r["id"] for r in hist.iter_alerts(db, hist.AlertFilter(), batch=5)]
    assert sorted(got) == sorted(a.id for a in made) and len(got) == len(set(got))


def test_counts_by_topic_severity_and_week(db) -> None:
    add_alert(db, topics=("sanctions", "fraud"), severity="high", created="2026-11-23T10:00:00+00:00")
    add_alert(db, topics=("sanctions",), severity="low", created="2026-11-22T23:59:59+00:00")
    add_alert(db, topics=("fraud",), severity="high", created="2026-11-16T00:00:00+00:00")
    f = hist.AlertFilter(ticker="AMZN")
    assert hist.counts_by_topic(db, f) == {"fraud": 2, "sanctions": 2}
    assert hist.counts_by_severity(db, f) == {"high": 2, "low": 1}
    assert hist.daily_by_severity(db, f) == [
        ("2026-11-16", "high", 1),
        ("2026-11-22", "low", 1),
        ("2026-11-23", "high", 1),
    ]
    assert hist.by_ticker_and_topic(db, f) == [("AMZN", "fraud", 2), ("AMZN", "sanctions", 2)]


def test_counts_by_ticker_for_a_list_of_tickers(db) -> None:
    add_alert(db, severity="high", created=ago(hours=1))
    first = add_alert(db, ticker="BA", company="Boeing", severity="critical", created=ago(hours=2))
    add_alert(db, ticker="BA", company="Boeing", severity="critical", created=ago(hours=1), story_id=first.id)
    add_alert(db, ticker="TSLA", company="Tesla", created=ago(hours=1))  # not asked for
    f = hist.AlertFilter(tickers=("amzn", "BA"))
    assert hist.counts_by_ticker(db, f) == {"AMZN": 1, "BA": 2}
    assert hist.by_ticker_and_severity(db, f) == [("AMZN", "high", 1, 0), ("BA", "critical", 2, 1)]


def test_rule_stats_counts_alerts_and_false_positives(db) -> None:
    a = add_alert(db, topics=("sanctions",), terms=("breached sanctions", "OFAC"))
    add_alert(db, topics=("sanctions",), terms=("breached sanctions",))
    reviews.add(db, alert_id=a.id, target="console", action="false_positive", user="x", at=ago())
    stats = {rule: (fired, fp) for rule, fired, fp in hist.rule_stats(db)}
    assert stats == {"sanctions.rule0": (2, 1), "sanctions.rule1": (1, 1)}


def test_evidence_packing_is_lossless(db) -> None:
    a = add_alert(db, terms=("x", "y"))
    stored = db.execute("select evidence, company_evidence from alerts where id = ?", [a.id]).fetchone()
    assert '"field"' not in stored[0] and '"sentence"' not in stored[1]  # defaults and headline left out
    row = alert_store.get_alert(db, a.id)
    assert row is not None
    assert row["evidence"] == [e.to_dict() for e in a.evidence]
    assert row["company_evidence"] == [e.to_dict() for e in a.company_evidence]
    assert json.loads(stored[0])[0]["rule"] == "sanctions.rule0"


def test_bad_fts_syntax_is_an_operational_error(db) -> None:
    with pytest.raises(sqlite3.OperationalError):
        hist.search(db, 'AND "', hist.AlertFilter())
