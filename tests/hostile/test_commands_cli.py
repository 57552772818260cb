"""Every CLI command given empty, huge, look-alike and SQL/FTS-syntax input.

The promise: exit 0 with a sensible result, or exit 2 (1 for scan sources that cannot be read, as
documented) with a short clear message; never a traceback or an "internal error"; and when a command
is refused, the database is exactly as it was. The commands run in-process through `bot.cli.main.main`
(the entry point the `riskwire` script calls); two run as real subprocesses at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main as cli
from bot.delivery.targets import parse_target
from bot.usecases import service
from storage import feeds as feed_store
from storage.db import open_db

HOSTILE = {
    "empty": "",
    "blank": "   ",
    "huge": "A" * 10_000,
    "long-line": "B" * 300,
    "cyrillic-lookalike": "АМZN",
    "fullwidth": "ＡＭＺＮ",
    "zero-width-joiner": "AM\u200dZN",
    "rtl-override": "\u202eNZMA",
    "nul": "AM\x00ZN",
    "sql-or": "' OR 1=1 --",
    "sql-drop": "AMZN'; DROP TABLE subscriptions; --",
    "fts-quote": '"unterminated',
    "fts-near": "NEAR(",
    "fts-star": "*",
    "like-percent": "%",
}

Argv = Callable[[str], list[str]]
COMMANDS: dict[str, tuple[Argv, set[int]]] = {
    "scan SOURCE": (lambda x: ["scan", x, "--watch", "AMZN"], {1, 2}),
    "scan --watch": (lambda x: ["scan", "FEED", "--watch", x], {0, 2}),
    "explain TEXT": (lambda x: ["explain", x, "--watch", "AMZN"], {0, 2}),
    "explain --watch": (lambda x: ["explain", "Amazon fined", "--watch", x], {0, 2}),
    "watch add TICKER": (lambda x: ["watch", "add", x, "--to", "console"], {0, 2}),
    "watch add --to": (lambda x: ["watch", "add", "AMZN", "--to", x], {2}),
    "watch add --names": (lambda x: ["watch", "add", "ZZZQ", "--to", "console", "--names", x], {0, 2}),
    "watch add --topics": (lambda x: ["watch", "add", "AMZN", "--to", "console", "--topics", x], {0, 2}),
    "watch remove": (lambda x: ["watch", "remove", x, "--to", "console"], {0, 2}),
    "watch list --to": (lambda x: ["watch", "list", "--to", x], {0, 2}),
    "feeds add": (lambda x: ["feeds", "add", x], {2}),
    "feeds remove": (lambda x: ["feeds", "remove", x], {0}),
    "history TICKER": (lambda x: ["history", x], {0, 2}),
    "history --days": (lambda x: ["history", "--days", x], {2}),
    "summary TICKER": (lambda x: ["summary", x], {0, 2}),
    "summary --days": (lambda x: ["summary", "AMZN", "--days", x], {2}),
    "export TICKER": (lambda x: ["export", x, "--format", "jsonl"], {0, 2}),
}


def snapshot(path: Path) -> dict[str, list[Any]]:
    db = open_db(path)
    try:
        return {
            t: sorted(map(repr, db.table(t).rows))
            for t in db.table_names()
            if t != "_migrations" and not t.startswith("sqlite_")
        }
    finally:
        db.close()


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with two subscriptions and a feed, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "r.db"
    db = open_db(path)
    service.watch(db, service.Scope(parse_target("slack:T1/C1")), ["AMZN", "AAPL"])
    feed_store.add(db, "https://news.example.com/feed.xml", "2026-01-01T00:00:00+00:00", added_by="cli")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: Path) -> Path:
    for var in list(os.environ):
        if var.startswith(("RISKWIRE_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RISKWIRE_DB", str(tmp_path / "r.db"))
    shutil.copy(template, tmp_path / "r.db")
    (tmp_path / "FEED").write_text("<rss version='2.0'><channel><title>t</title></channel></rss>")
    return tmp_path


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_command_holds(home: Path, capsys: pytest.CaptureFixture[str], command: str, value: str) -> None:
    make_argv, allowed = COMMANDS[command]
    capsys.readouterr()
    before = snapshot(home / "r.db")
    code, out, err = run_cli(make_argv(value), capsys)
    assert code in allowed, (code, err)
    assert "Traceback" not in err + out and "internal error" not in err
    if code != 0:
        assert snapshot(home / "r.db") == before
        assert err.strip(), "a refusal always says why"
        if not err.startswith("usage:"):  # argparse prints its usage, then one error line
            assert all(len(line) <= 400 for line in err.splitlines()), err[:500]
            assert err.startswith("riskwire: ")


# --- what the cases above resolve to -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value,ticker",
    [("ＡＭＺＮ", "AMZN"), ("AM\u200dZN", "AMZN"), ("\u200bamzn\ufeff", "AMZN"), ("$ＡＡＰＬ", "AAPL")],
    ids=["fullwidth", "zero-width-joiner", "zero-width-space-and-bom", "fullwidth-dollar"],
)
def test_fullwidth_and_invisible_characters_mean_the_plain_ticker(
    home: Path, capsys: pytest.CaptureFixture[str], value: str, ticker: str
) -> None:
    code, out, _ = run_cli(["watch", "add", value, "--to", "console"], capsys)
    assert code == 0 and f"Watching {ticker} " in out


def test_cyrillic_lookalike_is_refused_by_name(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["watch", "add", "АМZN", "--to", "console"], capsys)
    assert code == 2 and "CYRILLIC CAPITAL LETTER A" in err and "Latin" in err


def test_greek_lookalike_is_refused_by_name(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["watch", "add", "ΑAPL", "--to", "console"], capsys)
    assert code == 2 and "GREEK CAPITAL LETTER ALPHA" in err


def test_direction_override_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["watch", "add", "\u202eNZMA", "--to", "console"], capsys)
    assert code == 2 and "text-direction controls" in err


def test_mixed_script_company_name_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["watch", "add", "ZZZQ", "--to", "console", "--names", "Аcme Widgets"], capsys)
    assert code == 2 and "mixes cyrillic and latin letters" in err


def test_single_script_foreign_company_name_is_fine(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["watch", "add", "GAZP", "--to", "console", "--names", "Газпром, Gazprom"], capsys)
    assert code == 0 and "Watching GAZP" in out


def test_sql_in_a_ticker_list_changes_nothing(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        ["watch", "remove", "AMZN'; DROP TABLE subscriptions; --", "--to", "slack:T1/C1"], capsys
    )
    assert code == 2 and "is not a ticker symbol" in err
    code, out, _ = run_cli(["watch", "list", "--to", "slack:T1/C1"], capsys)
    assert code == 0 and "AMZN" in out and "AAPL" in out


def test_huge_company_name_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["watch", "add", "ZZZQ", "--to", "console", "--names", "Acme " * 2000], capsys)
    assert code == 2 and "limited to 100 characters" in err


def test_scan_of_an_empty_source_is_a_usage_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["scan", "", "--watch", "AMZN"], capsys)
    assert code == 2 and "empty SOURCE" in err


def test_scan_of_a_device_does_not_read_forever(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["scan", "/dev/zero", "--watch", "AMZN"], capsys)
    assert code == 1 and "/dev/zero: not a regular file" in err


# --- feeds add: the address policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,reason",
    [
        ("http://127.0.0.1:8080/feed", "loopback address"),
        ("http://localhost/feed", "loopback host"),
        ("http://10.0.0.5/rss", "private address"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("http://[::1]/feed", "loopback address"),
    ],
)
def test_feeds_add_refuses_private_addresses(
    home: Path, capsys: pytest.CaptureFixture[str], url: str, reason: str
) -> None:
    before = snapshot(home / "r.db")
    code, _, err = run_cli(["feeds", "add", "https://ok.example.com/feed", url], capsys)
    assert code == 2 and reason in err
    if "metadata" not in reason:
        assert "RISKWIRE_ALLOW_PRIVATE_FEEDS=1" in err
    assert snapshot(home / "r.db") == before  # the good URL given with it was not added either


def test_feeds_add_private_allowed_when_configured(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, feed_server
) -> None:
    monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")
    url = feed_server.serve("/feed.xml", "<rss version='2.0'><channel><title>t</title></channel></rss>")
    code, out, _ = run_cli(["feeds", "add", url], capsys)
    assert code == 0 and "Added feed" in out
    code, _, err = run_cli(["feeds", "add", "http://169.254.169.254/"], capsys)
    assert code == 2 and "metadata" in err


def test_poll_reports_a_private_feed_from_the_config_file(
    home: Path, capsys: pytest.CaptureFixture[str], feed_server
) -> None:
    url = feed_server.serve("/feed.xml", "<rss version='2.0'><channel><title>t</title></channel></rss>")
    (home / "riskwire.toml").write_text(f'feeds = ["{url}"]\n')
    code, _, err = run_cli(["poll", "--once"], capsys)
    assert code == 1 and f"feed {url}: refused: 127.0.0.1 is a loopback address" in err
    assert feed_server.hits_for("/feed.xml") == []


def test_poll_without_once_is_a_usage_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["poll"], capsys)
    assert code == 2 and "poll needs --once" in err


# --- the real binary ---------------------------------------------------------------------------------


def run_process(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    env["RISKWIRE_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_real_process_lookalike_and_private_feed(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    looks = run_process("watch", "add", "АМZN", "--to", "console", db=db)
    assert looks.returncode == 2 and "Traceback" not in looks.stderr
    assert looks.stderr.count("\n") == 1 and "CYRILLIC" in looks.stderr
    private = run_process("feeds", "add", "http://127.0.0.1/feed", db=db)
    assert private.returncode == 2 and "loopback" in private.stderr and "Traceback" not in private.stderr
