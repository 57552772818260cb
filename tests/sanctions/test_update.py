"""`riskwire sanctions update`: the official lists downloaded from configurable URLs (fixture files in
each list's own format, served on 127.0.0.1), parsed, stored with their dates, and matched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.usecases.sanctions import lists_index
from storage import sanctions as store
from storage.db import open_db
from tests.fakes.feed_server import FeedServer
from tests.feedkit import recent_pub, rss, seed_item
from tests.sanctions.listkit import FIXTURES

FILES = {"us-csl": "csl.csv", "uk": "uk.xml", "eu": "eu.xml", "un": "un.xml"}
VARS = {
    "us-csl": "RISKWIRE_SANCTIONS_US_CSL_URL",
    "uk": "RISKWIRE_SANCTIONS_UK_URL",
    "eu": "RISKWIRE_SANCTIONS_EU_URL",
    "un": "RISKWIRE_SANCTIONS_UN_URL",
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed_server: FeedServer) -> Path:
    path = tmp_path / "riskwire.db"
    monkeypatch.setenv("RISKWIRE_DB", str(path))
    monkeypatch.chdir(tmp_path)
    for list_id, name in FILES.items():
        url = feed_server.serve(f"/lists/{name}", (FIXTURES / name).read_bytes())
        monkeypatch.setenv(VARS[list_id], url)
    return path


def _lists(path: Path) -> dict[str, dict]:
    db = open_db(path)
    try:
        return {r["name"]: r for r in store.lists(db)}
    finally:
        db.close()


def test_update_loads_every_official_list_with_its_date(
    env: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sanctions", "update"]) == 0
    out = capsys.readouterr().out
    assert "Loaded us-csl: 3 entries" in out and "Loaded uk: 2 entries" in out
    assert "Loaded eu: 2 entries" in out and "Loaded un: 2 entries" in out
    lists = _lists(env)
    assert {n: (r["entries"], r["source"]) for n, r in lists.items()} == {
        "us-csl": (3, "official"),
        "uk": (2, "official"),
        "eu": (2, "official"),
        "un": (2, "official"),
    }
    # each list's own date; the CSV list has none and takes the download's Last-Modified
    assert lists["uk"]["published"] == "2026-11-30" and lists["eu"]["published"] == "2026-11-28"
    assert lists["un"]["published"] == "2026-11-29" and lists["us-csl"]["published"]
    assert main(["sanctions", "status"]) == 0
    status = capsys.readouterr().out
    assert "uk" in status and "published 2026-11-30" in status and "UK Sanctions List (FCDO)" in status

    assert main(["sanctions", "update", "uk"]) == 0
    assert "uk: unchanged since the last update" in capsys.readouterr().out
    assert all(h.path.startswith("/lists/") for h in feed_server.hits)


def test_official_entries_match_by_alias_transliteration_and_legal_form(env: Path) -> None:
    assert main(["sanctions", "update"]) == 0
    index = lists_index(str(env))
    text = (
        "Amazon sold it via Vision Labs LLC. Rosneft and АО Кронштадт and Joint Stock Company Kronshtadt "
        "signed; John Smith and Sechin commented; Korea Mining Development Trading Corporation too."
    )
    found = {(p.list, p.name, p.match) for p in index.screen(text, ("Amazon",))}
    assert found == {
        ("us-csl", "Vision Labs LLC", "alias"),
        ("uk", "Vision Labs LLC", "alias"),
        ("us-csl", "Rosneft", "alias"),
        ("eu", "Joint Stock Company Kronshtadt", "exact"),  # also named as 'АО Кронштадт': one party
        ("un", "Korea Mining Development Trading Corporation", "exact"),
    }
    # transliterated: the EU lists 'АО Кронштадт'; the story writes it in Latin letters
    assert {p.listed_name for p in index.screen("JSC Kronshtadt again")} == {"Joint Stock Company Kronshtadt"}
    assert {(p.list, p.listed_name) for p in index.screen("Контракт с ВижнЛабс")} == {("uk", "VISIONLABS")}


def test_the_seed_alert_links_to_the_entry(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sanctions", "update", "us-csl"]) == 0
    feed = tmp_path / "seed.xml"
    feed.write_text(rss([seed_item(pub=recent_pub())]), encoding="utf-8")
    capsys.readouterr()
    assert main(["scan", str(feed), "--watch", "AMZN", "--format", "jsonl"]) == 0
    (row,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(p["name"], p["list"], p["programme"], p["link"]) for p in row["parties"]] == [
        ("VisionLabs", "us-csl", "EL", "https://www.trade.gov/consolidated-screening-list")
    ]


def test_a_failing_list_is_reported_and_the_loaded_one_stays(
    env: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sanctions", "update"]) == 0
    monkeypatch.setenv(VARS["uk"], feed_server.serve("/lists/broken.xml", b"<Designations><Designation>"))
    monkeypatch.setenv(VARS["eu"], feed_server.serve("/lists/gone.xml", b"", status=404))
    monkeypatch.setenv(VARS["un"], feed_server.serve("/lists/empty.xml", b"<CONSOLIDATED_LIST/>"))
    capsys.readouterr()
    assert main(["sanctions", "update"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith("riskwire: uk (") and "not readable XML" in line for line in err)
    assert any(line.startswith("riskwire: eu (") and "HTTP 404" in line for line in err)
    assert any(line.startswith("riskwire: un (") and "holds no entries" in line for line in err)
    assert {n: r["entries"] for n, r in _lists(env).items()} == {"us-csl": 3, "uk": 2, "eu": 2, "un": 2}


def test_an_unknown_list_name_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sanctions", "update", "ofac"]) == 2
    assert "no official list ofac" in capsys.readouterr().err
