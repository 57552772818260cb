"""The shared use cases, with tenancy: one target never sees or changes another's data."""

from __future__ import annotations

import pytest

from bot.delivery.targets import parse_target
from bot.pipeline.alerts import build_alert
from bot.pipeline.process import fan_out
from bot.usecases import service
from feeds.models import Article
from rules.models import Match
from storage import alerts as alert_store
from storage import articles as article_store

T1 = service.Scope(parse_target("slack:T1/C1"), user="U1")
T2 = service.Scope(parse_target("slack:T2/C9"), user="U2")


def _alert(db, ticker: str = "AMZN") -> str:
    article = Article(
        id="a1",
        link="https://n.example.com/a1",
        title="Amazon accused of sanctions breach",
        summary="A former employee says Amazon breached sanctions.",
    )
    article_store.save_articles(db, [article], "2026-11-27T00:00:00+00:00")
    alert = build_alert(
        article, Match(ticker, "Amazon.com, Inc.", ("sanctions",), "high"), "2026-11-27T00:00:00+00:00"
    )
    alert_store.insert_alert(db, alert.to_row())
    fan_out(db, alert, "2026-11-27T00:00:00+00:00")
    return alert.id


def test_watch_is_all_or_nothing(db) -> None:
    with pytest.raises(service.ServiceError) as err:
        service.watch(db, T1, ["AMZN", "NOPEQX"])
    assert "NOPEQX" in str(err.value) and "Nothing was changed" in str(err.value)
    assert service.list_watches(db, T1) == []


def test_tenancy_of_watch_list_and_unwatch(db) -> None:
    service.watch(db, T1, ["AMZN"])
    assert [w["ticker"] for w in service.list_watches(db, T1)] == ["AMZN"]
    assert service.list_watches(db, T2) == []
    result = service.unwatch(db, T2, ["AMZN"])
    assert result.unchanged == ["AMZN"]
    assert [w["ticker"] for w in service.list_watches(db, T1)] == ["AMZN"]


def test_history_search_and_review_are_scoped(db) -> None:
    service.watch(db, T1, ["AMZN"])
    alert_id = _alert(db)
    assert [a.id for a in service.history(db, T1)] == [alert_id]
    assert service.history(db, T2) == []
    assert [a.id for a in service.search(db, T1, "sanctions breach")] == [alert_id]
    assert service.search(db, T2, "sanctions") == []
    with pytest.raises(service.ServiceError):
        service.review(db, T2, alert_id, "reviewed")
    done = service.review(db, T1, alert_id, "false_positive", reason="not about Amazon")
    assert (done.user, done.action) == ("U1", "false_positive")


def test_mute_skips_deliveries(db) -> None:
    service.watch(db, T1, ["AMZN"])
    service.mute(db, T1, "AMZN", hours=24)
    _alert(db)
    (row,) = db.table("deliveries").rows
    assert row["state"] == "skipped" and row["last_error"] == "muted"


@pytest.mark.parametrize("text", ["", "   ", "x" * 201])
def test_search_rejects_empty_and_huge(db, text) -> None:
    with pytest.raises(service.ServiceError):
        service.search(db, T1, text)


def test_search_treats_wildcards_literally(db) -> None:
    service.watch(db, T1, ["AMZN"])
    _alert(db)
    assert service.search(db, T1, "%") == []
