"""The ESG commands from the command line: history filters, search, summary with its chart file,
review, rules stats, export, digests, backtest and browse. In-process through bot.cli.main.main, plus
one real subprocess."""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from bot.cli.main import main
from bot.usecases import digest
from tests.bot.test_cli import run

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = run("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def cli(demo_db: Path, tmp_path: Path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    db = tmp_path / "copy.db"
    db.write_bytes(demo_db.read_bytes())
    for var in [
        v for v in list(__import__("os").environ) if v.startswith(("RISKWIRE_", "SLACK_", "DISCORD_"))
    ]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("RISKWIRE_DB", str(db))
    monkeypatch.chdir(tmp_path)

    def call(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def test_history_filters_search_and_review(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("history", "--topic", "sanctions", "--format", "jsonl", "--limit", "50")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and all("sanctions" in r["topics"] for r in rows)
    code, out, _ = cli("search", '"facial recognition"', "--format", "jsonl")
    found = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and {r["ticker"] for r in found} >= {"AMZN", "META"}
    code, out, err = cli("search", 'NEAR("x', "OR", ")")
    assert code == 0 and "Traceback" not in err
    amzn = next(r for r in found if r["ticker"] == "AMZN")
    code, out, _ = cli("review", amzn["id"], "false-positive", "--reason", "test", "--by", "ann")
    assert code == 0 and "false positive" in out and "by ann" in out
    code, out, _ = cli("history", "AMZN", "--reviewed", "--format", "jsonl")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [amzn["id"]]
    code, out, _ = cli("rules", "stats", "--format", "jsonl")
    stats = {r["rule"]: r for r in map(json.loads, out.splitlines())}
    assert stats["sanctions.breach"]["false_positives"] == 1 and stats["sanctions.breach"]["fired"] >= 1
    code, _, err = cli("review", "nope", "reviewed")
    assert code == 2 and "No such alert" in err
    code, _, err = cli("history", "--severity", "extreme")
    assert code == 2 and "Severity must be one of" in err


def test_export_csv_round_trips_and_filters(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bot.usecases.export import read_csv

    code, out, err = cli("export", "--format", "csv", "AMZN")
    assert code == 0 and "exported 1 alerts" in err
    (record,) = read_csv(out)
    assert record["ticker"] == "AMZN" and record["rules"] and record["deliveries"][0]["target"] == "console"
    code, out, _ = cli("export", "--format", "jsonl", "AMZN")
    assert json.loads(out) == record
    code, _, err = cli("export", "--format", "jsonl", "--output", str(tmp_path / "all.jsonl"))
    assert code == 0 and len((tmp_path / "all.jsonl").read_text().splitlines()) >= 10


def test_digest_commands(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("digest", "daily", "08:00", "Europe/London", "--to", "console")
    assert code == 0 and out.startswith("Digest daily at 08:00 Europe/London; next one")
    code, out, _ = cli("digest", "list")
    assert "console" in out and "Europe/London" in out
    code, out, _ = cli("digest", "preview", "--to", "console")
    assert code == 0 and "Riskwire daily digest" in out and "AMZN" in out
    code, _, err = cli("digest", "run")
    assert code == 0 and "digests:" in err
    code, _, err = cli("digest", "daily", "08:00", "Nowhere/Land", "--to", "console")
    assert code == 2 and "Unknown time zone" in err
    code, out, _ = cli("digest", "off", "--to", "console")
    assert out.strip() == "Digest stopped."


def test_backtest_and_browse(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("backtest")
    assert code == 0 and "No differences" in out
    code, _, err = cli("backtest", "--rules", str(tmp_path / "missing"))
    assert code == 2 and "missing" in err
    meta = tmp_path / "meta.json"
    code, out, _ = cli("browse", "--metadata-only", "--metadata", str(meta))
    assert code == 0 and out.strip() == str(meta) and "open_items" in meta.read_text()
    monkeypatch.setitem(sys.modules, "datasette", None)  # as if the extra were not installed
    monkeypatch.setattr("bot.usecases.browse.datasette_installed", lambda: False)
    code, _, err = cli("browse")
    assert code == 2 and "pip install 'riskwire[browse]'" in err


def test_summary_writes_the_chart_file(demo_db: Path, tmp_path: Path) -> None:
    result = run(
        "summary", "AMZN", "--days", "3650", "--chart", str(tmp_path / "c.png"), db=demo_db, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "AMZN (Amazon.com, Inc.)" in result.stdout and "top stories" in result.stdout
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    quiet = run("summary", "AAPL", "--days", "1", db=demo_db, cwd=tmp_path)
    assert "no alerts in this window" in quiet.stdout and not list(tmp_path.glob("riskwire-AAPL*"))


def test_digest_run_says_what_became_of_an_interrupted_send(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, _ = cli("digest", "daily", "08:00", "UTC", "--to", "console")
    assert code == 0
    now = datetime.now(UTC).replace(microsecond=0)
    slot = now.replace(hour=8, minute=0, second=0) - timedelta(days=0 if now.hour >= 8 else 1)
    db = sqlite_utils.Database(os.environ["RISKWIRE_DB"])
    db.execute(
        "update digests set next_slot = ?, window_start = ?, retry_at = ? where target = 'console'",
        [slot.isoformat(), (now - timedelta(days=30)).isoformat(), (slot + digest.LEASE).isoformat()],
    )
    db.table("digest_runs").insert(
        {
            "target": "console",
            "slot": slot.isoformat(),
            "window_end": slot.isoformat(),
            "state": "sending",
            "at": slot.isoformat(),
            "attempt_id": f"{socket.gethostname()}:999999999:deadbeef:0123456789ab",  # killed with -9
            "sending_since": slot.isoformat(),
        }
    )
    db.close()
    code, _, err = cli("digest", "run")
    assert code == 0 and "1 sent again after an interrupted send" in err, err
