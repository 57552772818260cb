"""The repository modules, each used as the pipeline and the service use them, on both back ends: the
outbox's claim and finish protocol, linked reports and their updates, notices, mutes, digests, the
sanctions and listed-company registers, feed health, retention and the webhook check."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.discord_app.webhook_targets import webhook_targets_exist
from bot.ops.retention import prune
from bot.pipeline.parties import load_index
from storage import companies, deliveries, digests, mutes, notices, reports, sanctions, subscriptions
from storage import feeds as feed_store
from storage import history as hist
from tests.clock import ago
from tests.historykit import add_alert


def test_the_outbox_claims_and_settles_each_attempt_once(db) -> None:
    alert = add_alert(db, created=ago(), targets=("console", "slack:T/C"), state="pending")
    assert not deliveries.enqueue(db, alert.id, "console", None, ago())
    due = deliveries.due(db, ago(hours=-1), exclude_targets=["slack:T/C"])
    assert [(r["alert_id"], r["target"]) for r in due] == [(alert.id, "console")]
    row = due[0]
    assert deliveries.claim(db, row["id"], "attempt-1", ago())
    assert not deliveries.claim(db, row["id"], "attempt-2", ago())  # no longer due
    assert [r["id"] for r in deliveries.in_sending(db)] == [row["id"]]
    assert not deliveries.finish_sent(db, row["id"], "attempt-2", ago(), "ts-1")  # a stale attempt
    retry_at = ago(hours=-2)
    assert deliveries.finish_retry(db, row["id"], "attempt-1", retry_at, "429")
    assert deliveries.next_retry(db, ago()) == retry_at
    assert deliveries.claim(db, row["id"], "attempt-3", ago())
    assert deliveries.finish_sent(db, row["id"], "attempt-3", ago(), "ts-1")
    assert deliveries.counts_by_state(db) == {"sent": 1, "pending": 1}
    (sent,) = [r for r in deliveries.for_alert(db, alert.id) if r["state"] == "sent"]
    assert sent["attempts"] == 2 and sent["message_ref"] == "ts-1" and sent["last_error"] is None
    assert [r["target"] for r in deliveries.for_story(db, alert.id)] == ["console", "slack:T/C"]
    (waiting,) = [r for r in deliveries.for_alert(db, alert.id) if r["target"] == "slack:T/C"]
    deliveries.mark_unroutable(db, waiting["id"], "unreadable target")
    log = deliveries.delivery_log(db, [alert.id])[alert.id]
    assert [(d["target"], d["state"], d["attempts"]) for d in log] == [
        ("console", "sent", 2),
        ("slack:T/C", "failed", 0),
    ]


def test_linked_reports_and_their_updates(db) -> None:
    story = add_alert(db, created=ago(), targets=("console", "slack:T/C"))
    db.execute("update deliveries set state = 'failed' where target = 'slack:T/C'")
    copy = add_alert(db, created=ago(), targets=())
    args = dict(alert_id=story.id, article_id=copy.article_id, ticker="AMZN", source="Other Wire")
    text = dict(title="The same story", summary="Again.", link="https://other.example.com/1", published=None)
    report_id = reports.add(db, **args, **text, similarity=0.91234, created=ago())
    assert report_id is not None
    assert reports.add(db, **args, **text, similarity=0.9, created=ago()) is None  # linked already
    assert reports.get(db, report_id)["similarity"] == 0.912  # type: ignore[index]
    assert reports.linked_articles(db, [copy.article_id, "other"]) == {(copy.article_id, "AMZN")}
    assert reports.enqueue_update(db, report_id, story.id, "console", ago())
    assert reports.enqueue_update(db, report_id, story.id, "slack:T/C", ago())
    assert not reports.enqueue_update(db, report_id, story.id, "console", ago())
    assert reports.skip_orphaned(db) == 1  # the story never reached slack:T/C
    (update,) = reports.due_updates(db, ago(hours=-1))
    assert update["target"] == "console" and update["parent_ref"] is None
    assert reports.counts_by_state(db) == {"pending": 1, "skipped": 1}
    reports.skip_update(db, update["id"], "this platform does not post story updates")
    assert reports.due_updates(db, ago(hours=-1)) == []
    assert [r["id"] for r in reports.for_alert(db, story.id)] == [report_id]


def test_notices_mutes_and_subscriptions(db) -> None:
    first = notices.add(db, "console", "paused", "https://f.example.com/", "Feed paused", ago())
    second = notices.add(db, "console", "resumed", "https://f.example.com/", "Feed back", ago())
    assert second == first + 1
    notices.mark(db, first, "sent", at=ago())
    notices.mark(db, second, "retrying", error="503", next_attempt=ago(hours=-1))
    assert notices.due(db, ago()) == []
    assert [n["id"] for n in notices.due(db, ago(hours=-2))] == [second]
    assert [n["state"] for n in notices.for_subject(db, "https://f.example.com/")] == ["sent", "retrying"]

    mutes.mute(db, "console", "amzn", ago(hours=-1), "ann")
    mutes.mute(db, "console", "AMZN", ago(hours=-2), "bob")  # the later mute replaces the first
    assert mutes.is_muted(db, "console", "AMZN", ago(hours=-1.5))
    assert mutes.unmute(db, "console", "AMZN") and not mutes.unmute(db, "console", "AMZN")

    for target, names in (("slack:T/C1", ["Amazon Web Services"]), ("slack:T/C2", [])):
        subscriptions.add(
            db, target=target, platform="slack", workspace="T", channel=target[-2:], ticker="AMZN",
            created=ago(), names=names,
        )  # fmt: skip
    assert subscriptions.watched(db) == {"AMZN": ["Amazon Web Services"]}
    assert subscriptions.names_by_target(db, "amzn") == {"slack:T/C1": ["Amazon Web Services"]}
    assert subscriptions.mark_broken(db, "slack:T/C2", "channel_not_found") == 1
    assert [s["target"] for s in subscriptions.for_ticker(db, "AMZN")] == ["slack:T/C1"]
    assert not webhook_targets_exist(db)
    subscriptions.add(
        db, target="discord:webhook:1/abc", platform="discord", workspace=None, channel=None,
        ticker="BA", created=ago(),
    )  # fmt: skip
    assert webhook_targets_exist(db)


def test_digest_schedules_and_runs(db) -> None:
    row = {
        "target": "console", "platform": "console", "cadence": "daily", "at_time": "08:00",
        "tz": "Europe/London", "created": ago(), "next_slot": ago(hours=1), "window_start": ago(days=1),
    }  # fmt: skip
    digests.upsert(db, row)
    digests.upsert(db, {**row, "at_time": "09:00"})
    assert [d["at_time"] for d in digests.all_digests(db)] == ["09:00"]
    assert [d["target"] for d in digests.due(db, ago())] == ["console"]
    # the claim is a compare-and-set on retry_at, which may be NULL
    assert digests.claim(db, "console", row["next_slot"], None, ago(hours=-1))
    assert not digests.claim(db, "console", row["next_slot"], None, ago(hours=-1))
    assert digests.claim(db, "console", row["next_slot"], ago(hours=-1), ago(hours=-2))
    assert digests.due(db, ago()) == []
    run = {"target": "console", "slot": row["next_slot"], "state": "sending", "at": ago(), "attempt_id": "a1"}
    run_id = digests.log_run(db, run)
    assert run_id and digests.log_run(db, {**run, "state": "empty"}) == run_id + 1
    assert [r["id"] for r in digests.in_sending(db, "console")] == [run_id]
    assert not digests.finish_run(db, run_id, "a2", {"state": "sent"})
    assert digests.finish_run(db, run_id, "a1", {"state": "sent", "message_ref": "m1"})
    assert [r["state"] for r in digests.runs(db, "console")] == ["empty", "sent"]
    digests.update(db, "console", {"portfolio": 1})
    assert digests.get(db, "console")["portfolio"] == 1  # type: ignore[index]
    assert digests.remove(db, "console") and digests.get(db, "console") is None


def test_registers_are_replaced_whole(db) -> None:
    entries = [{"name": "VisionLabs", "aliases": ["Vision Labs"], "programme": "Russia", "kind": "entity"}]
    assert sanctions.replace_list(db, name="team", source="import", origin="a.csv", published=None,
                                  loaded=ago(), entries=entries * 2, sha256="s1") == 2  # fmt: skip
    assert sanctions.replace_list(db, name="team", source="import", origin="a.csv", published=None,
                                  loaded=ago(hours=-1), entries=entries, sha256="s2") == 1  # fmt: skip
    assert [e["aliases"] for e in sanctions.entries(db)] == [["Vision Labs"]]
    assert sanctions.sha256_of(db, "team") == "s2" and len(sanctions.version(db)) == 1
    assert load_index(db) is load_index(db)  # cached for the database it names

    rows = [
        {"ticker": "GOOGL", "cik": 1652044, "name": "Alphabet Inc.", "exchange": "Nasdaq"},
        {"ticker": "GOOG", "cik": 1652044, "name": "Alphabet Inc.", "exchange": "Nasdaq"},
        {"ticker": "AAPL", "cik": 320193, "name": "Apple Inc.", "exchange": "Nasdaq"},
    ]
    assert companies.replace_all(db, source="sec", origin="u", loaded=ago(), companies=rows) == 3
    assert companies.replace_all(db, source="sec", origin="u", loaded=ago(), companies=rows[:2]) == 2
    assert [c["ticker"] for c in companies.issuers_of(db, ["googl"])] == ["GOOG", "GOOGL"]
    assert [c["ticker"] for c in companies.all_companies(db)] == ["GOOG", "GOOGL"]
    assert companies.version(db)[0][1].endswith(":2:")


def test_feed_health_and_schedule(db) -> None:
    url, other = "https://a.example.com/feed", "https://b.example.com/feed"
    feed_store.add(db, url, ago(hours=2))
    feed_store.add(db, other, ago(hours=1))
    assert [f["url"] for f in feed_store.due(db, ago())] == [url, other]  # never polled: due at once
    next_poll = ago(hours=-1)
    feed_store.record_success(db, url, ago(), status=200, etag="e", last_modified=None, title="A",
                              new_items=4, next_poll=next_poll)  # fmt: skip
    assert feed_store.record_failure(db, other, ago(), status=500, error="boom") == 1
    assert feed_store.pause(db, other, ago(), "5 failures") and not feed_store.pause(db, other, ago(), "x")
    assert feed_store.counts_by_health(db) == {"paused": 1, "failing": 0, "ok": 1, "new": 0}
    assert feed_store.next_due(db) == ""  # the paused feed has no next poll yet
    assert feed_store.resume(db, other)
    feed_store.schedule(db, other, ago(hours=-3))
    assert feed_store.next_due(db) == next_poll
    assert feed_store.operator_feeds_not_owned_by(db, "slack:T1/") == 2


def test_retention_keeps_what_is_still_on_its_way(db) -> None:
    now = datetime.now(UTC)
    gone = add_alert(db, created=ago(days=800))
    waiting = add_alert(db, created=gone.created, state="retrying")
    fresh = add_alert(db, created=ago(hours=1))
    report = prune(db, 365, now)
    assert (report.alerts, report.articles) == (1, 1)
    left = {r["id"] for r in hist.select_alerts(db, hist.AlertFilter(), limit=None)}
    assert left == {waiting.id, fresh.id}
