"""Audit export round-trips (CSV and JSONL hold the same records); Datasette's canned queries run."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from bot.delivery.targets import parse_target
from bot.usecases import browse, export, service
from storage import history as hist
from tests.historykit import add_alert, ago

WEBHOOK = "discord:webhook:https://discord.com/api/webhooks/123/SECRETTOKEN"


@pytest.fixture
def audited(db):  # type: ignore[no-untyped-def]
    a = add_alert(
        db, created=ago(days=2), targets=("console", WEBHOOK), summary='Quotes "inside", commas, and\nlines.'
    )
    b = add_alert(
        db,
        ticker="BA",
        company="Boeing",
        topics=("whistleblower",),
        created=ago(days=1),
        targets=("slack:T/C",),
    )
    db.execute("update deliveries set sent = created, attempts = 1 where alert_id = ?", [a.id])
    service.review(
        db, service.Scope(parse_target("slack:T/C"), user="U7"), b.id, "false_positive", "not Boeing"
    )
    service.review(db, None, a.id, "reviewed", user="auditor")
    return a, b


def test_export_holds_what_an_auditor_needs(db, audited) -> None:
    a, b = audited
    records = list(export.export_records(db, hist.AlertFilter()))
    assert [r["id"] for r in records] == [a.id, b.id]  # oldest first
    ra, rb = records
    assert ra["rules"] == ["sanctions.rule0"] and ra["evidence"][0]["text"] == "breached sanctions"
    assert ra["evidence"][0]["sentence"] == a.summary and ra["link"] == a.link
    assert {d["target"] for d in ra["deliveries"]} == {"console", "discord:webhook:(hidden)"}
    assert all(d["sent"] and d["queued"] for d in ra["deliveries"])
    assert ra["reviews"] == [
        {"target": "*", "action": "reviewed", "user": "auditor", "at": ra["reviews"][0]["at"], "reason": None}
    ]
    assert rb["reviews"][0] | {"at": ""} == {
        "target": "slack:T/C",
        "action": "false_positive",
        "user": "U7",
        "at": "",
        "reason": "not Boeing",
    }
    assert rb["review_state"] == "false_positive"
    assert "SECRETTOKEN" not in json.dumps(records)


def test_csv_and_jsonl_round_trip_to_the_same_records(db, audited) -> None:
    records = list(export.export_records(db, hist.AlertFilter()))
    as_csv, as_jsonl = io.StringIO(), io.StringIO()
    assert export.write_csv(records, as_csv) == 2
    assert export.write_jsonl(records, as_jsonl) == 2
    from_jsonl = [json.loads(line) for line in as_jsonl.getvalue().splitlines()]
    assert export.read_csv(as_csv.getvalue()) == from_jsonl == records


def test_export_filters(db, audited) -> None:
    a, b = audited
    f = service.alert_filter(None, ticker="BA")
    assert [r["id"] for r in export.export_records(db, f)] == [b.id]
    f = service.alert_filter(service.Scope(parse_target("console")))
    assert [r["id"] for r in export.export_records(db, f)] == [a.id]


def test_canned_queries_run_against_a_real_database(db, audited, db_path: Path) -> None:
    meta = browse.metadata(db_path)
    queries = meta["databases"][db_path.stem]["queries"]
    assert {"alerts_by_ticker", "open_items", "false_positive_rate_by_rule"} <= set(queries)
    conn = sqlite3.connect(db_path)
    results = {}
    for name, q in queries.items():
        cursor = conn.execute(q["sql"], {"ticker": "amzn"})
        results[name] = [dict(zip([c[0] for c in cursor.description], r, strict=True)) for r in cursor]
    by_ticker = {r["ticker"]: r for r in results["alerts_by_ticker"]}
    assert by_ticker["AMZN"]["alerts"] == 1 and by_ticker["BA"]["open"] == 0
    assert results["open_items"] == []  # both reviewed or false positive
    rates = {r["rule"]: r["fp_percent"] for r in results["false_positive_rate_by_rule"]}
    assert rates == {"whistleblower.rule0": 100.0, "sanctions.rule0": 0.0}
    assert len(results["alerts_for_ticker"]) == 1 and len(results["review_log"]) == 2
    assert meta["databases"][db_path.stem]["tables"]["alerts"]["fts_table"] == "alerts_fts"
    fts = conn.execute("select rowid from alerts_fts where alerts_fts match 'Boeing'").fetchall()
    assert len(fts) == 1


def test_datasette_command_binds_loopback(tmp_path: Path) -> None:
    cmd = browse.datasette_command(tmp_path / "x.db", tmp_path / "m.json", 8123)
    assert cmd[1:4] == ["-m", "datasette", "serve"] and cmd[cmd.index("--host") + 1] == "127.0.0.1"
