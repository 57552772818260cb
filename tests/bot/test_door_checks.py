"""Input is checked at the door, through the real command line (in process, and one subprocess): feeds
are fetched once before they are added, unknown tickers get suggestions, a database path in a missing
folder is refused, and re-watching says what changes. Feeds are real XML served over local HTTP."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path

import pytest

from storage import feeds as feed_store
from storage.db import open_db
from tests.bot.test_cli import run
from tests.clock import ago
from tests.feedkit import Item, recent_pub, rss, seed_item

OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
  <outline type="rss" text="Good" xmlUrl="{good}"/>
  <outline type="rss" text="Gone" xmlUrl="{gone}"/>
  <outline type="rss" text="Page" xmlUrl="{page}"/>
  <outline type="rss" text="Down" xmlUrl="{down}"/>
</body></opml>
"""

pytestmark = pytest.mark.usefixtures("private_feeds")  # the feed server listens on 127.0.0.1


def _feeds(tmp_path: Path) -> list[str]:
    return [r["url"] for r in feed_store.all_feeds(open_db(tmp_path / "riskwire.db"))]


def _closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


# --- feeds add, feeds import ------------------------------------------------------------------------


def test_feeds_add_fetches_once_and_refuses_what_is_not_a_feed(cli, tmp_path: Path, feed_server) -> None:  # type: ignore[no-untyped-def]
    good = feed_server.serve("/good.xml", rss([Item("A headline", "https://n.example.com/1")]))
    gone = feed_server.url("/gone.xml")  # not served: 404
    page = feed_server.serve("/page", "<html><body><h1>News</h1></body></html>", content_type="text/html")
    down = _closed_port_url()
    for url, reason in ((gone, "HTTP 404"), (page, "not an RSS or Atom feed"), (down, "cannot connect")):
        code, out, err = cli("feeds", "add", url)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and reason in err and "Nothing was added" in err
    assert _feeds(tmp_path) == []
    code, _, err = cli("feeds", "add", good, gone)  # all or nothing
    assert code == 2 and gone in err and good not in err and _feeds(tmp_path) == []
    code, out, _ = cli("feeds", "add", good)
    assert code == 0 and out.strip() == f"Added feed {good}"
    assert len(feed_server.hits_for("/good.xml")) == 2  # one fetch per add, no second HTTP path
    code, out, _ = cli("feeds", "add", good)
    assert code == 0 and out.strip() == f"{good} is already on the feed list"
    assert len(feed_server.hits_for("/good.xml")) == 2  # a listed feed is not fetched again
    not_a_feed = tmp_path / "notes.txt"
    not_a_feed.write_text("just some notes", encoding="utf-8")
    code, _, err = cli("feeds", "add", str(not_a_feed))  # a file is read and parsed the same way
    assert code == 2 and "not an RSS or Atom feed" in err
    code, out, _ = cli("feeds", "add", gone, down, "--no-check")
    assert code == 0 and f"Added feed {gone}" in out and f"Added feed {down}" in out
    assert len(feed_server.hits_for("/gone.xml")) == 2  # --no-check fetched nothing
    assert sorted(_feeds(tmp_path)) == sorted([good, gone, down])


def test_feeds_add_check_keeps_the_address_guard(cli, tmp_path: Path, monkeypatch, feed_server) -> None:  # type: ignore[no-untyped-def]
    url = feed_server.serve("/good.xml", rss([Item("A headline", "https://n.example.com/1")]))
    monkeypatch.delenv("RISKWIRE_ALLOW_PRIVATE_FEEDS")
    code, _, err = cli("feeds", "add", url)
    assert code == 2 and "loopback" in err and _feeds(tmp_path) == []
    assert feed_server.hits_for("/good.xml") == []


def test_feeds_add_refuses_a_host_name_that_resolves_to_a_private_address(
    cli, tmp_path: Path, monkeypatch, feed_server
) -> None:  # type: ignore[no-untyped-def]
    url = feed_server.serve("/named.xml", rss([Item("A headline", "https://n.example.com/1")]))
    named = url.replace("127.0.0.1", "localhost")  # a name, resolved at add time to a loopback address
    monkeypatch.delenv("RISKWIRE_ALLOW_PRIVATE_FEEDS")
    code, _, err = cli("feeds", "add", named)
    assert code == 2 and "loopback" in err and len(err.strip().splitlines()) == 1
    assert _feeds(tmp_path) == [] and feed_server.hits_for("/named.xml") == []


def test_feeds_import_reports_each_refused_feed_and_adds_the_rest(cli, tmp_path: Path, feed_server) -> None:  # type: ignore[no-untyped-def]
    urls = {
        "good": feed_server.serve("/good.xml", rss([Item("A headline", "https://n.example.com/1")])),
        "gone": feed_server.url("/gone.xml"),
        "page": feed_server.serve("/page", "<html><body>hi</body></html>", content_type="text/html"),
        "down": _closed_port_url(),
    }
    path = tmp_path / "subs.opml"
    path.write_text(OPML.format(**urls), encoding="utf-8")
    code, out, err = cli("feeds", "import", str(path))
    assert code == 1 and "1 feed(s) added" in out
    refused = [line for line in err.splitlines() if line.startswith("riskwire: refused ")]
    assert len(refused) == 3
    assert f"{urls['gone']}: HTTP 404" in err and f"{urls['page']}: not an RSS or Atom feed" in err
    assert f"{urls['down']}: cannot connect" in err and "--no-check" in err
    assert _feeds(tmp_path) == [urls["good"]]
    code, out, _ = cli("feeds", "import", str(path), "--no-check")
    assert code == 0 and "3 feed(s) added, 1 already on the list" in out
    assert len(_feeds(tmp_path)) == 4


# --- unknown tickers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["summary", "AMZM"],
        ["history", "AMZM"],
        ["history", "AMZM", "--format", "jsonl"],
        ["search", "sanctions", "--ticker", "AMZM"],
        ["export", "AMZM", "--format", "csv"],
    ],
)
def test_a_ticker_nobody_watches_and_the_directory_lacks_is_refused(cli, command) -> None:  # type: ignore[no-untyped-def]
    assert cli("watch", "add", "AMZN", "--to", "console")[0] == 0
    code, out, err = cli(*command)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "Unknown ticker AMZM (did you mean AMZN" in err and "nobody watches it" in err


def test_known_or_watched_tickers_still_answer(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("history", "MSFT")  # in the directory, watched by nobody: an empty history
    assert code == 0 and out.strip() == "No alerts for MSFT."
    assert cli("export", "MSFT", "--format", "jsonl")[:2] == (0, "")
    code, _, err = cli("watch", "add", "ZZQX", "--names", "Zedquix Holdings", "--to", "console")
    assert code == 0, err
    for command in (["history", "ZZQX"], ["summary", "ZZQX"], ["search", "fraud", "--ticker", "ZZQX"]):
        code, out, err = cli(*command)
        assert code == 0 and "Unknown ticker" not in err, (command, err)
    code, out, _ = cli("summary", "ZZQX")
    assert "ZZQX" in out


def test_a_ticker_with_stored_alerts_keeps_its_history_after_unwatching(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.historykit import add_alert

    assert cli("watch", "add", "ZZQX", "--names", "Zedquix Holdings", "--to", "console")[0] == 0
    add_alert(
        open_db(tmp_path / "riskwire.db"), ticker="ZZQX", company="Zedquix Holdings", created=ago(hours=2)
    )
    assert cli("watch", "remove", "ZZQX", "--to", "console")[0] == 0
    code, out, err = cli("history", "ZZQX", "--format", "jsonl")
    assert code == 0, err
    assert [json.loads(line)["ticker"] for line in out.splitlines()] == ["ZZQX"]


# --- watch list, watch add again ----------------------------------------------------------------------


def test_watch_list_shows_filters_and_watching_again_says_what_changes(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        "watch",
        "add",
        "AMZN",
        "--to",
        "console",
        "--topics",
        "sanctions,surveillance",
        "--min-severity",
        "high",
    )
    assert code == 0 and out.startswith("Watching AMZN")
    assert cli("watch", "add", "BA", "--to", "console")[0] == 0
    code, out, _ = cli("watch", "list")
    amzn, ba = out.splitlines()
    assert amzn.startswith("AMZN") and amzn.endswith(
        "active; topics: sanctions, surveillance; min severity: high"
    )
    assert ba.startswith("BA") and ba.endswith("active; topics: all; min severity: low")
    code, out, _ = cli("watch", "add", "AMZN", "--to", "console", "--min-severity", "medium")
    assert code == 0 and out.strip() == (
        "AMZN was already watched for console; "
        "topics: sanctions, surveillance -> all; min severity: high -> medium"
    )
    code, out, _ = cli("watch", "add", "AMZN", "BA", "--to", "console", "--min-severity", "medium")
    assert out.splitlines() == [
        "AMZN was already watched for console; nothing changed",
        "BA was already watched for console; min severity: low -> medium",
    ]
    code, out, _ = cli("watch", "list", "--to", "console")
    assert "AMZN" in out and out.splitlines()[0].endswith("topics: all; min severity: medium")


# --- the database path --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["watch", "list"], ["history"], ["feeds", "list"]])
def test_database_in_a_missing_folder_is_refused(cli, tmp_path: Path, monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no-such-folder" / "riskwire.db"
    monkeypatch.setenv("RISKWIRE_DB", str(missing))
    code, out, err = cli(*command)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert str(missing) in err and "does not exist" in err
    assert not missing.parent.exists()


def test_database_folder_checked_for_config_file_and_demo(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RISKWIRE_DB")
    (tmp_path / "riskwire.toml").write_text('db = "typo/riskwire.db"\n', encoding="utf-8")
    code, _, err = cli("watch", "list")
    assert code == 2 and "typo/riskwire.db" in err and not (tmp_path / "typo").exists()
    code, _, err = cli("demo", "--db", str(tmp_path / "gone" / "demo.db"))
    assert code == 2 and "gone" in err and not (tmp_path / "gone").exists()
    missing = tmp_path / "elsewhere" / "riskwire.db"
    result = run("history", db=missing)  # a real process, from the environment
    assert result.returncode == 2 and f"database path {missing}" in result.stderr
    assert "Traceback" not in result.stderr and not missing.parent.exists()


def test_database_url_is_not_taken_for_a_folder(tmp_path: Path) -> None:
    from storage.db import check_db_location

    check_db_location("postgresql://riskwire:pw@127.0.0.1:5432/riskwire")  # left to its back end
    check_db_location(":memory:")
    check_db_location(tmp_path / "new.db")


# --- explain ------------------------------------------------------------------------------------------


def test_explain_of_a_missing_page_is_a_user_error(cli, feed_server) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("explain", feed_server.url("/story-that-moved"), "--watch", "AMZN")
    assert code == 1 and out == "" and "internal error" not in err
    assert len(err.strip().splitlines()) == 1 and "HTTP 404" in err


# --- export: nothing an analyst opens can run code ----------------------------------------------------

FORMULA_TITLE = "=2+5 Amazon whistleblower says the company breached UK sanctions"
FORMULA_SOURCE = '=HYPERLINK("http://evil.example/","Click")'


def test_csv_export_cells_never_start_a_formula(cli, tmp_path: Path, feed_server) -> None:  # type: ignore[no-untyped-def]
    story = seed_item(pub=recent_pub())
    story.title = FORMULA_TITLE
    plain = Item(
        "Boeing whistleblower says safety records were falsified",
        "https://news.example.com/boeing-whistleblower",
        "A former Boeing quality manager, a whistleblower, told regulators that Boeing falsified "
        "safety records at its South Carolina plant; Boeing denies wrongdoing.",
        pub=recent_pub(2),
    )
    url = feed_server.serve("/evil.xml", rss([story, plain], title=FORMULA_SOURCE))
    assert cli("feeds", "add", url)[0] == 0
    assert cli("watch", "add", "AMZN", "BA", "--to", "console")[0] == 0
    assert cli("poll", "--once")[0] == 0
    assert cli("export", "--format", "csv", "-o", str(tmp_path / "out.csv"))[0] == 0
    assert cli("export", "--format", "jsonl", "-o", str(tmp_path / "out.jsonl"))[0] == 0
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == len(records) == 2
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
        assert row["source"] == "'" + FORMULA_SOURCE
    by_link = {r["link"]: (r, rec) for r, rec in zip(rows, records, strict=True)}
    evil, evil_record = by_link[story.link]
    assert evil["title"] == "'" + FORMULA_TITLE
    assert (
        evil_record["title"] == FORMULA_TITLE and evil_record["source"] == FORMULA_SOURCE
    )  # JSONL as it came
    ordinary, ordinary_record = by_link[plain.link]
    for name in ("title", "summary", "company", "ticker", "link", "created", "severity"):
        assert ordinary[name] == ordinary_record[name]  # ordinary text is unchanged
    from bot.usecases.export import read_csv

    assert read_csv((tmp_path / "out.csv").read_text("utf-8")) == records  # the quote is taken off again
