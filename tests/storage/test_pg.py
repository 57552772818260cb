"""PostgreSQL specifics: the SQL translation, migrations run once by processes starting together, the
connection errors, and the search query as a tsquery."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.usecases.fts_query import to_fts_query
from storage import faults
from storage.db import StorageError, open_db, shown
from storage.pg import hide_password, translate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("select * from t where a = ? and b = ?", "select * from t where a = %s and b = %s"),
        ("select '?', 'it''s 5%' from t where x like ?", "select '?', 'it''s 5%%' from t where x like %s"),
        ("select 10 % 3", "select 10 %% 3"),
        (
            "select exists(select 1 from t where x like :p)",
            "select exists(select 1 from t where x like %(p)s)",
        ),
        ("select a::jsonb, '12:30' from t", "select a::jsonb, '12:30' from t"),
        (
            "update t set [user] = ?, [at] = ? where id = ?",
            'update t set "user" = %s, "at" = %s where id = %s',
        ),
        (
            "update d set r = ? where s = ? and r is ?",
            "update d set r = %s where s = %s and r is not distinct from %s",
        ),
        ("select 1 where r is not ?", "select 1 where r is distinct from %s"),
        (
            "insert or ignore into t (a, b) values (?, ?)",
            "insert into t (a, b) values (%s, %s) on conflict do nothing",
        ),
        ("select instr(a.topics, ?) > 0", "select strpos(a.topics, %s) > 0"),
        ('select user, s.user, "user" from reviews s', 'select "user", s."user", "user" from reviews s'),
        ("select current_user, username from x", "select current_user, username from x"),
    ],
)
def test_translate(sqlite: str, postgres: str) -> None:
    assert translate(sqlite) == postgres


def test_a_password_never_shows() -> None:
    url = "postgresql://riskwire:s3cret@db.example.com:5432/riskwire"
    assert hide_password(url) == "postgresql://riskwire:***@db.example.com:5432/riskwire"
    assert shown(url) == hide_password(url)
    assert shown("/var/lib/riskwire.db") == "/var/lib/riskwire.db"


def test_a_server_that_does_not_answer_is_a_storage_error_without_the_password() -> None:
    with pytest.raises(StorageError) as caught:
        open_db("postgresql://riskwire:s3cret@127.0.0.1:9/riskwire", busy_timeout=1)
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1:9/riskwire" in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    assert faults.storage_fault(caught.value.__cause__)


def test_threads_opening_a_new_database_together_migrate_it_once(new_pg_url) -> None:
    url = new_pg_url()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def open_one() -> None:
        try:
            start.wait()
            open_db(url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_db(url)
    names = [r["name"] for r in db.table("_migrations").rows]
    assert len(names) == len(set(names)) and "0001_initial" in names
    db.close()


def test_processes_opening_a_new_database_together_migrate_it_once(new_pg_url) -> None:
    url = new_pg_url()
    code = (
        "import sys; from storage.db import open_db, migrate; db = open_db(sys.argv[1]); print(migrate(db))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0] * 6
    assert outputs == ["[]"] * 6  # each found the schema current once its own open_db returned
    db = open_db(url)
    names = [r["name"] for r in db.table("_migrations").rows]
    assert len(names) == len(set(names))
    db.close()


def test_inserts_hand_back_ids_and_errors_are_sqlites_classes(db_location) -> None:
    db = open_db(db_location)
    cursor = db.execute(
        "insert into notices (target, kind, subject, text, state, attempts, created) "
        "values ('console', 'k', 's', 't', 'pending', 0, '2026-01-01T00:00:00+00:00')"
    )
    assert cursor.lastrowid and cursor.rowcount == 1
    again = db.execute(
        "insert into notices (target, kind, subject, text, state, attempts, created) "
        "values ('console', 'k', 's', 't', 'pending', 0, '2026-01-01T00:00:00+00:00')"
    )
    assert again.lastrowid == cursor.lastrowid + 1
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("insert into notices (target) values ('console')")
    with pytest.raises(sqlite3.IntegrityError), db.atomic():
        db.execute("delete from notices")
        db.execute("insert into notices (target) values ('console')")
    assert db.table("notices").count == 2  # the failed transaction left nothing behind
    assert db.execute("select exists(select 1 from notices)").fetchone()[0] == 1
    assert db.execute("select sum(attempts), count(*) from notices").fetchone() == (0, 2)
    db.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sanctions", {"sanctions", "both"}),
        ("SANCTIONED", {"sanctions", "both"}),  # stemmed
        ('"export controls"', {"export"}),
        ('"controls export"', set()),
        ("sanction*", {"sanctions", "both"}),
        ("sanctions OR bribes", {"sanctions", "bribes", "both"}),
        ("sanctions bribes", {"both"}),
        ("the", {"sanctions", "bribes", "both", "export"}),  # no stop words
        ("export contr*", {"export"}),
        ('"export contr"*', set()),  # a phrase: the star after it is punctuation
        ("AND OR NOT", {"both"}),  # words ("and" OR "not"), not operators
    ],
)
def test_search_queries_find_the_same_alerts(db, text: str, expected: set[str]) -> None:
    from storage import history as hist
    from tests.historykit import add_alert

    stories = {
        "sanctions": ("The company breached sanctions, the report says.", "breached sanctions"),
        "bribes": ("The manager paid bribes, the report says.", "bribes"),
        "both": ("Sanctions and bribes, the report says.", "bribes"),
        "export": ("New export controls hit the firm.", "export controls"),
    }
    made = {
        name: add_alert(db, title=f"Story {n}", summary=summary, terms=(term,), topics=("fraud",))
        for n, (name, (summary, term)) in enumerate(stories.items())
    }
    found = {r["id"] for r in hist.search(db, to_fts_query(text), hist.AlertFilter(), limit=50)}
    assert found == {made[name].id for name in expected}


@pytest.mark.parametrize(
    ("fts_query", "expected"),
    [
        ('"sanctions" NOT "bribes"', {"sanctions"}),
        ('("sanctions" OR "export") AND "report"', {"sanctions", "both"}),
        ('"bribes" "report" NOT "sanctions"', {"bribes"}),
        ('"export controls" OR "paid bribes"', {"export", "bribes"}),
    ],
)
def test_fts5_operators_mean_the_same_on_both(db, fts_query: str, expected: set[str]) -> None:
    """Queries in FTS5's own syntax (what storage.history.search takes) beyond what the search box
    writes: NOT and brackets too."""
    from storage import history as hist
    from tests.historykit import add_alert

    stories = {
        "sanctions": "The company breached sanctions, the report says.",
        "bribes": "The manager paid bribes, the report says.",
        "both": "Sanctions and bribes, the report says.",
        "export": "New export controls hit the firm.",
    }
    made = {
        name: add_alert(db, title=f"Story {n}", summary=text, terms=(), topics=("fraud",))
        for n, (name, text) in enumerate(stories.items())
    }
    found = {r["id"] for r in hist.search(db, fts_query, hist.AlertFilter(), limit=50)}
    assert found == {made[name].id for name in expected}


def test_a_write_waits_at_most_the_busy_timeout_for_a_lock_then_is_a_storage_fault(pg_url) -> None:
    holder, waiter = open_db(pg_url), open_db(pg_url, busy_timeout=0.3)
    holder.table("feeds").insert({"url": "https://a.example.com/feed", "added": "2026-01-01"})
    try:
        with holder.atomic():
            holder.execute("update feeds set paused = 1")
            with pytest.raises(sqlite3.OperationalError) as caught:
                waiter.execute("update feeds set paused = 0")
        assert "lock timeout" in str(faults.storage_fault(caught.value))
        waiter.execute("update feeds set paused = 0")  # the connection works on once the lock is gone
    finally:
        holder.close()
        waiter.close()
