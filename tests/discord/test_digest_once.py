"""Digests to Discord exactly once: the real discord.py client against the fake REST API. A digest
Discord created while the run died before recording it is found among the channel's messages and
not posted again; one that never reached Discord is posted; where the bot cannot read the channel,
the resend carries the same nonce (Discord returns the first message within its window, and past it
the digest is posted twice); webhook digests are at least once."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.delivery.targets import parse_target
from bot.usecases import service
from bot.usecases.digest import parse_schedule, run_due_digests, set_digest
from tests.discord.ids import CHANNEL, HERE, HOOK, HOOK_PATH, MESSAGES
from tests.fakes.discord_api import FakeDiscord
from tests.historykit import add_alert

SLOT = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
AT = SLOT + timedelta(seconds=30)  # when the digest run starts
DEAD = f"{socket.gethostname()}:999999999:deadbeef:0123456789ab"  # a process killed with -9


def due_digest(db: sqlite_utils.Database, fake: FakeDiscord, target: str = HERE) -> None:
    """The target's daily 08:00 UTC digest, due at SLOT with two alerts; Discord's clock at AT."""
    set_digest(
        db, service.Scope(parse_target(target)), parse_schedule("daily 08:00 UTC"), SLOT - timedelta(hours=20)
    )
    add_alert(db, created="2026-11-28T06:00:00+00:00", targets=(target,))
    add_alert(db, ticker="BA", company="Boeing", created="2026-11-28T07:00:00+00:00", targets=(target,))
    at(fake, AT)


def at(fake: FakeDiscord, moment: datetime) -> datetime:
    fake.now = lambda: moment
    return moment


async def cut_off(fake: FakeDiscord, db: sqlite_utils.Database, notifiers: Any, path: str = MESSAGES) -> None:
    """Run the digest until Discord has created its message, then stop before hearing the answer."""
    held = fake.hold_next("POST", path)
    run = asyncio.create_task(run_due_digests(db, notifiers, AT))
    await fake.wait_for(lambda: [c for c in fake.requests("POST", path) if c.status == 200])
    run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await run
    held.set()
    (attempt,) = db.table("digest_runs").rows
    assert attempt["state"] == "sending"


def runs(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.table("digest_runs").rows_where(order_by="id"))


async def test_a_digest_discord_created_before_the_run_died_is_found_not_posted_again(
    frontend, fake_discord, db
) -> None:  # type: ignore[no-untyped-def]
    due_digest(db, fake_discord)
    notifiers = {"discord": frontend.notifier}
    await cut_off(fake_discord, db, notifiers)
    (post,) = fake_discord.posted(CHANNEL)
    body = post.json
    assert body["enforce_nonce"] is True and body["nonce"].startswith("rw") and len(body["nonce"]) <= 25
    assert body["embeds"][-1]["footer"]["text"] == "Riskwire daily digest"
    assert datetime.fromisoformat(body["embeds"][-1]["timestamp"]) == SLOT
    # long after: Discord's nonce window is over, so only reading the channel can tell
    later = at(fake_discord, AT + timedelta(minutes=20))

    report = await run_due_digests(db, notifiers, later)

    assert (report.recovered, report.sent, report.resent) == (1, 0, 0)
    assert len(fake_discord.requests("POST", MESSAGES)) == 1
    assert fake_discord.requests("GET", MESSAGES)  # it looked
    (run,) = runs(db)
    assert run["state"] == "sent" and run["message_ref"] == f"{CHANNEL}:{post.response['id']}"
    assert db.table("digests").get(HERE)["next_slot"] == "2026-11-29T08:00:00+00:00"
    assert (await run_due_digests(db, notifiers, later + timedelta(hours=1))).sent == 0


async def test_a_digest_attempt_that_never_reached_discord_is_posted_once(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    due_digest(db, fake_discord)
    db.table("digest_runs").insert(
        {
            "target": HERE,
            "slot": SLOT.isoformat(),
            "window_start": (SLOT - timedelta(days=1)).isoformat(),
            "window_end": SLOT.isoformat(),
            "state": "sending",
            "alerts": 2,
            "at": AT.isoformat(),
            "attempt_id": DEAD,
            "sending_since": AT.isoformat(),
        }
    )
    db.execute(
        "update digests set retry_at = ? where target = ?", [(AT + timedelta(minutes=10)).isoformat(), HERE]
    )
    later = at(fake_discord, AT + timedelta(minutes=1))

    report = await run_due_digests(db, {"discord": frontend.notifier}, later)

    assert (report.resent, report.sent, report.recovered) == (1, 1, 0)
    assert fake_discord.requests("GET", MESSAGES)  # it looked first
    (post,) = fake_discord.posted(CHANNEL)
    lost, sent = runs(db)
    assert lost["state"] == "retrying" and "not found" in lost["error"]
    assert sent["state"] == "sent" and sent["message_ref"] == f"{CHANNEL}:{post.response['id']}"


async def test_without_read_history_the_resent_digest_is_the_first_message_by_its_nonce(
    frontend, fake_discord, db
) -> None:  # type: ignore[no-untyped-def]
    due_digest(db, fake_discord)
    notifiers = {"discord": frontend.notifier}
    await cut_off(fake_discord, db, notifiers)
    fake_discord.forbid_next("GET", MESSAGES)  # the bot lacks Read Message History here
    later = at(fake_discord, AT + timedelta(minutes=1))  # the cut-off attempt is settled at once

    report = await run_due_digests(db, notifiers, later)

    assert (report.resent, report.sent) == (1, 1)
    first, again = fake_discord.requests("POST", MESSAGES)
    assert first.json["nonce"] == again.json["nonce"] and again.deduplicated
    (post,) = fake_discord.posted(CHANNEL)  # one message in the channel
    assert runs(db)[-1]["message_ref"] == f"{CHANNEL}:{post.response['id']}"


async def test_past_the_nonce_window_an_unreadable_channel_gets_the_digest_twice(
    frontend, fake_discord, db
) -> None:  # type: ignore[no-untyped-def]
    """The documented limit: no history and no nonce window left means at least once."""
    due_digest(db, fake_discord)
    notifiers = {"discord": frontend.notifier}
    await cut_off(fake_discord, db, notifiers)
    fake_discord.forbid_next("GET", MESSAGES)
    later = at(fake_discord, AT + timedelta(seconds=fake_discord.nonce_window + 60))
    report = await run_due_digests(db, notifiers, later)
    assert report.sent == 1 and len(fake_discord.posted(CHANNEL)) == 2


async def test_an_interrupted_webhook_digest_is_posted_again(frontend, fake_discord, db) -> None:  # type: ignore[no-untyped-def]
    """A webhook takes no nonce and cannot be asked what it posted: at least once."""
    target = f"discord:webhook:{HOOK}"
    due_digest(db, fake_discord, target)
    notifiers = {"discord": frontend.notifier}
    await cut_off(fake_discord, db, notifiers, HOOK_PATH)
    report = await run_due_digests(db, notifiers, at(fake_discord, AT + timedelta(minutes=1)))
    assert (report.resent, report.sent) == (1, 1)
    assert len([c for c in fake_discord.requests("POST", HOOK_PATH) if c.status == 200]) == 2
    assert [r["state"] for r in runs(db)] == ["retrying", "sent"]
