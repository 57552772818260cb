"""The "Listed parties" line and `parties` field through the real command line: poll (console),
history, export, scan and explain, with and without a list that holds VisionLabs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli.main import main
from storage.db import open_db
from tests.feedkit import recent_pub, rss, seed_item
from tests.sanctions.listkit import LINE, TEAM_LIST


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "riskwire.db"
    monkeypatch.setenv("RISKWIRE_DB", str(path))
    monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture
def seed_feed(tmp_path: Path) -> Path:
    path = tmp_path / "seed.xml"
    path.write_text(rss([seed_item(pub=recent_pub())]), encoding="utf-8")
    return path


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _poll_seed(seed_feed: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["watch", "add", "AMZN", "--to", "console"]) == 0
    assert main(["feeds", "add", str(seed_feed), "--no-check"]) == 0
    capsys.readouterr()
    assert main(["--quiet", "poll", "--once"]) == 0
    return capsys.readouterr().out


def test_scan_jsonl_carries_the_listed_party(
    env: Path, seed_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(seed_feed), "--watch", "AMZN", "--format", "jsonl"]) == 0
    (without,) = _jsonl(capsys.readouterr().out)
    assert without["parties"] == [] and without["severity"] == "high"
    assert not env.exists()  # scan with no database creates none

    assert main(["sanctions", "import", "team", str(TEAM_LIST)]) == 0
    capsys.readouterr()
    assert main(["scan", str(seed_feed), "--watch", "AMZN", "--format", "jsonl"]) == 0
    (row,) = _jsonl(capsys.readouterr().out)
    assert row["parties"] == [
        {
            "name": "VisionLabs",
            "listed_name": "VisionLabs",
            "list": "team",
            "programme": "Russia",
            "listed": "2023-02-24",
            "match": "exact",
        }
    ]
    assert row["severity"] == "critical"  # one step up from high: a listed counterparty


def test_console_alert_history_and_export_show_the_line(
    env: Path, seed_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sanctions", "import", "team", str(TEAM_LIST)]) == 0
    out = _poll_seed(seed_feed, capsys)
    assert "AMZN · Amazon" in out
    assert f"  {LINE} (severity one step up for a listed counterparty)" in out.splitlines()

    assert main(["history", "AMZN", "--format", "jsonl"]) == 0
    (alert,) = _jsonl(capsys.readouterr().out)
    assert [(p["name"], p["list"], p["programme"], p["listed"], p["match"]) for p in alert["parties"]] == [
        ("VisionLabs", "team", "Russia", "2023-02-24", "exact")
    ]
    assert alert["severity"] == "critical"
    assert main(["history", "AMZN"]) == 0
    assert LINE in capsys.readouterr().out

    assert main(["export", "--format", "jsonl"]) == 0
    (record,) = _jsonl(capsys.readouterr().out)
    assert record["parties"][0]["name"] == "VisionLabs"
    assert main(["export", "--format", "csv"]) == 0
    (cells,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert json.loads(cells["parties"])[0]["list"] == "team"


def test_without_a_list_there_is_no_line_and_no_parties(
    env: Path, seed_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _poll_seed(seed_feed, capsys)
    assert "AMZN · Amazon" in out and "Listed parties" not in out
    assert main(["history", "--format", "jsonl"]) == 0
    (alert,) = _jsonl(capsys.readouterr().out)
    assert alert["parties"] == [] and alert["severity"] == "high"


def test_a_watched_company_on_a_list_is_said_to_be_listed(
    env: Path, seed_feed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "own.csv"
    listing.write_text(
        "name,aliases,programme,listed\nAmazon Web Services,AWS,Test,2024-01-01\n", encoding="utf-8"
    )
    assert main(["sanctions", "import", "own", str(listing)]) == 0
    out = _poll_seed(seed_feed, capsys)
    assert "Listed parties: AMZN itself is listed: Amazon Web Services: own, Test, listed 2024-01-01" in out
    assert "one step up" not in out  # the company itself is no counterparty
    db = open_db(env)
    (row,) = db.table("alerts").rows
    db.close()
    assert json.loads(row["parties"])[0]["subject"] is True and row["severity"] == "high"


def test_explain_says_which_parties_are_listed(
    env: Path, seed_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", str(seed_feed), "--watch", "AMZN"]) == 0
    assert "no sanctions list loaded" in capsys.readouterr().out
    assert main(["sanctions", "import", "team", str(TEAM_LIST)]) == 0
    assert main(["explain", str(seed_feed), "--watch", "AMZN"]) == 0
    out = capsys.readouterr().out
    assert "VisionLabs" in out.split("Parties named after", 1)[1].splitlines()[0]
    assert "Listed party (counterparty): VisionLabs: team, Russia, listed 2023-02-24, exact match" in out
    assert "severity high -> critical" in out


def test_a_party_listed_after_the_alert_gets_a_console_follow_up_once(
    env: Path, seed_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _poll_seed(seed_feed, capsys)
    assert "Listed parties" not in out
    assert main(["sanctions", "import", "team", str(TEAM_LIST)]) == 0
    assert "1 follow-up(s) queued" in capsys.readouterr().out
    assert main(["--quiet", "poll", "--once"]) == 0
    follow_up = capsys.readouterr().out
    assert "↳ AMZN · Amazon Accused of Breaching Russian Sanctions" in follow_up
    assert "Now on a sanctions list: VisionLabs: team, Russia, listed 2023-02-24, exact match" in follow_up
    assert main(["--quiet", "poll", "--once"]) == 0
    assert "Now on a sanctions list" not in capsys.readouterr().out
    assert main(["history", "--format", "jsonl"]) == 0
    (alert,) = _jsonl(capsys.readouterr().out)
    assert alert["parties"][0]["name"] == "VisionLabs" and alert["severity"] == "critical"
