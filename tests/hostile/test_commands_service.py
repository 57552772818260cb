"""The service functions the Slack and Discord front-ends call, given the same hostile inputs as the
CLI: each returns a sensible result or raises ServiceError (a message fit for the user); nothing
else escapes, and a refused call leaves the database as it was."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from bot.delivery.targets import parse_target
from bot.pipeline.alerts import build_alert
from bot.pipeline.process import fan_out
from bot.usecases import service
from feeds.models import Article
from rules.models import Match
from storage import alerts as alert_store
from storage import articles as article_store
from storage.db import open_db
from tests.clock import ago
from tests.hostile.test_commands_cli import HOSTILE, snapshot

SCOPE = service.Scope(parse_target("slack:T1/C1"), user="U1")


def seed(db: sqlite_utils.Database) -> str:
    service.watch(db, SCOPE, ["AMZN"])
    article = Article(
        id="a1",
        link="https://n.example.com/a1",
        title="Amazon accused of sanctions breach",
        summary="A former employee says Amazon breached sanctions; 100% of claims denied.",
    )
    stamp = ago(hours=1)  # inside every window that counts back from now, on any date
    article_store.save_articles(db, [article], stamp)
    alert = build_alert(article, Match("AMZN", "Amazon.com, Inc.", ("sanctions",), "high"), stamp)
    alert_store.insert_alert(db, alert.to_row())
    fan_out(db, alert, stamp)
    return alert.id


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("template") / "s.db"
    db = open_db(path)
    alert_id = seed(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path, alert_id


@pytest.fixture
def seeded(tmp_path: Path, template: tuple[Path, str]) -> Iterator[tuple[sqlite_utils.Database, Path, str]]:
    path = tmp_path / "s.db"
    shutil.copy(template[0], path)
    db = open_db(path)
    yield db, path, template[1]
    db.close()


Call = Callable[[sqlite_utils.Database, str, str], Any]
CALLS: dict[str, Call] = {
    "parse_ticker_list": lambda db, a, x: service.parse_ticker_list(x),
    "parse_window": lambda db, a, x: service.parse_window(x),
    "watch": lambda db, a, x: service.watch(db, SCOPE, service.parse_ticker_list(x)),
    "watch raw list": lambda db, a, x: service.watch(db, SCOPE, [x]),
    "watch names": lambda db, a, x: service.watch(db, SCOPE, ["ZZZQ"], names=[x]),
    "watch topics": lambda db, a, x: service.watch(db, SCOPE, ["AMZN"], topics=[x]),
    "watch min_severity": lambda db, a, x: service.watch(db, SCOPE, ["AMZN"], min_severity=x),
    "unwatch": lambda db, a, x: service.unwatch(db, SCOPE, service.parse_ticker_list(x)),
    "unwatch raw list": lambda db, a, x: service.unwatch(db, SCOPE, [x]),
    "history ticker": lambda db, a, x: service.history(db, SCOPE, ticker=x),
    "summary": lambda db, a, x: service.summary(db, SCOPE, x),
    "search": lambda db, a, x: service.search(db, SCOPE, x),
    "review alert id": lambda db, a, x: service.review(db, SCOPE, x, "reviewed"),
    "review action": lambda db, a, x: service.review(db, SCOPE, a, x),
    "review reason": lambda db, a, x: service.review(db, SCOPE, a, "reviewed", reason=x * 3),
    "mute": lambda db, a, x: service.mute(db, SCOPE, x),
    "alert_in_scope": lambda db, a, x: service.alert_in_scope(db, SCOPE, x),
}


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("call", list(CALLS))
def test_service_call_holds(seeded: tuple[sqlite_utils.Database, Path, str], call: str, value: str) -> None:
    db, path, alert_id = seeded
    before = snapshot(path)
    try:
        CALLS[call](db, alert_id, value)
    except service.ServiceError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) <= 400, message[:500]
        assert snapshot(path) == before
    # Any other exception fails the test: that is the point.


# --- what the cases resolve to -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ['"unterminated', "NEAR(", "*", "' OR 1=1 --", "%%", "_", "\\"])
def test_search_syntax_is_literal_text(seeded: tuple[sqlite_utils.Database, Path, str], text: str) -> None:
    db, _, _ = seeded
    assert service.search(db, SCOPE, text) == []


def test_search_or_is_the_documented_operator_not_an_injection(
    seeded: tuple[sqlite_utils.Database, Path, str],
) -> None:
    # "a OR b" means either word (README); "1=1" is just text, so only real matches come back
    db, _, alert_id = seeded
    assert [a.id for a in service.search(db, SCOPE, "sanctions OR 1=1")] == [alert_id]
    assert service.search(db, SCOPE, "nothinglikethis OR 1=1") == []


def test_search_finds_a_literal_percent(seeded: tuple[sqlite_utils.Database, Path, str]) -> None:
    db, _, alert_id = seeded
    assert [a.id for a in service.search(db, SCOPE, "100%")] == [alert_id]


def test_search_normalises_fullwidth_text(seeded: tuple[sqlite_utils.Database, Path, str]) -> None:
    db, _, alert_id = seeded
    assert [a.id for a in service.search(db, SCOPE, "ｓａｎｃｔｉｏｎｓ")] == [alert_id]
    assert [a.id for a in service.search(db, SCOPE, "sanc\u200btions")] == [alert_id]


def test_history_refuses_a_non_ticker(seeded: tuple[sqlite_utils.Database, Path, str]) -> None:
    db, _, _ = seeded
    with pytest.raises(service.ServiceError, match="not a ticker"):
        service.history(db, SCOPE, ticker="' OR 1=1 --")
    assert [a.ticker for a in service.history(db, SCOPE, ticker="ａｍｚｎ")] == ["AMZN"]


def test_review_of_a_forged_id_is_no_such_alert(seeded: tuple[sqlite_utils.Database, Path, str]) -> None:
    db, _, _ = seeded
    for forged in ("' OR 1=1 --", "%", "*", "a1' --"):
        with pytest.raises(service.ServiceError, match="No such alert in this channel"):
            service.review(db, SCOPE, forged, "reviewed")
    assert db["reviews"].count == 0


@pytest.mark.parametrize("hours", [0, -1, 24 * 90 + 1, 10**18])
def test_mute_hours_out_of_range(seeded: tuple[sqlite_utils.Database, Path, str], hours: int) -> None:
    db, _, _ = seeded
    with pytest.raises(service.ServiceError, match="between 1 hour and 90 days"):
        service.mute(db, SCOPE, "AMZN", hours=hours)


@pytest.mark.parametrize("limit", [0, -5, 1001, 10**12])
def test_history_limit_out_of_range(seeded: tuple[sqlite_utils.Database, Path, str], limit: int) -> None:
    db, _, _ = seeded
    with pytest.raises(service.ServiceError, match="limit must be between"):
        service.history(db, SCOPE, limit=limit)


@pytest.mark.parametrize("days", [0, -1, 3651, 10**12])
def test_summary_days_out_of_range(seeded: tuple[sqlite_utils.Database, Path, str], days: int) -> None:
    db, _, _ = seeded
    with pytest.raises(service.ServiceError, match="days must be between"):
        service.summary(db, SCOPE, "AMZN", days)


def test_too_many_tickers_at_once(seeded: tuple[sqlite_utils.Database, Path, str]) -> None:
    with pytest.raises(service.ServiceError, match="At most 25 tickers"):
        service.parse_ticker_list(" ".join(f"T{i}" for i in range(26)))
