"""Digests: schedules in the channel's time zone (DST included), windows, empty ones skipped,
retries, waiting for a platform, and never sent twice."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, time

import pytest

from bot import digest, service
from bot.delivery.base import SendResult
from bot.delivery.console import ConsoleNotifier
from bot.targets import Target, parse_target
from tests.historykit import add_alert

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


class FakeSlack:
    platform = "slack"

    def __init__(self, results: list[SendResult] | None = None, delay: float = 0) -> None:
        self.sent: list[tuple[digest.Digest, Target]] = []
        self.results = list(results or [])
        self.delay = delay

    async def send(self, alert, target):  # type: ignore[no-untyped-def]
        raise AssertionError("digests do not go through send()")

    async def send_digest(self, d: digest.Digest, target: Target) -> SendResult:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.sent.append((d, target))
        return self.results.pop(0) if self.results else SendResult.sent(f"ts{len(self.sent)}")


def test_schedule_parsing_and_errors() -> None:
    s = digest.parse_schedule("weekly FRI 17:30 Asia/Tokyo")
    assert (s.cadence, s.at, s.tz, s.weekday) == ("weekly", time(17, 30), "Asia/Tokyo", 4)
    assert digest.parse_schedule("daily 8:05").tz == "UTC"
    for bad, message in [
        ("hourly 08:00", "daily or weekly"),
        ("daily 25:00 UTC", "HH:MM"),
        ("daily 08:00 Mars/Olympus", "Unknown time zone"),
        ("daily 08:00 ../../etc/passwd", "not a time zone"),
        ("daily 08:00 UTC extra", "Too many"),
    ]:
        with pytest.raises(service.ServiceError, match=message):
            digest.parse_schedule(bad)


def test_slots_follow_the_time_zone_across_daylight_saving() -> None:
    london = digest.parse_schedule("daily 08:00 Europe/London")
    assert london.next_after(utc(2026, 3, 28, 9, 0)) == utc(2026, 3, 29, 7, 0)  # BST began that night
    assert london.next_after(utc(2026, 3, 27, 9, 0)) == utc(2026, 3, 28, 8, 0)
    assert london.latest_at_or_before(utc(2026, 3, 29, 6, 59)) == utc(2026, 3, 28, 8, 0)
    new_york = digest.parse_schedule("daily 08:00 America/New_York")
    assert new_york.next_after(utc(2026, 11, 27, 12, 0)) == utc(2026, 11, 27, 13, 0)
    weekly = digest.parse_schedule("weekly mon 09:00 Asia/Tokyo")
    assert weekly.next_after(utc(2026, 11, 27, 12, 0)) == utc(2026, 11, 30, 0, 0)


async def test_digest_goes_out_at_local_time_with_the_window_grouped(db) -> None:
    info = digest.set_digest(
        db, C1, digest.parse_schedule("daily 08:00 America/New_York"), utc(2026, 11, 27, 12)
    )
    assert info.next_slot == utc(2026, 11, 27, 13, 0)
    inside = add_alert(
        db, created="2026-11-27T10:00:00+00:00", targets=(C1.key,), topics=("sanctions", "fraud")
    )
    add_alert(db, ticker="BA", company="Boeing", created="2026-11-27T11:00:00+00:00", targets=(C1.key,))
    add_alert(db, created="2026-11-26T12:59:00+00:00", targets=(C1.key,))  # before the window
    add_alert(db, created="2026-11-27T10:30:00+00:00", targets=(C1.key,), state="skipped")  # muted here
    add_alert(db, created="2026-11-27T10:30:00+00:00", targets=("slack:T2/C2",))  # another channel
    fake = FakeSlack()
    early = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 27, 12, 59))
    assert (early.sent, fake.sent) == (0, [])
    report = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 27, 13, 0, 30))
    assert report.sent == 1
    ((d, target),) = fake.sent
    assert target.key == C1.key and d.total == 2
    assert (d.start, d.end) == (utc(2026, 11, 26, 13), utc(2026, 11, 27, 13))
    assert [(g.ticker, [t for t, _ in g.topics]) for g in d.groups] == [
        ("AMZN", ["sanctions"]),
        ("BA", ["sanctions"]),
    ]
    assert d.groups[0].topics[0][1][0].id == inside.id
    text = digest.render_digest_text(d, {"sanctions": "Sanctions & export controls"})
    assert "AMZN" in text and inside.link in text and "Sanctions & export controls (1)" in text
    row = db.table("digests").get(C1.key)
    assert (
        row["next_slot"] == "2026-11-28T13:00:00+00:00" and row["window_start"] == "2026-11-27T13:00:00+00:00"
    )
    again = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 27, 13, 5))
    assert again.sent == 0 and len(fake.sent) == 1


async def test_empty_window_is_recorded_not_sent(db) -> None:
    digest.set_digest(db, C1, digest.parse_schedule("daily 08:00 UTC"), utc(2026, 11, 27, 12))
    add_alert(db, created="2026-11-27T07:00:00+00:00", targets=(C1.key,))  # before the first window
    fake = FakeSlack()
    report = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 28, 8, 0))
    assert (report.empty, report.sent, fake.sent) == (1, 0, [])
    (run,) = db.table("digest_runs").rows
    assert run["state"] == "empty" and run["window_end"] == "2026-11-28T08:00:00+00:00"
    assert db.table("digests").get(C1.key)["next_slot"] == "2026-11-29T08:00:00+00:00"


async def test_retry_then_send_and_waiting_for_a_platform(db) -> None:
    digest.set_digest(db, C1, digest.parse_schedule("daily 08:00 UTC"), utc(2026, 11, 27, 12))
    add_alert(db, created="2026-11-28T07:00:00+00:00", targets=(C1.key,))
    waiting = await digest.run_due_digests(db, {}, utc(2026, 11, 28, 8, 1))
    assert waiting.waiting == 1
    fake = FakeSlack([SendResult.retry("rate limited", retry_after=120)])
    first = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 28, 8, 2))
    assert first.retrying == 1
    assert (await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 28, 8, 3))).sent == 0
    later = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 28, 8, 5))
    assert later.sent == 1 and [d.total for d, _ in fake.sent] == [1, 1]
    states = [r["state"] for r in db.table("digest_runs").rows_where(order_by="id")]
    assert states == ["retrying", "sent"]


async def test_two_runners_never_send_the_same_digest_twice(db) -> None:
    digest.set_digest(db, C1, digest.parse_schedule("daily 08:00 UTC"), utc(2026, 11, 27, 12))
    add_alert(db, created="2026-11-28T07:00:00+00:00", targets=(C1.key,))
    fake = FakeSlack(delay=0.05)
    at = utc(2026, 11, 28, 8, 0)
    a, b = await asyncio.gather(
        digest.run_due_digests(db, {"slack": fake}, at), digest.run_due_digests(db, {"slack": fake}, at)
    )
    assert a.sent + b.sent == 1 and len(fake.sent) == 1


async def test_console_gets_the_plain_text(db) -> None:
    console = service.Scope(parse_target("console"), user="cli")
    answer = service.digest_command(db, console, "weekly tue 09:30 Europe/Paris", now=utc(2026, 11, 27, 12))
    assert answer == "Digest weekly on Tue at 09:30 Europe/Paris; next one Tue 01 Dec 2026 09:30 CET."
    add_alert(db, created="2026-11-30T10:00:00+00:00", targets=("console",))
    out = io.StringIO()
    report = await digest.run_due_digests(db, {"console": ConsoleNotifier(out)}, utc(2026, 12, 1, 8, 30))
    assert report.sent == 1 and "Riskwire weekly digest" in out.getvalue() and "AMZN" in out.getvalue()
    assert service.digest_command(db, console, "off") == "Digest stopped."
    assert service.digest_command(db, console, "").startswith("No digest here")
