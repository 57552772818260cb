"""The command line as a user runs it: a real subprocess, real files, a local feed server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clock import ago
from tests.feedkit import Item, recent_pub, rss, seed_item

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, db: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    env["RISKWIRE_ALLOW_PRIVATE_FEEDS"] = "1"
    if db:
        env["RISKWIRE_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=120,
    )


@pytest.fixture
def seed_feed(tmp_path: Path) -> Path:
    path = tmp_path / "seed.xml"
    path.write_text(
        rss(
            [
                seed_item(),
                Item(
                    "Shell lifts LNG outlook", "https://n.example.com/shell", "Shell plc raised its outlook."
                ),
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_scan_jsonl_contract(seed_feed: Path) -> None:
    result = run("scan", str(seed_feed), "--watch", "AMZN,SHEL", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_ticker = {(r["link"], r["ticker"]): r for r in rows}
    amzn = by_ticker[("https://news.example.com/amazon-sanctions", "AMZN")]
    assert {"sanctions", "whistleblower", "surveillance"} <= set(amzn["topics"])
    for key in (
        "link",
        "title",
        "published",
        "source",
        "ticker",
        "topics",
        "severity",
        "summary",
        "evidence",
    ):
        assert key in amzn
    assert amzn["evidence"] and amzn["summary"]
    assert ("https://news.example.com/amazon-sanctions", "SHEL") not in by_ticker
    shell = by_ticker[("https://n.example.com/shell", "SHEL")]
    assert shell["topics"] == []


def test_scan_with_watchlist_file(seed_feed: Path, tmp_path: Path) -> None:
    wl = tmp_path / "w.toml"
    wl.write_text('[[watch]]\nticker = "AMZN"\n[[watch]]\nticker = "ACME"\nnames = ["Acme Widgets"]\n')
    result = run("scan", str(seed_feed), "--watchlist", str(wl), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert {json.loads(x)["ticker"] for x in result.stdout.splitlines()} == {"AMZN"}


@pytest.mark.parametrize(
    "args,message",
    [
        (["--watch", "NOPEQ"], "unknown ticker NOPEQ"),
        ([], "say what to watch"),
        (["--watch", "AMZN,<script>"], "not a ticker"),
        (["--watch", "DROP TABLE"], "unknown ticker DROP"),
    ],
)
def test_scan_bad_input_is_one_clear_line(seed_feed: Path, args: list[str], message: str) -> None:
    result = run("scan", str(seed_feed), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_scan_unknown_ticker_is_reported_and_the_rest_scanned(seed_feed: Path, tmp_path: Path) -> None:
    result = run("scan", str(seed_feed), "--watch", "AMZN,NOPEQ", "--format", "jsonl")
    assert result.returncode == 1  # as for a failed source
    assert {json.loads(x)["ticker"] for x in result.stdout.splitlines()} == {"AMZN"}
    (line,) = result.stderr.strip().splitlines()
    assert "unknown ticker NOPEQ" in line and "scanning the other 1 without it" in line
    wl = tmp_path / "wl.toml"
    wl.write_text('[[watch]]\nticker = "AMZN"\n[[watch]]\nticker = "ZZQXQ"\n')
    result = run("scan", str(seed_feed), "--watchlist", str(wl), "--format", "jsonl")
    assert result.returncode == 1 and "unknown ticker ZZQXQ" in result.stderr
    assert {json.loads(x)["ticker"] for x in result.stdout.splitlines()} == {"AMZN"}


def test_scan_failing_source_still_scans_the_rest(seed_feed: Path, tmp_path: Path, feed_server) -> None:
    bad = feed_server.serve("/bad", "x", status=500)
    result = run(
        "scan", str(tmp_path / "missing.xml"), bad, str(seed_feed), "--watch", "AMZN", "--format", "jsonl"
    )
    assert result.returncode == 1
    assert "missing.xml" in result.stderr and "HTTP 500" in result.stderr
    assert any(json.loads(x)["ticker"] == "AMZN" for x in result.stdout.splitlines())


def test_demo_runs_offline_and_prints_alerts(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "AMZN" in result.stdout and "Sanctions" in result.stdout
    assert "Done:" in result.stderr
    assert not (tmp_path / "riskwire.db").exists()
    amzn_blocks = [b for b in result.stdout.split("\n\n") if b.lstrip("▲· ").startswith("AMZN")]
    assert len(amzn_blocks) == 1
    assert "SHEL" not in {b.lstrip("▲· ").split(" ")[0] for b in result.stdout.split("\n\n") if b.strip()}


def test_feeds_watch_poll_history_flow(tmp_path: Path, feed_server) -> None:
    db = tmp_path / "flow.db"
    url = feed_server.serve("/flow.xml", rss([seed_item(pub=recent_pub())]))
    assert run("feeds", "add", url, db=db).returncode == 0
    added = run("watch", "add", "AMZN", "--to", "console", db=db)
    assert added.returncode == 0 and "Watching AMZN" in added.stdout
    first = run("poll", "--once", db=db)
    assert first.returncode == 0, first.stderr
    assert "AMZN" in first.stdout and "1 new alerts" in first.stderr
    second = run("poll", "--once", db=db)
    assert second.returncode == 0 and "0 new alerts" in second.stderr and second.stdout == ""
    history = run("history", "--format", "jsonl", db=db)
    (row,) = [json.loads(x) for x in history.stdout.splitlines()]
    for key in ("id", "link", "title", "ticker", "topics", "severity", "published", "created"):
        assert key in row
    status = run("feeds", "status", db=db)
    assert "status: ok" in status.stdout


def test_watch_unknown_ticker_refused_with_hint(tmp_path: Path) -> None:
    result = run("watch", "add", "AMZM", "--to", "console", db=tmp_path / "x.db")
    assert result.returncode == 2 and "AMZN" in result.stderr and "Nothing was changed" in result.stderr


def test_poll_reports_failing_feed_and_exit_code(tmp_path: Path, feed_server) -> None:
    db = tmp_path / "f.db"
    run("feeds", "add", feed_server.serve("/x", "boom", status=503), "--no-check", db=db)
    result = run("poll", "--once", db=db)
    assert result.returncode == 1 and "HTTP 503" in result.stderr


def test_explain_shows_companies_rules_and_why(tmp_path: Path) -> None:
    result = run(
        "explain",
        "Amazon Accused of Breaching Sanctions via a Shell Company\n"
        "A former AWS employee alleges Amazon sold Rekognition to a Russian firm.",
        "--watch",
        "AMZN,SHEL",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "AMZN: LINKED" in out and "SHEL: not linked" in out and "collision" in out
    assert "sanctions: TAGGED" in out and "sanctions.toml:" in out
    assert "Result: AMZN topics [" in out


def test_broken_rule_file_is_named_with_its_line(tmp_path: Path, seed_feed: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(
        'topic = "mine"\n\n[[rule]]\nid = "x"\nany = ["ok", 5]\n', encoding="utf-8"
    )
    result = run("scan", str(seed_feed), "--watch", "AMZN", "--rules", str(rules))
    assert result.returncode == 2
    assert f"{rules / 'mine.toml'}:5:" in result.stderr and "not a term" in result.stderr


def test_scan_with_own_rules_folder(tmp_path: Path, seed_feed: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "tribunal.toml").write_text(
        'topic = "tribunal"\nthreshold = 1\n\n[[rule]]\nid = "t"\nany = ["employment tribunal"]\n',
        encoding="utf-8",
    )
    result = run("scan", str(seed_feed), "--watch", "AMZN", "--rules", str(rules), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(x) for x in result.stdout.splitlines() if '"AMZN"' in x]
    assert row["topics"] == ["tribunal"]


def test_poll_once_delivers_everything_due_not_only_one_batch(
    tmp_path: Path, feed_server, monkeypatch, capsys
) -> None:
    from bot.cli import main as cli
    from bot.delivery.targets import parse_target
    from bot.usecases import service
    from storage import feeds as feed_store
    from storage.db import open_db
    from tests.fakes.fake_slack import TOKEN, FakeSlack

    channels = [f"C{n:04d}" for n in range(230)]  # more than one outbox pass takes (200)
    db_path = tmp_path / "many.db"
    db = open_db(db_path)
    feed_store.add(db, feed_server.serve("/risk.xml", rss([seed_item(pub=recent_pub())])), ago(days=1))
    for channel in channels:
        service.watch(db, service.Scope(parse_target(f"slack:T1/{channel}")), ["AMZN"])
    db.close()
    slack = FakeSlack().start()
    try:
        for var in [v for v in os.environ if v.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))]:
            monkeypatch.delenv(var)
        monkeypatch.setenv("RISKWIRE_DB", str(db_path))
        monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        monkeypatch.chdir(tmp_path)
        assert cli.main(["poll", "--once"]) == 0
        posted = sorted(p.channel for p in slack.snapshot())
    finally:
        slack.stop()
    assert posted == channels  # each channel once
    assert "1 new alerts; 230 delivered" in capsys.readouterr().err
    states = open_db(db_path).execute("select state, count(*) from deliveries group by state").fetchall()
    assert states == [("sent", 230)]
