"""One alert per story: copies from other outlets link to the first alert; new developments and other
events about the same company and topic stay new alerts."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.delivery.targets import parse_target
from bot.pipeline.alerts import Alert, build_alert
from bot.pipeline.matching import matcher_for
from bot.pipeline.polling import poll_once
from bot.pipeline.process import process_articles
from bot.pipeline.stories import same_story, similarity, words
from bot.usecases import service
from feeds.models import Article
from storage import feeds as feed_store
from storage import reports as report_store
from tests.feedkit import SEED, Item, recent_pub, rss, seed_item

REWRITE = (
    "Ex-AWS employee says Amazon breached UK sanctions by selling facial recognition to Russian firm",
    "A former Amazon Web Services employee told a London employment tribunal that Amazon supplied its "
    "Rekognition facial recognition technology to VisionLabs, a Russian company, in breach of UK "
    "sanctions. Amazon denies the claims.",
)
REWRITE_2 = (
    "Amazon whistleblower alleges Rekognition sold to Russian firm despite sanctions",
    "Charles Forrest, who worked at AWS for four years, alleges Amazon sold facial recognition "
    "technology to VisionLabs through a Dutch shell company, breaching UK sanctions on Russia. Amazon "
    "says it did not sell Rekognition to VisionLabs.",
)
FINED = (  # a new development: the same affair reaches a penalty
    "Amazon fined £5m by OFSI for breaching Russia sanctions over facial recognition sales",
    "The UK's Office of Financial Sanctions Implementation fined Amazon (NASDAQ: AMZN) £5m after "
    "finding AWS supplied facial recognition technology to a Russian firm in breach of sanctions.",
)
OTHER_EVENT = (  # same company, same topic, another affair
    "Amazon accused of breaching Iran sanctions through cloud contracts with Tehran banks",
    "A former Amazon (NASDAQ: AMZN) contractor alleges that AWS hosted services for sanctioned Iranian "
    "banks, breaching US sanctions administered by OFAC.",
)
OTHER_TOPIC_EVENT = (
    "Amazon faces whistleblower claims over warehouse surveillance of workers",
    "A whistleblower alleges Amazon (NASDAQ: AMZN) used facial recognition cameras to track warehouse "
    "workers in Poland without consent.",
)


def alert_for(title: str, lead: str, body: str = "", key: str = "x") -> Alert:
    article = Article(
        id=key,
        link=f"https://{key}.example.com/story",
        title=title,
        summary=lead,
        content=body,
        published=datetime.now(UTC),
        source=f"{key} news",
    )
    (match,) = [m for m in matcher_for({"AMZN": []}).match(article) if m.is_risk]
    return build_alert(article, match, "2026-11-25T10:00:00+00:00")


@pytest.fixture(scope="module")
def original() -> Alert:
    text = SEED.read_text(encoding="utf-8")
    title, _, body = text.partition("\n\n")
    return alert_for(title.strip(), body.split("\n\n")[0], body, "orig")


def test_words_are_stemmed_without_stop_words() -> None:
    assert words("The sanctions were breached; sanctioned breaches") == [
        "sanction",
        "breach",
        "sanction",
        "breach",
    ]


@pytest.mark.parametrize("copy", [REWRITE, REWRITE_2], ids=["rewrite", "rewrite-earlier-stage"])
def test_rewrites_by_other_outlets_are_the_same_story(original: Alert, copy: tuple[str, str]) -> None:
    assert same_story(alert_for(*copy, key="copy"), original)


def test_a_verbatim_copy_is_the_same_story(original: Alert) -> None:
    copy = alert_for(original.title, original.summary, key="wire")
    assert similarity(copy, original) == 1.0


@pytest.mark.parametrize(
    "event", [FINED, OTHER_EVENT, OTHER_TOPIC_EVENT], ids=["new-stage", "other-affair", "other-affair-2"]
)
def test_new_developments_and_other_events_are_new_alerts(original: Alert, event: tuple[str, str]) -> None:
    assert not same_story(alert_for(*event, key="new"), original)


def test_stage_advance_wins_over_similar_wording(original: Alert) -> None:
    fined = alert_for(*FINED, key="fine")
    assert fined.stage == "settlement" and original.stage == "lawsuit"
    assert similarity(fined, original) == 0.0
    # the other way round (an older-stage copy after the penalty) is the same story
    assert same_story(alert_for(*REWRITE, key="late"), fined)


async def test_the_same_story_from_three_feeds_is_one_alert_and_two_linked_reports(feed_server, db) -> None:
    first = feed_server.serve("/a.xml", rss([seed_item(pub=recent_pub(3))], title="Wire A"))
    second = feed_server.serve(
        "/b.xml",
        rss(
            [Item(REWRITE[0], "https://b.example.com/amzn", REWRITE[1], pub=recent_pub(2))], title="Outlet B"
        ),
    )
    third = feed_server.serve(
        "/c.xml",
        rss(
            [Item(REWRITE_2[0], "https://c.example.com/amzn", REWRITE_2[1], pub=recent_pub(1))],
            title="Outlet C",
        ),
    )
    for url in (first, second, third):
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    out = io.StringIO()
    report = await poll_once(
        db,
        Settings(db_path=":memory:", allow_private_feeds=True, host_gap=0),
        {"console": ConsoleNotifier(out)},
    )

    assert len(report.processed.alerts) == 1 and report.processed.linked == 2
    assert db["alerts"].count == 1 and db["deliveries"].count == 1
    (alert,) = db["alerts"].rows
    linked = report_store.for_alert(db, alert["id"])
    assert sorted(r["source"] for r in linked) == sorted(
        {"Wire A", "Outlet B", "Outlet C"} - {alert["source"]}
    )
    assert all(0.2 <= r["similarity"] <= 1 for r in linked)
    assert report.delivered.sent == 1 and report.delivered.updates_sent == 2
    text = out.getvalue()
    assert text.count("AMZN · Amazon") == 1 and text.count("also reported by") == 2


async def test_a_new_development_after_the_story_is_a_new_alert_and_old_stories_expire(db) -> None:
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    matcher = matcher_for({"AMZN": []})
    clock = datetime.now(UTC)

    def article(key: str, title: str, lead: str, published: datetime = clock) -> Article:
        return Article(key, f"https://{key}.example.com/", title, lead, published=published, source=key)

    def process(*items: Article, at: datetime = clock):  # type: ignore[no-untyped-def]
        return process_articles(db, items, matcher, now=lambda: at, baseline_hours=72)

    assert len(process(article("b", *REWRITE)).alerts) == 1
    linked = process(article("c", *REWRITE_2))
    assert linked.alerts == [] and linked.linked == 1
    assert len(process(article("d", *FINED)).alerts) == 1  # a new stage: a new alert
    assert len(process(article("e", *OTHER_EVENT)).alerts) == 1
    later = clock + timedelta(hours=73)  # published outside the window, the copy starts a story of its own
    assert len(process(article("f", REWRITE[0], REWRITE[1] + " More.", later), at=later).alerts) == 1
    assert db["alerts"].count == 4 and db["reports"].count == 1


def test_a_channel_that_never_had_the_story_gets_the_copy_as_an_alert(db) -> None:
    early, late = service.Scope(parse_target("slack:T1/C1")), service.Scope(parse_target("slack:T2/C2"))
    service.watch(db, early, ["AMZN"])
    now = datetime.now(UTC)
    first = Article(
        id="first",
        link="https://a.example.com/1",
        title=REWRITE[0],
        summary=REWRITE[1],
        published=now,
        source="A news",
    )
    copy = Article(
        id="copy",
        link="https://b.example.com/2",
        title=REWRITE_2[0],
        summary=REWRITE_2[1],
        published=now,
        source="B news",
    )
    process_articles(db, [first], matcher_for({"AMZN": []}))
    service.watch(db, late, ["AMZN"])  # joins after the story was alerted
    report = process_articles(db, [copy], matcher_for({"AMZN": []}))
    assert report.linked == 1 and len(report.alerts) == 1  # linked for T1, a new alert for T2 alone
    rows = {(r["alert_id"], r["target"]) for r in db.table("deliveries").rows}
    (copy_alert,) = report.alerts
    assert (copy_alert.id, "slack:T2/C2") in rows and (copy_alert.id, "slack:T1/C1") not in rows
    (update,) = db.table("report_deliveries").rows
    assert update["target"] == "slack:T1/C1"  # the channel that had the story gets "also reported by"
