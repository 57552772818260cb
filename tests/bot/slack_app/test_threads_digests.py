"""Story updates as thread replies, feed notices and digests, posted by the real SlackNotifier through
the outbox and the digest runner to the fake Web API."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.settings import Settings
from bot.delivery.base import DeliveryRef, current_delivery
from bot.delivery.outbox import deliver_due
from bot.delivery.targets import parse_target
from bot.pipeline.alerts import Alert
from bot.pipeline.polling import poll_once
from bot.pipeline.stories import Report
from bot.slack_app.digest_blocks import digest_blocks, digest_fallback
from bot.usecases import service
from bot.usecases.digest import Digest, TickerGroup, run_due_digests
from feeds.models import Article
from storage import alerts as alert_store
from storage import articles as article_store
from storage import feeds as feed_store
from storage import notices
from storage import reports as report_store
from tests.bot.test_stories import REWRITE, REWRITE_2
from tests.feedkit import Item, recent_pub, rss, seed_item
from tests.slackkit import queue_alert, slack_notifier_for

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")
NASTY = "<!channel> Amazon & <@U999> <https://evil.example|click> @here"


def everything(message: dict[str, Any]) -> str:
    return (message.get("text") or "") + json.dumps(message.get("blocks") or [])


def alert_of(db, alert_id: str) -> Alert:  # type: ignore[no-untyped-def]
    return Alert.from_row(alert_store.get_alert(db, alert_id) or {})


async def test_other_outlets_copies_are_thread_replies_under_the_alert(db, slack_api, feed_server) -> None:
    feeds = [
        ("/a.xml", "Wire A", seed_item(pub=recent_pub(3))),
        ("/b.xml", "Outlet B", Item(REWRITE[0], "https://b.example.com/amzn", REWRITE[1], pub=recent_pub(2))),
        (
            "/c.xml",
            "Outlet C",
            Item(REWRITE_2[0], "https://c.example.com/amzn", REWRITE_2[1], pub=recent_pub(1)),
        ),
    ]
    for path, title, item in feeds:
        feed_store.add(db, feed_server.serve(path, rss([item], title=title)), "2026-01-01T00:00:00+00:00")
    service.watch(db, C1, ["AMZN"])
    note = slack_notifier_for(slack_api.api_url, slack_api.bot_token)
    report = await poll_once(
        db, Settings(db_path=":memory:", allow_private_feeds=True, host_gap=0), {"slack": note}
    )
    assert report.delivered.sent == 1 and report.delivered.updates_sent == 2

    alert_post, *replies = slack_api.posted("C1")
    parent = alert_post.response["ts"]
    assert alert_post.params.get("thread_ts") is None
    assert [r.params["thread_ts"] for r in replies] == [parent, parent]
    for reply in replies:
        assert reply.params["unfurl_links"] is False and reply.params["unfurl_media"] is False
        meta = reply.params["metadata"]
        assert meta["event_type"] == "riskwire_update" and meta["event_payload"]["report_id"] in (1, 2)
    shown = " ".join(everything(slack_api.messages[f"C1:{r.response['ts']}"]) for r in replies)
    assert "Also reported by *Outlet B*" in shown and "<https://b.example.com/amzn|" in shown
    assert "Also reported by *Outlet C*" in shown and "<https://c.example.com/amzn|" in shown
    # the channel itself shows one message; the copies are in its thread
    assert [m["ts"] for m in slack_api.messages.values() if not m.get("thread_ts")] == [parent]
    assert len(slack_api.thread("C1", parent)) == 2
    refs = [r["message_ref"] for r in db["report_deliveries"].rows]
    assert sorted(refs) == sorted(f"C1:{r.response['ts']}" for r in replies)


async def test_an_update_is_escaped_and_needs_no_link_to_be_safe(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    alert = alert_of(db, queue_alert(db))
    note = slack_notifier_for(slack_api.api_url, slack_api.bot_token)
    posted = await note.send(alert, C1.target)
    copy = Report(7, alert.id, "art7", NASTY, NASTY, "javascript:alert(1)")
    result = await note.send_update(alert, copy, C1.target, posted.message_ref)
    assert result.ok
    reply = slack_api.posted()[-1]
    text = everything(reply.params)
    assert "<!channel>" not in text and "<@U999>" not in text and "<https://evil" not in text
    assert "javascript:" not in text and "&lt;!channel&gt;" in text and "&amp;" in text
    assert "@\u2060here" in text  # broadcast words are defused too
    assert reply.params["thread_ts"] == posted.message_ref.split(":")[1]  # type: ignore[union-attr]
    # without the alert's message the copy is posted on its own, naming the story
    alone = await note.send_update(alert, copy, C1.target, None)
    assert alone.ok and "thread_ts" not in slack_api.posted()[-1].params
    assert "AMZN" in slack_api.posted()[-1].params["text"]


async def test_an_interrupted_update_is_found_in_its_thread(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    alert = alert_of(db, queue_alert(db))
    note = slack_notifier_for(slack_api.api_url, slack_api.bot_token)
    assert (await deliver_due(db, {"slack": note})).sent == 1
    parent = db["deliveries"].get(1)["message_ref"]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    article_store.save_articles(
        db,
        [Article(id="copy1", link="https://b.example.com/amzn", title=REWRITE[0], summary=REWRITE[1])],
        now,
    )
    report_id = report_store.add(
        db,
        alert_id=alert.id,
        article_id="copy1",
        ticker="AMZN",
        source="Outlet B",
        title=REWRITE[0],
        summary=REWRITE[1],
        link="https://b.example.com/amzn",
        published=now,
        similarity=0.3,
        created=now,
    )
    assert report_id is not None
    report_store.enqueue_update(db, report_id, alert.id, C1.key, now)
    copy = Report.from_row(report_store.get(db, report_id) or {})
    # the reply reached Slack, then the process died: the row is left `sending` by a dead process
    token = current_delivery.set(DeliveryRef(1, alert.id, C1.target, "x", now, report_id, parent))
    try:
        reply = await note.send_update(alert, copy, C1.target, parent)
    finally:
        current_delivery.reset(token)
    db.execute(
        "update report_deliveries set state = 'sending', attempt_id = ?, sending_since = ? where id = 1",
        [f"{socket.gethostname()}:999999999:deadbeef:0123456789ab", now],
    )

    report = await deliver_due(db, {"slack": note})
    assert report.recovered == 1 and report.updates_sent == 0
    assert len(slack_api.calls_to("chat.postMessage")) == 2  # the alert and the one reply
    (asked,) = slack_api.calls_to("conversations.replies")
    assert asked.params["ts"] == parent.split(":")[1]
    row = db["report_deliveries"].get(1)
    assert row["state"] == "sent" and row["message_ref"] == reply.message_ref


async def test_feed_notices_reach_the_owner_channel_escaped(db, slack_api) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    notices.add(db, C1.key, "feed_paused", "https://x.example/f", f"feed {NASTY} is paused", now)
    note = slack_notifier_for(slack_api.api_url, slack_api.bot_token)
    report = await deliver_due(db, {"slack": note})
    assert report.notices_sent == 1
    (post,) = slack_api.posted("C1")
    text = everything(post.params)
    assert "is paused" in text and "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert post.params["unfurl_links"] is False
    assert notices.for_subject(db, "https://x.example/f")[0]["state"] == "sent"


async def test_a_digest_is_posted_as_blocks_grouped_by_ticker_and_topic(db, slack_api) -> None:
    set_at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    answer = service.digest_command(db, C1, "daily 08:00 Europe/London", now=set_at)
    assert "daily at 08:00 Europe/London" in answer
    service.watch(db, C1, ["AMZN", "AAPL"])
    queue_alert(db, 1, at="2026-11-27T10:00:00+00:00")
    queue_alert(db, 2, at="2026-11-27T11:00:00+00:00")
    queue_alert(db, 3, ticker="AAPL", at="2026-11-27T12:00:00+00:00")
    db.execute("update alerts set title = ? where ticker = 'AAPL'", [NASTY])
    note = slack_notifier_for(slack_api.api_url, slack_api.bot_token)
    assert (await deliver_due(db, {"slack": note})).sent == 3

    digest_run = await run_due_digests(db, {"slack": note}, datetime(2026, 11, 28, 8, 0, 30, tzinfo=UTC))
    assert digest_run.sent == 1
    post = slack_api.posted("C1")[-1]
    blocks = post.params["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Riskwire daily digest"}}
    shown = json.dumps(blocks)
    assert "3 alerts* on 2 tickers" in shown and "(Europe/London)" in shown
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*AMZN* · Amazon.com, Inc. · 2 alerts")  # busiest ticker first
    assert (
        "*Sanctions &amp; export controls* (2)" in sections[0] and "<https://n.example.com/a1|" in sections[0]
    )
    assert sections[1].startswith("*AAPL*") and "&lt;!channel&gt;" in sections[1]
    assert "<!channel>" not in shown and "<@U999>" not in shown
    assert post.params["metadata"]["event_type"] == "riskwire_digest"
    assert "3 alerts on 2 tickers" in post.params["text"]
    assert db["digest_runs"].count == 1 and next(db["digest_runs"].rows)["state"] == "sent"


def test_a_big_digest_stays_inside_slacks_limits() -> None:
    start = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)

    def alert(t: int, n: int) -> Alert:
        return Alert(
            id=f"{t}-{n}",
            article_id=f"{t}-{n}",
            ticker=f"T{t}",
            company=f"Company {t}",
            topics=("sanctions",) if n % 2 else ("surveillance",),
            severity="high",
            stage=None,
            denied=False,
            title="Long headline " * 40,
            link=f"https://news.example.com/{t}/{n}",
            source="Wire",
            published=None,
            summary="",
            evidence=(),
            company_evidence=(),
            created=start.isoformat(),
        )

    groups = [
        TickerGroup(
            f"T{t}",
            f"Company {t}",
            12,
            [
                ("sanctions", [alert(t, n) for n in range(1, 12, 2)]),
                ("surveillance", [alert(t, n) for n in range(0, 12, 2)]),
            ],
        )
        for t in range(30)
    ]
    digest = Digest("slack:T1/C1", "weekly", "UTC", start, start + timedelta(days=7), 360, groups)
    blocks = digest_blocks(digest)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    listed = sum(b["text"]["text"].count("<https://") for b in blocks if b["type"] == "section")
    assert 0 < listed <= 40
    footer = blocks[-1]["elements"][0]["text"]
    assert f"{360 - listed} more stories" in footer and "10 more tickers" in footer
    assert len(digest_fallback(digest)) < 4000


async def test_a_feed_added_in_slack_that_fails_is_paused_and_resumed_with_notices_there(
    frontend, events_url, slack_api, http_settings, db, feed_server
) -> None:
    from dataclasses import replace

    from tests.bot.slack_app.test_end_to_end import command

    slack_api.users["U1"] = {"is_admin": True}
    url = feed_server.url("/later.xml")  # nothing served there yet: 404
    added = await command(events_url, slack_api, f"feeds add {url}")
    assert "Added feed" in added["text"]
    settings = replace(http_settings, feed_failure_limit=1, host_gap=0)
    notifiers = {"slack": frontend.notifier}

    report = await poll_once(db, settings, notifiers)
    assert report.delivered.notices_sent == 1
    (paused,) = slack_api.posted("C1")
    assert "is paused after 1 failures in a row" in paused.params["text"] and url in paused.params["text"]

    feed_server.serve("/later.xml", rss([seed_item(pub=recent_pub())]))
    later = datetime.now(UTC) + timedelta(days=1)  # the paused feed's next probe
    report = await poll_once(db, settings, notifiers, now=lambda: later)
    assert report.delivered.notices_sent == 1
    resumed = slack_api.posted("C1")[-1]
    assert "works again" in resumed.params["text"] and url in resumed.params["text"]
