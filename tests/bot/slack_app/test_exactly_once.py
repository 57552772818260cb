"""Exactly-once posting to Slack: every message carries metadata naming its delivery, and a delivery
left `sending` (a crash, a cancelled send, `riskwire poll --once` killed with -9) is resolved through
conversations.history / conversations.replies against the fake Web API, never by a blind second post."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main as cli_main
from bot.core.settings import Secret, Settings
from bot.delivery.base import DeliveryRef, current_delivery
from bot.delivery.outbox import deliver_due
from bot.delivery.slack import CannotTell, SlackNotifier, slack_notifier
from bot.delivery.targets import parse_target
from bot.pipeline.alerts import Alert
from bot.usecases import service
from storage import alerts as alert_store
from storage import deliveries
from storage.db import open_db
from tests.fakes.slack_api import FakeSlackApi
from tests.feedkit import recent_pub, rss, seed_item
from tests.slackkit import queue_alert, slack_notifier_for

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")
ROOT = Path(__file__).resolve().parents[3]


def notifier(slack_api: FakeSlackApi) -> SlackNotifier:
    made: SlackNotifier = slack_notifier_for(slack_api.api_url, slack_api.bot_token)
    return made


def crashed(db, delivery_id: int = 1, *, at: datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    """Leave a delivery `sending` as a process killed with -9 would have (its pid is not alive)."""
    attempt = f"{socket.gethostname()}:999999999:deadbeef:0123456789ab"
    since = (at or datetime.now(UTC)).isoformat(timespec="seconds")
    db.execute(
        "update deliveries set state = 'sending', attempt_id = ?, sending_since = ?, attempts = 1 "
        "where id = ?",
        [attempt, since, delivery_id],
    )


async def post_as(note: SlackNotifier, db, delivery_id: int = 1) -> str:  # type: ignore[no-untyped-def]
    """Post the delivery's alert the way the interrupted attempt did (its metadata names it)."""
    row = dict(db["deliveries"].get(delivery_id))
    alert = Alert.from_row(alert_store.get_alert(db, row["alert_id"]) or {})
    target = parse_target(row["target"])
    token = current_delivery.set(DeliveryRef(delivery_id, alert.id, target, "earlier"))
    try:
        result = await note.send(alert, target)
    finally:
        current_delivery.reset(token)
    assert result.ok and result.message_ref
    return result.message_ref


def test_the_client_makes_no_retries_of_its_own() -> None:
    made = slack_notifier(Settings(slack_bot_token=Secret("xoxb-x"), slack_api_url="http://127.0.0.1:9/api"))
    assert made.client.retry_handlers == []  # a retried POST could post twice; the outbox retries


async def test_each_post_names_its_alert_and_delivery(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    alert_id = queue_alert(db)
    assert (await deliver_due(db, {"slack": notifier(slack_api)})).sent == 1
    (call,) = slack_api.posted("C1")
    assert call.params["metadata"] == {
        "event_type": "riskwire_alert",
        "event_payload": {"alert_id": alert_id, "delivery_id": 1},
    }


async def test_an_interrupted_delivery_found_in_history_is_not_posted_again(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    queue_alert(db)
    note = notifier(slack_api)
    ref = await post_as(note, db)  # Slack has it; the process died before recording it
    crashed(db)

    report = await deliver_due(db, {"slack": note})
    assert (report.recovered, report.sent, report.resent) == (1, 0, 0)
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    row = db["deliveries"].get(1)
    assert row["state"] == "sent" and row["message_ref"] == ref
    (history,) = slack_api.calls_to("conversations.history")
    params = history.params
    assert params["channel"] == "C1" and params["include_all_metadata"] in ("1", "true")
    started = datetime.fromisoformat(row["sending_since"]).timestamp()
    assert float(params["oldest"]) == pytest.approx(started - 300)  # a narrow window round the attempt
    assert float(params["latest"]) == pytest.approx(started + 360)


async def test_an_interrupted_delivery_not_in_history_is_sent_once(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    queue_alert(db, 1)
    queue_alert(db, 2)
    note = notifier(slack_api)
    await post_as(note, db, 2)  # another alert's message in the same channel does not count for 1
    crashed(db, 1)
    crashed(db, 2)
    report = await deliver_due(db, {"slack": note})
    assert (report.recovered, report.resent, report.sent) == (1, 1, 1)
    assert [c.params["metadata"]["event_payload"]["delivery_id"] for c in slack_api.posted()] == [2, 1]
    assert (await deliver_due(db, {"slack": note})).sent == 0
    assert {r["state"] for r in db["deliveries"].rows} == {"sent"}


async def test_a_message_outside_the_attempt_window_is_not_taken_for_it(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    queue_alert(db)
    note = notifier(slack_api)
    await post_as(note, db)
    crashed(db, at=datetime.now(UTC) + timedelta(hours=1))  # this attempt started an hour later
    report = await deliver_due(db, {"slack": note}, now=lambda: datetime.now(UTC) + timedelta(hours=1))
    assert report.resent == 1 and len(slack_api.posted()) == 2


async def test_history_is_read_page_by_page(db, slack_api) -> None:
    slack_api.history_cap = 15  # what Slack allows some non-Marketplace apps per call
    service.watch(db, C1, ["AMZN"])
    queue_alert(db)
    note = notifier(slack_api)
    await post_as(note, db)
    for n in range(40):  # newer chatter in the channel
        await note.send_text(f"chatter {n}", C1.target)
    crashed(db)
    report = await deliver_due(db, {"slack": note})
    assert report.recovered == 1 and len(slack_api.posted()) == 41
    assert len(slack_api.calls_to("conversations.history")) == 3


async def test_without_history_scopes_it_resends_and_says_so_once(db, slack_api, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.slack")
    service.watch(db, C1, ["AMZN"])
    queue_alert(db, 1)
    queue_alert(db, 2)
    note = notifier(slack_api)
    crashed(db, 1)
    crashed(db, 2)
    slack_api.fail_next("conversations.history", "missing_scope", times=2)
    report = await deliver_due(db, {"slack": note})
    assert report.resent == 2 and report.sent == 2  # at least once, as without metadata
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "missing_scope" in r.message]
    assert (
        len(warned) == 1 and "channels:history" in warned[0].message and "groups:history" in warned[0].message
    )


async def test_rate_limited_history_leaves_it_unresolved_and_waits(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    queue_alert(db)
    note = notifier(slack_api)
    crashed(db)
    slack_api.fail_next("conversations.history", "ratelimited", status=429, retry_after=60)
    first = await deliver_due(db, {"slack": note})
    assert first.unresolved == 1 and first.sent == 0
    second = await deliver_due(db, {"slack": note})  # within Retry-After: Slack is not asked again
    assert second.unresolved == 1
    assert len(slack_api.calls_to("conversations.history")) == 1
    assert db["deliveries"].get(1)["state"] == "sending" and slack_api.posted() == []
    with pytest.raises(CannotTell):
        await note.find_sent(DeliveryRef(1, "x", C1.target, "a"))


async def test_a_send_cancelled_after_slack_stored_it_is_recovered(db, slack_api) -> None:
    service.watch(db, C1, ["AMZN"])
    queue_alert(db)
    note = notifier(slack_api)
    slack_api.hold_posts = True
    run = asyncio.create_task(deliver_due(db, {"slack": note}))
    await asyncio.wait_for(slack_api.held.wait(), 10)
    run.cancel()  # shutdown mid-send: Slack has the message, we never saw the answer
    with pytest.raises(asyncio.CancelledError):
        await run
    assert db["deliveries"].get(1)["state"] == "sending"
    slack_api.hold_posts = False
    slack_api.release()
    report = await deliver_due(db, {"slack": note})
    assert report.recovered == 1 and len(slack_api.calls_to("chat.postMessage")) == 1
    (post,) = slack_api.posted()
    assert db["deliveries"].get(1)["message_ref"] == f"C1:{post.response['ts']}"


async def test_poll_once_killed_mid_post_then_run_again_posts_once(
    slack_api, feed_server, db_path, tmp_path, monkeypatch
) -> None:
    config = tmp_path / "none.toml"
    config.write_text("host_gap = 0\n")
    env = {
        "RISKWIRE_DB": str(db_path),
        "RISKWIRE_CONFIG": str(config),
        "RISKWIRE_ALLOW_PRIVATE_FEEDS": "1",
        "SLACK_BOT_TOKEN": slack_api.bot_token,
        "SLACK_API_URL": slack_api.api_url,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    url = feed_server.serve("/risk.xml", rss([seed_item(pub=recent_pub())]))
    assert await asyncio.to_thread(cli_main, ["watch", "add", "AMZN", "--to", "slack:T1/C1"]) == 0
    assert await asyncio.to_thread(cli_main, ["feeds", "add", url]) == 0

    slack_api.hold_posts = True
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RISKWIRE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "poll",
        "--once",
        env={**child_env, **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(slack_api.held.wait(), 60)  # Slack stored the alert; no answer yet
    finally:
        proc.kill()  # SIGKILL: nothing recorded after the claim
        await proc.wait()
    slack_api.hold_posts = False
    slack_api.release()
    db = open_db(db_path)
    (row,) = db["deliveries"].rows
    assert row["state"] == "sending"
    db.close()

    assert await asyncio.to_thread(cli_main, ["poll", "--once"]) == 0  # the restart
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    (post,) = slack_api.posted("C1")
    db = open_db(db_path)
    (row,) = db["deliveries"].rows
    assert row["state"] == "sent" and row["message_ref"] == f"C1:{post.response['ts']}"
    assert deliveries.in_sending(db) == []
    db.close()
