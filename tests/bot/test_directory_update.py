"""`riskwire directory update | status`: the SEC's company ticker file (a fixture served on 127.0.0.1)
stored in the database, and the directory that watch, scan and polling use then knows every company
in it, without overriding the built-in and curated entries."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.pipeline.directory import directory_for
from storage.db import open_db
from tests.fakes.feed_server import FeedServer
from tests.feedkit import Item, recent_pub, rss

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "directory" / "company_tickers_exchange.json"
AGENT = "Example Risk Desk risk-team@example.com"
TSMC_STORY = (
    "Taiwan Semiconductor Manufacturing was fined by regulators after a whistleblower complaint said the "
    "chipmaker shipped to a sanctioned buyer in breach of export controls. Taiwan Semiconductor "
    "Manufacturing said it would appeal."
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed_server: FeedServer) -> Path:
    path = tmp_path / "riskwire.db"
    monkeypatch.setenv("RISKWIRE_DB", str(path))
    monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")
    monkeypatch.setenv("RISKWIRE_USER_AGENT", AGENT)
    monkeypatch.chdir(tmp_path)
    url = feed_server.serve(
        "/files/company_tickers_exchange.json", FIXTURE.read_bytes(), content_type="application/json"
    )
    monkeypatch.setenv("RISKWIRE_DIRECTORY_URL", url)
    return path


def test_update_stores_every_company_with_the_configured_user_agent(
    env: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["directory", "status"]) == 0
    assert "No listed companies stored" in capsys.readouterr().out
    assert main(["directory", "update"]) == 0
    assert "Stored 20 listed companies" in capsys.readouterr().out  # the row without a name is skipped
    (hit,) = feed_server.hits_for("/files/company_tickers_exchange.json")
    assert hit.headers["User-Agent"] == AGENT
    assert main(["directory", "status"]) == 0
    status = capsys.readouterr().out
    assert "20 companies from http://127.0.0.1:" in status and "loaded 20" in status
    assert main(["directory", "update"]) == 0
    assert "unchanged since the last update" in capsys.readouterr().out


def test_watch_add_accepts_stored_companies_after_update(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "add", "TSM", "--to", "console"]) == 2
    assert "Unknown ticker" in capsys.readouterr().err
    assert main(["directory", "update"]) == 0
    capsys.readouterr()
    assert main(["watch", "add", "TSM", "INFY", "RIVN", "--to", "console"]) == 0
    out = capsys.readouterr().out
    assert "Watching TSM (Taiwan Semiconductor Manufacturing Co Ltd)" in out
    assert "Watching INFY (Infosys Ltd)" in out and "Watching RIVN (Rivian Automotive, Inc.)" in out


def test_stored_companies_never_override_curated_entries(env: Path) -> None:
    assert main(["directory", "update"]) == 0
    db = open_db(env)
    try:
        directory = directory_for(db)
    finally:
        db.close()
    apple = directory.get("AAPL")
    assert apple is not None and apple.name == "Apple Inc." and "iPhone" in apple.names
    msft = directory.get("MSFT")
    assert msft is not None and msft.name != "MICROSOFT CORP"
    tsmc = directory.get("TSM")
    assert tsmc is not None and "Taiwan Semiconductor Manufacturing" in tsmc.names
    # the two tickers of one issuer (cik) are its listings
    warrant = directory.get("QFBXW")
    assert warrant is not None and warrant.issuer == "QFBX" and warrant.listings == ("QFBX", "QFBXW")


def test_scan_and_poll_match_a_stored_company(
    env: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = feed_server.serve(
        "/tsmc.xml",
        rss(
            [
                Item(
                    "Taiwan Semiconductor Manufacturing fined",
                    "https://news.example.com/tsmc",
                    description=TSMC_STORY,
                    pub=recent_pub(),
                )
            ]
        ),
    )
    assert main(["scan", feed, "--watch", "TSM", "--format", "jsonl"]) == 2  # not known yet
    assert "unknown ticker TSM" in capsys.readouterr().err
    assert main(["directory", "update"]) == 0
    capsys.readouterr()
    assert main(["scan", feed, "--watch", "TSM", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["ticker"] for r in rows] == ["TSM"] and rows[0]["topics"]

    assert main(["feeds", "add", feed, "--no-check"]) == 0
    assert main(["watch", "add", "TSM", "--to", "console"]) == 0
    capsys.readouterr()
    assert main(["poll", "--once"]) == 0
    polled = capsys.readouterr()
    assert "TSM" in polled.out and "1 new alerts" in polled.err


def test_forbidden_download_names_the_user_agent_and_changes_nothing(
    env: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["directory", "update"]) == 0
    monkeypatch.setenv("RISKWIRE_DIRECTORY_URL", feed_server.serve("/refused.json", "no", status=403))
    capsys.readouterr()
    assert main(["directory", "update"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert (
        "HTTP 403" in err and "User-Agent" in err and "contact e-mail" in err and "RISKWIRE_USER_AGENT" in err
    )
    assert main(["directory", "status"]) == 0
    assert "20 companies" in capsys.readouterr().out


def test_a_file_that_is_not_the_company_list_changes_nothing(
    env: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["directory", "update"]) == 0
    monkeypatch.setenv("RISKWIRE_DIRECTORY_URL", feed_server.serve("/wrong.json", '{"0": {"ticker": "X"}}'))
    capsys.readouterr()
    assert main(["directory", "update"]) == 1
    assert "not the SEC's company ticker file" in capsys.readouterr().err
    assert main(["watch", "add", "TSM", "--to", "console"]) == 0


def test_chat_watch_accepts_stored_companies_after_update(env: Path) -> None:
    """/riskwire watch in Slack resolves tickers with the stored companies too (same service call as
    Discord), so a channel can watch any US-listed company once the operator ran `directory update`."""
    from bot.core.settings import Settings
    from bot.delivery.targets import parse_target
    from bot.slack_app.commands import CommandContext, run_command
    from bot.usecases import service

    scope = service.Scope(parse_target("slack:T1/C1"), user="U1")

    async def yes() -> bool:
        return True

    def ask(db):  # type: ignore[no-untyped-def]
        return asyncio.run(run_command("watch TSM", CommandContext(db, scope, Settings(), yes, yes)))

    db = open_db(env)
    try:
        assert "Unknown ticker" in ask(db).text
        assert main(["directory", "update"]) == 0
        reply = ask(db)
        assert "TSM" in reply.text and not reply.text.startswith(":warning:")
        assert [w["ticker"] for w in service.list_watches(db, scope)] == ["TSM"]
    finally:
        db.close()
