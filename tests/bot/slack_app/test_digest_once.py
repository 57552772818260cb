"""Digests to Slack exactly once: the real SlackNotifier against the fake Web API. A digest Slack
stored while the run died before recording it is found again by its metadata and not posted twice;
one that never reached Slack is posted; without the history scopes it is posted again (at least
once); a rate-limited lookup waits and asks again."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import pytest
import sqlite_utils

from bot.core.settings import Secret, Settings
from bot.delivery.base import DeliveryRef, current_delivery
from bot.delivery.slack import SlackNotifier, slack_client
from bot.delivery.targets import parse_target
from bot.usecases import service
from bot.usecases.digest import LEASE, build_digest, parse_schedule, run_due_digests, set_digest
from tests.fakes.slack_api import FakeSlackApi
from tests.historykit import add_alert

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")
SLOT = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
AT = SLOT + timedelta(seconds=30)  # when the digest run starts
LATER = AT + LEASE + timedelta(minutes=1)  # the next run that may take the digest over
DEAD = f"{socket.gethostname()}:999999999:deadbeef:0123456789ab"  # a process killed with -9


class Tick:
    """The notifier's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def notifier(slack_api: FakeSlackApi, clock: Tick | None = None) -> SlackNotifier:
    settings = Settings(slack_bot_token=Secret(slack_api.bot_token), slack_api_url=slack_api.api_url)
    return SlackNotifier(slack_client(settings), min_interval=0.0, clock=clock or Tick())


def due_digest(db: sqlite_utils.Database, slack_api: FakeSlackApi) -> None:
    """C1's daily 08:00 UTC digest, due at SLOT with two alerts; Slack's clock at the run's time."""
    set_digest(db, C1, parse_schedule("daily 08:00 UTC"), SLOT - timedelta(hours=20))
    add_alert(db, created="2026-11-28T06:00:00+00:00", targets=(C1.key,))
    add_alert(db, ticker="BA", company="Boeing", created="2026-11-28T07:00:00+00:00", targets=(C1.key,))
    slack_api.clock = AT.timestamp


async def cut_off(slack_api: FakeSlackApi, db: sqlite_utils.Database, note: SlackNotifier) -> None:
    """Run the digest until Slack has stored it, then stop before the answer is recorded."""
    slack_api.hold_posts = True
    run = asyncio.create_task(run_due_digests(db, {"slack": note}, AT))
    await asyncio.wait_for(slack_api.held.wait(), 10)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    slack_api.hold_posts = False
    slack_api.release()
    (attempt,) = db.table("digest_runs").rows
    assert attempt["state"] == "sending" and len(slack_api.posted("C1")) == 1


def runs(db: sqlite_utils.Database) -> list[dict]:  # type: ignore[type-arg]
    return list(db.table("digest_runs").rows_where(order_by="id"))


def sending_run(db: sqlite_utils.Database, attempt: str = DEAD) -> DeliveryRef:
    """The digest's run as a process killed with -9 right after claiming it leaves it."""
    db.execute("update digests set retry_at = ? where target = ?", [(AT + LEASE).isoformat(), C1.key])
    started = AT.isoformat()
    run_id = (
        db.table("digest_runs")
        .insert(
            {
                "target": C1.key,
                "slot": SLOT.isoformat(),
                "window_start": (SLOT - timedelta(days=1)).isoformat(),
                "window_end": SLOT.isoformat(),
                "state": "sending",
                "alerts": 2,
                "at": started,
                "attempt_id": attempt,
                "sending_since": started,
            }
        )
        .last_pk
    )
    return DeliveryRef(int(run_id), "", C1.target, attempt, started, slot=SLOT.isoformat())


async def test_a_digest_slack_stored_before_the_run_died_is_found_not_posted_again(db, slack_api) -> None:
    due_digest(db, slack_api)
    note = notifier(slack_api)
    await cut_off(slack_api, db, note)
    (post,) = slack_api.posted("C1")
    (attempt,) = runs(db)
    assert post.params["metadata"] == {
        "event_type": "riskwire_digest",
        "event_payload": {
            "target": C1.key,
            "start": "2026-11-27T08:00:00+00:00",
            "end": "2026-11-28T08:00:00+00:00",
            "alerts": 2,
            "delivery_id": attempt["id"],
        },
    }

    report = await run_due_digests(db, {"slack": note}, LATER)

    assert (report.recovered, report.sent, report.resent) == (1, 0, 0)
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    (history,) = slack_api.calls_to("conversations.history")
    assert history.params["channel"] == "C1" and history.params["include_all_metadata"] in ("1", "true")
    started = datetime.fromisoformat(attempt["sending_since"]).timestamp()
    assert float(history.params["oldest"]) == pytest.approx(started - 300)
    (run,) = runs(db)
    assert run["state"] == "sent" and run["message_ref"] == f"C1:{post.response['ts']}"
    row = db.table("digests").get(C1.key)
    assert (row["next_slot"], row["window_start"]) == ("2026-11-29T08:00:00+00:00", SLOT.isoformat())
    assert (await run_due_digests(db, {"slack": note}, LATER + timedelta(hours=1))).sent == 0
    assert len(slack_api.posted("C1")) == 1


async def test_a_killed_runs_digest_is_told_apart_from_another_targets_in_the_same_channel(
    db, slack_api
) -> None:
    due_digest(db, slack_api)
    note = notifier(slack_api)
    ref = sending_run(db)
    token = current_delivery.set(ref)  # what the killed process posted under its attempt
    try:
        ours = await note.send_digest(build_digest(db, C1.key, SLOT - timedelta(days=1), SLOT), C1.target)
    finally:
        current_delivery.reset(token)
    other = parse_target("slack:T2/C1")  # a channel shared with another workspace: its own digest, newer
    add_alert(db, created="2026-11-28T05:00:00+00:00", targets=(other.key,))
    theirs = build_digest(db, other.key, SLOT - timedelta(days=1), SLOT)
    assert (await note.send_digest(theirs, other)).ok

    report = await run_due_digests(db, {"slack": note}, LATER)

    assert (report.recovered, report.sent) == (1, 0) and len(slack_api.posted("C1")) == 2
    (run,) = runs(db)
    assert run["state"] == "sent" and run["message_ref"] == ours.message_ref


async def test_a_digest_attempt_that_never_reached_slack_is_posted_once(db, slack_api) -> None:
    due_digest(db, slack_api)
    note = notifier(slack_api)
    sending_run(db)

    report = await run_due_digests(db, {"slack": note}, LATER)

    assert (report.resent, report.sent, report.recovered) == (1, 1, 0)
    assert len(slack_api.calls_to("conversations.history")) == 1  # it looked first
    (post,) = slack_api.posted("C1")
    lost, sent = runs(db)
    assert lost["state"] == "retrying" and "not found" in lost["error"]
    assert sent["state"] == "sent" and sent["message_ref"] == f"C1:{post.response['ts']}"
    assert post.params["metadata"]["event_payload"]["delivery_id"] == sent["id"]
    assert (await run_due_digests(db, {"slack": note}, LATER + timedelta(hours=1))).sent == 0


async def test_without_history_scopes_an_interrupted_digest_is_posted_again(db, slack_api) -> None:
    due_digest(db, slack_api)
    note = notifier(slack_api)
    await cut_off(slack_api, db, note)
    slack_api.fail_next("conversations.history", "missing_scope")

    report = await run_due_digests(db, {"slack": note}, LATER)

    assert (report.resent, report.sent) == (1, 1)  # at least once, never lost
    assert len(slack_api.posted("C1")) == 2
    assert [r["state"] for r in runs(db)] == ["retrying", "sent"]


async def test_a_rate_limited_lookup_waits_and_asks_again(db, slack_api) -> None:
    due_digest(db, slack_api)
    tick = Tick()
    note = notifier(slack_api, tick)
    await cut_off(slack_api, db, note)
    slack_api.fail_next("conversations.history", "ratelimited", status=429, retry_after=60)

    first = await run_due_digests(db, {"slack": note}, LATER)
    assert (first.unresolved, first.sent, first.resent) == (1, 0, 0)  # never posted blindly
    second = await run_due_digests(db, {"slack": note}, LATER + timedelta(minutes=1))
    assert second.unresolved == 1  # within Retry-After: Slack is not asked again
    assert len(slack_api.calls_to("conversations.history")) == 1
    assert [r["state"] for r in runs(db)] == ["sending"]
    tick.now += 61

    third = await run_due_digests(db, {"slack": note}, LATER + timedelta(minutes=2))

    assert (third.recovered, third.sent) == (1, 0)
    assert len(slack_api.posted("C1")) == 1 and [r["state"] for r in runs(db)] == ["sent"]
