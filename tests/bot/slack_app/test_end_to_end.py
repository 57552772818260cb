"""The Slack front-end end to end: the real Bolt app in HTTP mode and the real AsyncWebClient against
a local fake Web API, slash commands and button clicks sent as signed requests, a real local feed."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.pipeline.polling import poll_once
from bot.slack_app.frontend import SlackFrontend
from storage import feeds as feed_store
from tests.fakes.slack_api import FakeSlackApi
from tests.feedkit import recent_pub, rss, seed_item
from tests.slackkit import action_body, action_payload, command_body, post_signed

_counter = iter(range(1_000_000))


async def command(events_url: str, slack_api: FakeSlackApi, text: str, **where: str) -> dict[str, Any]:
    """Send `/riskwire text` and return what the app answered on the response URL."""
    name = f"r{next(_counter)}"
    body = command_body(text, response_url=slack_api.response_url(name), **where)
    status, ack = await post_signed(events_url, body)
    assert status == 200, ack
    return await slack_api.wait_for(lambda: next((b for n, b in slack_api.responses if n == name), None))


def everything(answer: dict[str, Any]) -> str:
    """The fallback text and every block, as one string to search."""
    return answer.get("text", "") + json.dumps(answer.get("blocks") or [])


async def poll(db, settings: Settings, frontend: SlackFrontend, feed_server, body: str) -> Any:  # type: ignore[no-untyped-def]
    url = feed_server.serve("/risk.xml", body)
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    import io

    return await poll_once(
        db, settings, {"slack": frontend.notifier, "console": ConsoleNotifier(io.StringIO())}
    )


async def test_watch_poll_alert_then_history(
    frontend, events_url, slack_api, http_settings, db, feed_server
) -> None:
    answer = await command(events_url, slack_api, "watch AMZN")
    assert answer["response_type"] == "in_channel"
    assert "AMZN" in answer["text"] and "Amazon.com, Inc." in answer["text"]

    report = await poll(db, http_settings, frontend, feed_server, rss([seed_item(pub=recent_pub())]))
    assert report.delivered.sent == 1

    (post,) = slack_api.posted("C1")
    assert post.params["unfurl_links"] is False and post.params["unfurl_media"] is False
    blocks = json.dumps(post.params["blocks"])
    assert "<https://news.example.com/amazon-sanctions|" in blocks
    assert "AMZN" in blocks and "Sanctions" in blocks and "Why:" in blocks
    assert {
        e["action_id"] for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]
    } == {
        "riskwire_reviewed",
        "riskwire_false_positive",
        "riskwire_mute",
    }
    assert "AMZN" in post.params["text"]  # the plain-text fallback
    (row,) = db["deliveries"].rows
    assert row["state"] == "sent" and row["message_ref"] == f"C1:{post.response['ts']}"

    history = await command(events_url, slack_api, "history")
    assert "amazon-sanctions" in everything(history)
    assert "AMZN" in everything(history)
    elsewhere = await command(events_url, slack_api, "history", channel="C2")
    assert "No alerts for this channel yet" in elsewhere["text"]


async def test_bad_or_stale_signature_gets_401_and_is_logged(
    frontend, events_url, slack_api, db, caplog
) -> None:
    import time

    caplog.set_level(logging.WARNING, logger="bot.slack_app.frontend")
    body = command_body("watch AMZN", response_url=slack_api.response_url("x"))
    assert (await post_signed(events_url, body, bad_signature=True))[0] == 401
    assert (await post_signed(events_url, body, secret="not-the-secret"))[0] == 401
    assert (await post_signed(events_url, body, timestamp=int(time.time()) - 600))[0] == 401
    assert db["subscriptions"].count == 0 and slack_api.responses == []
    rejected = [r for r in caplog.records if "bad or stale Slack signature" in r.getMessage()]
    assert len(rejected) == 3
    assert all("test-signing-secret" not in r.getMessage() for r in caplog.records)


async def _alert_posted(events_url, slack_api, http_settings, db, frontend, feed_server):  # type: ignore[no-untyped-def]
    await command(events_url, slack_api, "watch AMZN")
    await poll(db, http_settings, frontend, feed_server, rss([seed_item(pub=recent_pub())]))
    (post,) = slack_api.posted("C1")
    (alert_id,) = [r["id"] for r in db["alerts"].rows]
    return post, alert_id


async def click(events_url, slack_api, action_id: str, alert_id: str, ts: str, **where: str) -> int:
    name = f"r{next(_counter)}"
    payload = action_payload(
        action_id, alert_id, message_ts=ts, response_url=slack_api.response_url(name), **where
    )
    status, _ = await post_signed(events_url, action_body(payload))
    return status


async def test_button_clicks_are_stored_and_update_the_message(
    frontend, events_url, slack_api, http_settings, db, feed_server
) -> None:
    post, alert_id = await _alert_posted(events_url, slack_api, http_settings, db, frontend, feed_server)
    ts = post.response["ts"]

    assert await click(events_url, slack_api, "riskwire_reviewed", alert_id, ts, user="U1") == 200
    await slack_api.wait_for(lambda: len(slack_api.calls_to("chat.update")) == 1)
    assert await click(events_url, slack_api, "riskwire_false_positive", alert_id, ts, user="U2") == 200
    await slack_api.wait_for(lambda: len(slack_api.calls_to("chat.update")) == 2)
    assert await click(events_url, slack_api, "riskwire_mute", alert_id, ts, user="U3") == 200
    await slack_api.wait_for(lambda: len(slack_api.calls_to("chat.update")) == 3)

    reviews = [(r["action"], r["user"], r["target"]) for r in db["reviews"].rows]
    assert reviews == [
        ("reviewed", "U1", "slack:T1/C1"),
        ("false_positive", "U2", "slack:T1/C1"),
        ("muted", "U3", "slack:T1/C1"),
    ]
    assert all(r["at"] for r in db["reviews"].rows)
    (mute,) = db["mutes"].rows
    assert (mute["target"], mute["ticker"], mute["by"]) == ("slack:T1/C1", "AMZN", "U3")

    update = slack_api.calls_to("chat.update")[-1].params
    assert (update["channel"], update["ts"]) == ("C1", ts)
    shown = json.dumps(slack_api.messages[f"C1:{ts}"]["blocks"])
    assert "Marked reviewed by <@U1>" in shown
    assert "Marked false positive by <@U2>" in shown
    assert "AMZN muted here until" in shown and "by <@U3>" in shown
    assert "amazon-sanctions" in shown  # still the alert


async def test_a_click_from_another_workspace_changes_nothing(
    frontend, events_url, slack_api, http_settings, db, feed_server
) -> None:
    post, alert_id = await _alert_posted(events_url, slack_api, http_settings, db, frontend, feed_server)
    name = f"r{next(_counter)}"
    payload = action_payload(
        "riskwire_reviewed",
        alert_id,
        team="T2",
        message_ts=post.response["ts"],
        response_url=slack_api.response_url(name),
    )
    assert (await post_signed(events_url, action_body(payload)))[0] == 200
    answer = await slack_api.wait_for(lambda: next((b for n, b in slack_api.responses if n == name), None))
    assert answer["response_type"] == "ephemeral" and "No such alert in this channel" in answer["text"]
    assert db["reviews"].count == 0
    assert slack_api.calls_to("chat.update") == []


async def test_feed_text_arrives_neutralised(
    frontend, events_url, slack_api, http_settings, db, feed_server
) -> None:
    item = seed_item(pub=recent_pub())
    # the feed sends HTML-escaped markup, so after parsing the title really holds Slack syntax
    item.title = f"&lt;!channel&gt; {item.title} &lt;https://evil.example|click&gt; &lt;@U999&gt;"
    item.description = "@here &lt;!everyone&gt; " + item.description
    await command(events_url, slack_api, "watch AMZN")
    report = await poll(db, http_settings, frontend, feed_server, rss([item]))
    (alert,) = report.processed.alerts
    assert "<!channel>" in alert.title and "<https://evil.example|click>" in alert.title  # stored as sent

    (post,) = slack_api.posted("C1")
    for text in [post.params["text"], json.dumps(post.params["blocks"])]:
        for raw in ["<!channel>", "<!everyone>", "<@U999>", "<https://evil.example", "@here"]:
            assert raw not in text, (raw, text)
        assert "&lt;!channel&gt;" in text and "&lt;https://evil.example|click&gt;" in text
    # the headline shows another address, so the story's link is shown as its own address
    assert "<https://news.example.com/amazon-sanctions>" in json.dumps(post.params["blocks"])


async def test_workspace_t2_cannot_list_or_unwatch_t1s_subscriptions(
    frontend, events_url, slack_api, db
) -> None:
    await command(events_url, slack_api, "watch MSFT AAPL", team="T1", channel="C1")
    # same channel id, other workspace: a different tenant
    listed = await command(events_url, slack_api, "list", team="T2", channel="C1")
    assert "watches nothing" in listed["text"]
    assert "MSFT" not in everything(listed) and "AAPL" not in everything(listed)
    removed = await command(events_url, slack_api, "unwatch MSFT AAPL", team="T2", channel="C1")
    assert "were not watched here" in removed["text"]
    assert removed["response_type"] == "ephemeral"
    mine = await command(events_url, slack_api, "list", team="T1", channel="C1")
    assert "*MSFT*" in mine["text"] and "*AAPL*" in mine["text"]
    assert sorted(r["ticker"] for r in db["subscriptions"].rows) == ["AAPL", "MSFT"]


async def test_errors_are_ephemeral_and_helpful(frontend, events_url, slack_api, db) -> None:
    typo = await command(events_url, slack_api, "wacth AMZN")
    assert typo["response_type"] == "ephemeral" and "/riskwire watch" in typo["text"]
    unknown = await command(events_url, slack_api, "watch AMZN AMZM")
    assert (
        "AMZM" in unknown["text"] and "AMZN" in unknown["text"] and "Nothing was changed" in unknown["text"]
    )
    assert db["subscriptions"].count == 0
    window = await command(events_url, slack_api, "summary AMZN 45d")
    assert "7d, 30d, 90d" in window["text"]


async def test_feed_management_needs_an_admin(frontend, events_url, slack_api, db) -> None:
    slack_api.users["UADMIN"] = {"is_admin": True}
    slack_api.users["UPLAIN"] = {"is_admin": False, "is_owner": False}
    url = "https://feeds.example.com/risk.xml"
    refused = await command(events_url, slack_api, f"feeds add <{url}>", user="UPLAIN")
    assert "workspace admin" in refused["text"] and db["feeds"].count == 0
    added = await command(events_url, slack_api, f"feeds add <{url}>", user="UADMIN")
    assert "Added feed" in added["text"]
    (row,) = db["feeds"].rows
    assert (row["url"], row["owner_target"], row["added_by"]) == (url, "slack:T1/C1", "UADMIN")
    assert [c.params["user"] for c in slack_api.calls_to("users.info")] == ["UPLAIN", "UADMIN"]
    other = await command(events_url, slack_api, "feeds", team="T2")
    # T2 learns nothing of T1's feed: not its URL, and not in the count (which is the operator's feeds)
    assert url not in everything(other) and "also polls 0 feeds" in other["text"]
    slack_api.users["UADMIN2"] = {"is_admin": True, "team_id": "T2"}  # an admin of T2, not of T1
    refused = await command(events_url, slack_api, f"feeds remove {url}", team="T2", user="UADMIN2")
    assert "not a feed this workspace added" in refused["text"] and db["feeds"].count == 1
