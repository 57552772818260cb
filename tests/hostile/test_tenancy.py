"""Tenancy through the service layer: a workspace (Slack) or server (Discord) never sees or changes
another's subscriptions, history, search results, reviews or mutes, including when the channel ids
are the same, and including the same ids on the other platform."""

from __future__ import annotations

import pytest
import sqlite_utils

from bot.delivery.targets import parse_target
from bot.pipeline.alerts import build_alert
from bot.pipeline.matching import matcher_for
from bot.pipeline.process import fan_out, process_articles
from bot.usecases import service
from feeds.models import Article
from rules.models import Match
from storage import alerts as alert_store
from storage import articles as article_store
from storage import deliveries, reviews, subscriptions
from tests.clock import ago

# (owner, intruder): the intruder shares as much of the owner's address as a real one could.
CROSSINGS = {
    "slack other workspace, same channel id": ("slack:T1/C1", "slack:T2/C1"),
    "discord other server, same channel id": ("discord:A/C1", "discord:B/C1"),
    "same ids, other platform": ("slack:T1/C1", "discord:T1/C1"),
    "same workspace, other channel": ("slack:T1/C1", "slack:T1/C2"),
}


def scope(target: str, user: str = "U") -> service.Scope:
    return service.Scope(parse_target(target), user=user)


def seed_alert(db: sqlite_utils.Database, article_id: str = "a1") -> str:
    article = Article(
        id=article_id,
        link=f"https://n.example.com/{article_id}",
        title="Amazon accused of sanctions breach",
        summary="A former employee says Amazon breached sanctions.",
    )
    stamp = ago(hours=1)  # inside every window that counts back from now, on any date
    article_store.save_articles(db, [article], stamp)
    alert = build_alert(article, Match("AMZN", "Amazon.com, Inc.", ("sanctions",), "high"), stamp)
    alert_store.insert_alert(db, alert.to_row())
    fan_out(db, alert, stamp)
    return alert.id


@pytest.fixture(params=list(CROSSINGS.values()), ids=list(CROSSINGS))
def pair(request: pytest.FixtureRequest) -> tuple[service.Scope, service.Scope]:
    owner, intruder = request.param
    return scope(owner, "owner"), scope(intruder, "intruder")


def test_subscriptions_are_invisible_across(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"])
    assert [w["ticker"] for w in service.list_watches(db, owner)] == ["AMZN"]
    assert service.list_watches(db, intruder) == []


def test_unwatch_cannot_remove_across(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"])
    assert service.unwatch(db, intruder, ["AMZN"]).unchanged == ["AMZN"]
    assert [w["ticker"] for w in service.list_watches(db, owner)] == ["AMZN"]


def test_watch_cannot_change_options_across(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"], topics=["sanctions"], min_severity="high")
    service.watch(db, intruder, ["AMZN"], min_severity="low")
    (mine,) = service.list_watches(db, owner)
    assert (mine["topics"], mine["min_severity"]) == (["sanctions"], "high")


def test_history_is_invisible_across(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"])
    alert_id = seed_alert(db)
    assert [a.id for a in service.history(db, owner)] == [alert_id]
    assert service.history(db, intruder) == []
    assert service.history(db, intruder, ticker="AMZN") == []


def test_search_is_invisible_across(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"])
    alert_id = seed_alert(db)
    assert [a.id for a in service.search(db, owner, "sanctions")] == [alert_id]
    assert service.search(db, intruder, "sanctions") == []
    assert service.search(db, intruder, "%") == []


def test_summary_counts_only_own_alerts(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"])
    seed_alert(db)
    assert service.summary(db, owner, "AMZN").total == 1
    theirs = service.summary(db, intruder, "AMZN")
    assert theirs.total == 0 and theirs.top == []


def test_review_cannot_reach_across(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"])
    alert_id = seed_alert(db)
    assert service.alert_in_scope(db, intruder, alert_id) is None
    with pytest.raises(service.ServiceError, match="No such alert in this channel"):
        service.review(db, intruder, alert_id, "false_positive", reason="hide it")
    service.review(db, owner, alert_id, "reviewed")
    assert reviews.for_alert(db, alert_id, intruder.key) == []
    assert [r["user"] for r in reviews.for_alert(db, alert_id, owner.key)] == ["owner"]


def test_mute_does_not_silence_across(db, pair) -> None:
    owner, intruder = pair
    service.watch(db, owner, ["AMZN"])
    service.watch(db, intruder, ["AMZN"])
    service.mute(db, intruder, "AMZN", hours=24)
    alert_id = seed_alert(db)
    states = {d["target"]: d["state"] for d in deliveries.for_alert(db, alert_id)}
    assert states == {owner.key: "pending", intruder.key: "skipped"}


# --- names one workspace gives must not decide what another is sent ---------------------------------

GLOBEX = Article(
    id="globex-1",
    link="https://n.example.com/globex",
    title="Globex Corp accused of breaching sanctions on Russia",
    summary="Globex Corp breached US sanctions by shipping parts to a Russian arms maker, a lawsuit says.",
)
ACME = Article(
    id="acme-1",
    link="https://n.example.com/acme",
    title="Acme Widgets accused of breaching sanctions on Iran",
    summary="Acme Widgets breached US sanctions by shipping parts to Iran, a lawsuit says.",
)


def deliveries_by_target(db: sqlite_utils.Database) -> dict[tuple[str, str], str]:
    rows = db.execute(
        "select alerts.article_id, deliveries.target, deliveries.state from deliveries "
        "join alerts on alerts.id = deliveries.alert_id"
    ).fetchall()
    return {(article, target): state for article, target, state in rows}


def test_names_given_elsewhere_never_reach_a_channel(db) -> None:
    mine, theirs = scope("slack:T1/C1"), scope("slack:T2/C1")
    service.watch(db, mine, ["ZZZQ"], names=["Acme Widgets"])
    service.watch(db, theirs, ["ZZZQ"], names=["Globex Corp"])
    process_articles(db, [GLOBEX, ACME], matcher_for(subscriptions.watched(db)))
    assert deliveries_by_target(db) == {
        ("globex-1", "slack:T2/C1"): "pending",
        ("acme-1", "slack:T1/C1"): "pending",
    }
    assert [a.article_id for a in service.history(db, mine)] == ["acme-1"]
    assert [a.article_id for a in service.history(db, theirs)] == ["globex-1"]
    assert service.search(db, mine, "Globex") == [] and service.summary(db, mine, "ZZZQ").total == 1


def test_an_alias_for_a_known_ticker_given_elsewhere_never_reaches_a_channel(db) -> None:
    mine, theirs = scope("discord:A/C1"), scope("discord:B/C1")
    service.watch(db, mine, ["AMZN"])
    service.watch(db, theirs, ["AMZN"], names=["Globex Corp"])  # an intruder's "alias" for Amazon
    process_articles(db, [GLOBEX], matcher_for(subscriptions.watched(db)))
    assert deliveries_by_target(db) == {("globex-1", "discord:B/C1"): "pending"}
    assert service.history(db, mine) == []


def test_a_name_the_directory_knows_counts_for_everyone(db) -> None:
    mine, theirs = scope("slack:T1/C1"), scope("slack:T2/C1")
    service.watch(db, mine, ["AMZN"])
    service.watch(db, theirs, ["AMZN"], names=["Amazon"])  # redundant: the directory knows it
    story = Article(
        id="amzn-1",
        link="https://n.example.com/amzn",
        title="Amazon accused of breaching sanctions on Russia",
        summary="Amazon.com Inc breached US sanctions, a former AWS employee says in a lawsuit.",
    )
    process_articles(db, [story], matcher_for(subscriptions.watched(db)))
    states = deliveries_by_target(db)
    assert states.get(("amzn-1", "slack:T1/C1")) == "pending"
    assert states.get(("amzn-1", "slack:T2/C1")) == "pending"
