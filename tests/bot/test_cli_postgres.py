"""The command line on PostgreSQL (RISKWIRE_DB=postgresql://...): the same session of commands, run on a
SQLite file and on a PostgreSQL database, prints the same thing (times and paths aside)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.conftest import Cli
from tests.fakes.feed_server import FeedServer
from tests.feedkit import Item, recent_pub, rss, seed_item

ROOT = Path(__file__).resolve().parents[2]
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(\+00:00|Z)?")
_DAY = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2} [A-Z][a-z]{2}( \d{4})?\b|\b\d{1,2}:\d{2}\b"
    r"|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"  # a run on each side of midnight names other days
)
_AGO = re.compile(r"\b\d+ ?(s|m|h|d|min|mins|minutes?|hours?|days?|seconds?) ago\b")
_TEMP = re.compile(r"/tmp/\S+")


def _normal(text: str, db: str) -> str:
    """Output with what differs between two runs minutes apart taken out: times, paths, the database."""
    text = text.replace(db, "<db>")
    for pattern, mark in ((_STAMP, "<time>"), (_DAY, "<day>"), (_AGO, "<ago>"), (_TEMP, "<tmp>")):
        text = pattern.sub(mark, text)
    return text


SANCTIONS_CSV = ROOT / "bot" / "demo_sanctions.csv"
DIRECTORY = ROOT / "tests" / "fixtures" / "directory" / "company_tickers_exchange.json"


def _session(cli: Cli, feed_url: str) -> list[tuple[str, int, str, str]]:
    """Every main command once, in a user's order; (command, exit code, stdout, stderr) each."""
    steps = [
        ["directory", "update"],
        ["directory", "status"],
        ["sanctions", "import", "team-list", str(SANCTIONS_CSV)],
        ["sanctions", "status"],
        ["watch", "add", "AMZN", "--to", "console"],
        ["watch", "add", "SHEL", "--to", "console"],
        ["watch", "add", "ACME", "--to", "console", "--names", "Acme Widgets"],
        ["watch", "list"],
        ["watch", "remove", "SHEL", "--to", "console"],
        ["watch", "list", "--to", "console"],
        ["feeds", "add", feed_url, "--no-check"],
        ["feeds", "list"],
        ["poll", "--once"],
        ["poll", "--once"],  # the feed answers 304; nothing new
        ["feeds", "status"],
        ["history"],
        ["history", "AMZN", "--days", "7", "--format", "jsonl"],
        ["search", "sanctions"],
        ["search", "sanction*", "OR", "bribes", "--format", "jsonl"],
        ["search", '"UK sanctions"', "--ticker", "AMZN"],
        ["summary", "AMZN", "--days", "7"],
        ["summary", "--to", "console", "--days", "30"],
        ["export", "--format", "jsonl"],
        ["export", "--format", "csv"],
        ["rules", "stats"],
        ["digest", "daily", "08:00", "Europe/London", "--to", "console"],
        ["digest", "list"],
        ["digest", "preview", "--to", "console"],
        ["digest", "run"],
        ["backtest"],
        ["backtest", "--format", "jsonl", "--watch", "AMZN"],
    ]
    results = [(" ".join(argv), *cli("--quiet", *argv)) for argv in steps]
    alert = json.loads(results[16][2].splitlines()[0])["id"]  # history AMZN --format jsonl
    for argv in (
        ["review", alert, "false-positive", "--reason", "not this company", "--by", "ann"],
        ["history", "--format", "jsonl"],
        ["rules", "stats", "--format", "jsonl"],
        ["review", alert, "reopen", "--by", "ann"],
        ["digest", "off", "--to", "console"],
        ["feeds", "remove", feed_url],
        ["feeds", "list"],
        ["watch", "remove", "AMZN", "ACME", "--to", "console"],
        ["watch", "list"],
    ):
        results.append((" ".join(argv), *cli("--quiet", *argv)))
    return results


def test_every_main_command_prints_the_same_on_postgresql_as_on_sqlite(
    cli: Cli,
    private_feeds: None,
    feed_server: FeedServer,
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RISKWIRE_DIRECTORY_URL", feed_server.serve("/sec.json", DIRECTORY.read_bytes()))
    feed_url = feed_server.serve(
        "/risk.xml",
        rss(
            [
                seed_item(pub=recent_pub(2)),
                Item(
                    "Acme Widgets paid bribes to win contracts, prosecutors say",
                    "https://news.example.com/acme-bribes",
                    "Acme Widgets paid bribes to officials to win public contracts, prosecutors said.",
                    pub=recent_pub(3),
                ),
                Item(
                    "Shell lifts LNG outlook", "https://n.example.com/shell", "Shell plc raised its outlook."
                ),
            ]
        ),
    )
    lite = str(tmp_path / "riskwire.db")
    monkeypatch.setenv("RISKWIRE_DB", lite)
    on_sqlite = _session(cli, feed_url)
    monkeypatch.setenv("RISKWIRE_DB", pg_url)
    on_postgres = _session(cli, feed_url)

    for (command, *sqlite_result), (_, *postgres_result) in zip(on_sqlite, on_postgres, strict=True):
        code, out, err = sqlite_result
        assert code == 0, f"{command} (SQLite): {err}"
        expected = (code, _normal(out, lite), _normal(err, lite))
        got = (postgres_result[0], _normal(postgres_result[1], pg_url), _normal(postgres_result[2], pg_url))
        assert got == expected, command
    # the session did something worth comparing
    outputs = {command: out for command, _, out, _ in on_postgres}
    assert "id " in outputs["search sanctions"] and "AMZN" in outputs["search sanctions"]
    assert len(outputs["history AMZN --days 7 --format jsonl"].splitlines()) == 1
    assert len(json.loads(outputs["history --format jsonl"].splitlines()[0])) > 5
    assert "ACME" in outputs["export --format csv"] and "AMZN" in outputs["export --format csv"]
    assert "team-list" in outputs["sanctions status"] and "companies" in outputs["directory status"]


def test_browse_refuses_a_postgresql_database(cli: Cli, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKWIRE_DB", pg_url)
    code, out, err = cli("browse", "--metadata-only")
    assert code != 0 and out == ""
    assert err.strip().splitlines() == [
        "riskwire: error: riskwire browse works on a SQLite database only (Datasette reads SQLite files); "
        "RISKWIRE_DB is a PostgreSQL URL"
    ]


def test_the_real_command_runs_on_a_postgresql_url(pg_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    env["RISKWIRE_DB"] = pg_url
    for args in (["watch", "add", "AMZN", "--to", "console"], ["watch", "list"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert "AMZN" in done.stdout and "console" in done.stdout
