"""Digests: schedules in the channel's time zone (DST included), windows, empty ones skipped,
retries, waiting for a platform, and never sent twice (two runners, or a run interrupted mid-send)."""

from __future__ import annotations

import asyncio
import io
import os
import socket
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlite_utils

from bot.delivery import outbox
from bot.delivery.base import DeliveryRef, SendResult
from bot.delivery.console import ConsoleNotifier
from bot.delivery.targets import Target, parse_target
from bot.usecases import digest, service
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
        self.sent.append((d, target))  # the platform has it from here on
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.results.pop(0) if self.results else SendResult.sent(f"ts{len(self.sent)}")


class FindingSlack(FakeSlack):
    """Also answers `find_sent` from a script: a message ref, None (not there), or an exception."""

    def __init__(
        self, answers: list[str | Exception | None], delay: float = 0, find_delay: float = 0
    ) -> None:
        super().__init__(delay=delay)
        self.answers = list(answers)
        self.find_delay = find_delay
        self.asked: list[DeliveryRef] = []

    async def find_sent(self, ref: DeliveryRef) -> str | None:
        self.asked.append(ref)
        if self.find_delay:
            await asyncio.sleep(self.find_delay)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


DEAD = f"{socket.gethostname()}:999999999:deadbeef:0123456789ab"  # a process killed with -9


def due_daily(db: sqlite_utils.Database) -> None:
    """C1 gets a daily 08:00 UTC digest, first due 2026-11-28 08:00, with one alert in its window."""
    digest.set_digest(db, C1, digest.parse_schedule("daily 08:00 UTC"), utc(2026, 11, 27, 12))
    add_alert(db, created="2026-11-28T07:00:00+00:00", targets=(C1.key,))


def crashed_run(
    db: sqlite_utils.Database, slot: datetime, attempt: str = DEAD, since: datetime | None = None
) -> None:
    """Leave the digest of `slot` as a run killed mid-send leaves it: claimed at `slot`, its attempt
    (begun at `since`) `sending`."""
    lease = slot + digest.LEASE
    since = since or slot
    db.execute("update digests set retry_at = ? where target = ?", [lease.isoformat(), C1.key])
    db.table("digest_runs").insert(
        {
            "target": C1.key,
            "slot": slot.isoformat(),
            "window_start": (slot - timedelta(days=1)).isoformat(),
            "window_end": slot.isoformat(),
            "state": "sending",
            "alerts": 1,
            "at": slot.isoformat(),
            "attempt_id": attempt,
            "sending_since": since.isoformat(),
        }
    )


def states(db: sqlite_utils.Database) -> list[str]:
    return [r["state"] for r in db.table("digest_runs").rows_where(order_by="id")]


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
        ("AMZN", ["fraud", "sanctions"]),  # an alert with two topics is listed under each
        ("BA", ["sanctions"]),
    ]
    assert d.groups[0].count == 1 and [x[0].id for _, x in d.groups[0].topics] == [inside.id, inside.id]
    text = digest.render_digest_text(d, {"sanctions": "Sanctions & export controls", "fraud": "Fraud"})
    assert "AMZN · Amazon.com, Inc. (1)" in text and text.count(inside.link) == 2
    assert "Sanctions & export controls (1)" in text and "  Fraud (1)" in text
    assert "(also under Sanctions & export controls)" in text and "(also under Fraud)" in text
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


# --- interrupted sends ----------------------------------------------------------------------------


async def test_a_send_cut_off_mid_way_is_looked_up_and_not_sent_again(db) -> None:
    due_daily(db)
    at = utc(2026, 11, 28, 8, 0, 30)
    fake = FindingSlack(["C1:111.000"], delay=30)
    run = asyncio.create_task(digest.run_due_digests(db, {"slack": fake}, at))
    await asyncio.sleep(0.1)
    run.cancel()  # the process stops while the platform has (or has not) the message
    with pytest.raises(asyncio.CancelledError):
        await run
    (attempt,) = db.table("digest_runs").rows
    assert attempt["state"] == "sending" and attempt["attempt_id"] and attempt["sending_since"]
    fake.delay = 0

    # the attempt is certainly over (cancelled here): resolved at the next run, the lease not awaited
    report = await digest.run_due_digests(db, {"slack": fake}, at + timedelta(minutes=1))

    assert (report.recovered, report.sent, report.resent) == (1, 0, 0)
    assert len(fake.sent) == 1  # only the cut-off attempt ever reached send_digest
    (ref,) = fake.asked
    assert ref.kind == "digest" and ref.id == attempt["id"] and ref.attempt_id == attempt["attempt_id"]
    assert ref.slot == "2026-11-28T08:00:00+00:00" and ref.target.key == C1.key
    assert ref.started == attempt["sending_since"]
    (run_row,) = db.table("digest_runs").rows
    assert run_row["state"] == "sent" and run_row["message_ref"] == "C1:111.000"
    row = db.table("digests").get(C1.key)
    assert row["next_slot"] == "2026-11-29T08:00:00+00:00" and row["window_start"] == run_row["window_end"]
    assert row["retry_at"] is None
    assert (await digest.run_due_digests(db, {"slack": fake}, at + timedelta(hours=2))).sent == 0


async def test_an_attempt_killed_before_it_reached_the_platform_is_sent_at_the_next_run(db) -> None:
    due_daily(db)
    crashed_run(db, utc(2026, 11, 28, 8, 0))  # leased until 08:10, but its process is dead
    fake = FindingSlack([None])
    report = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 28, 8, 1))
    assert (report.resent, report.sent, report.recovered) == (1, 1, 0)
    assert len(fake.asked) == 1 and len(fake.sent) == 1
    assert states(db) == ["retrying", "sent"]
    interrupted_run = next(iter(db.table("digest_runs").rows_where(order_by="id")))
    assert "not found on the platform" in interrupted_run["error"]


async def test_the_attempt_of_a_live_process_is_left_alone_until_its_lease_ends(db) -> None:
    due_daily(db)
    live = f"{socket.gethostname()}:{os.getppid()}:cafe:0123456789ab"  # a process still running
    crashed_run(db, utc(2026, 11, 28, 8, 0), live, since=utc(2026, 11, 28, 8, 1))
    fake = FindingSlack([None])
    report = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 28, 8, 10, 30))
    assert (report.waiting, report.sent, fake.asked) == (1, 0, [])
    assert states(db) == ["sending"]
    later = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 28, 8, 11, 30))
    assert (later.resent, later.sent) == (1, 1) and states(db) == ["retrying", "sent"]


async def test_two_runners_settling_the_same_interrupted_attempt_send_the_digest_once(db) -> None:
    due_daily(db)
    crashed_run(db, utc(2026, 11, 28, 8, 0))
    fake = FindingSlack([None, None], find_delay=0.05)
    at = utc(2026, 11, 28, 8, 1)
    first = asyncio.create_task(digest.run_due_digests(db, {"slack": fake}, at))
    await asyncio.sleep(0.01)  # the first is asking the platform when the second takes the digest over
    second = await digest.run_due_digests(db, {"slack": fake}, at)
    a = await first
    assert len(fake.asked) == 2 and a.sent + second.sent == 1 and len(fake.sent) == 1
    assert a.resent + second.resent == 1 and states(db) == ["retrying", "sent"]


async def test_a_digest_taken_over_goes_on_only_if_it_settled_an_attempt_itself(db) -> None:
    due_daily(db)
    row = db.table("digests").get(C1.key)  # due, with no attempt left sending
    fake = FindingSlack([])
    at = utc(2026, 11, 28, 8, 1)
    report = digest.DigestReport()
    # taken over from another runner's lease, but that runner settled the attempt first: it goes on
    assert await digest._settle_interrupted(db, row, C1.target, fake, at, report, taken_over=True) is None
    assert await digest._settle_interrupted(db, row, C1.target, fake, at, report) == row


async def test_a_platform_that_cannot_tell_makes_the_digest_wait(db) -> None:
    due_daily(db)
    crashed_run(db, utc(2026, 11, 28, 8, 0))
    fake = FindingSlack([ConnectionError("rate limited"), None])
    at = utc(2026, 11, 28, 8, 11)
    first = await digest.run_due_digests(db, {"slack": fake}, at)
    assert (first.unresolved, first.sent, fake.sent) == (1, 0, [])  # never sent blindly
    assert states(db) == ["sending"] and db.table("digests").get(C1.key)["retry_at"] <= at.isoformat()
    second = await digest.run_due_digests(db, {"slack": fake}, at + timedelta(minutes=1))
    assert (second.resent, second.sent, len(fake.asked)) == (1, 1, 2)


async def test_without_a_lookup_an_interrupted_digest_is_sent_again(db) -> None:
    console = service.Scope(parse_target("console"), user="cli")
    digest.set_digest(db, console, digest.parse_schedule("daily 08:00 UTC"), utc(2026, 11, 27, 12))
    add_alert(db, created="2026-11-28T07:00:00+00:00", targets=("console",))
    slot = "2026-11-28T08:00:00+00:00"
    db.execute("update digests set retry_at = '2026-11-28T08:10:00+00:00' where target = 'console'")
    db.table("digest_runs").insert(
        {
            "target": "console",
            "slot": slot,
            "window_end": slot,
            "state": "sending",
            "at": slot,
            "attempt_id": DEAD,
            "sending_since": slot,
        }
    )
    out = io.StringIO()
    report = await digest.run_due_digests(db, {"console": ConsoleNotifier(out)}, utc(2026, 11, 28, 8, 11))
    assert (report.resent, report.sent) == (1, 1)  # at least once: the console cannot be asked
    assert out.getvalue().count("Riskwire daily digest") == 1
    first = next(iter(db.table("digest_runs").rows_where(order_by="id")))
    assert first["state"] == "retrying" and "cannot be asked" in first["error"]


async def test_a_send_that_times_out_is_asked_about_at_the_next_pass(db, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "SEND_TIMEOUT", 0.05)
    due_daily(db)
    fake = FindingSlack(["C1:222.000"], delay=1)
    at = utc(2026, 11, 28, 8, 0, 30)
    first = await digest.run_due_digests(db, {"slack": fake}, at)
    assert (first.unresolved, first.sent, first.retrying) == (1, 0, 0)
    assert states(db) == ["sending"]
    second = await digest.run_due_digests(db, {"slack": fake}, at + timedelta(minutes=1))
    assert (second.recovered, second.sent) == (1, 0) and len(fake.sent) == 1
    assert states(db) == ["sent"]


async def test_recovery_after_a_long_outage_then_sends_the_rest_of_the_gap(db) -> None:
    due_daily(db)
    crashed_run(db, utc(2026, 11, 28, 8, 0))
    add_alert(db, created="2026-11-29T12:00:00+00:00", targets=(C1.key,))  # after the lost one's window
    fake = FindingSlack(["C1:333.000"])
    report = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 30, 9, 0))
    assert (report.recovered, report.sent) == (1, 1)
    ((sent, _),) = fake.sent  # the found digest is not sent again; the next covers from its end
    assert (sent.start, sent.end, sent.total) == (utc(2026, 11, 28, 8), utc(2026, 11, 30, 8), 1)
    assert states(db) == ["sent", "sent"]
    assert db.table("digests").get(C1.key)["next_slot"] == "2026-12-01T08:00:00+00:00"


async def test_a_digest_with_the_portfolio_option_holds_every_watched_ticker(db) -> None:
    from bot.discord_app.messages import digest_message
    from bot.slack_app.digest_blocks import digest_blocks

    schedule = digest.parse_schedule("weekly mon 09:00 Europe/London portfolio")
    assert schedule.portfolio and "with the portfolio" in schedule.describe()
    assert not digest.parse_schedule("weekly mon 09:00 Europe/London").portfolio
    digest.set_digest(db, C1, schedule, utc(2026, 11, 20, 12))
    service.watch(db, C1, ["AMZN", "BA", "MSFT"])
    add_alert(db, created="2026-11-20T10:00:00+00:00", targets=(C1.key,), topics=("sanctions", "fraud"))
    for day in (21, 22):
        add_alert(
            db, ticker="BA", company="The Boeing Company", severity="critical", targets=(C1.key,),
            created=f"2026-11-{day}T10:00:00+00:00", topics=("whistleblower", "product_safety"),
        )  # fmt: skip
    fake = FakeSlack()
    report = await digest.run_due_digests(db, {"slack": fake}, utc(2026, 11, 23, 9, 0, 30))
    assert report.sent == 1
    ((d, _),) = fake.sent
    p = d.portfolio
    assert p is not None and p.days == 7 and p.total == d.total == 3 and p.quiet == ["MSFT"]
    assert [(x.ticker, x.total) for x in p.lines] == [("BA", 2), ("AMZN", 1)]
    text = digest.render_digest_text(d)
    assert "Portfolio: 3 watched tickers, last 7 days" in text and "most severe: BA (2 critical)" in text
    portfolio_block = digest_blocks(d)[-1]["text"]["text"]
    assert (
        portfolio_block.startswith("```Portfolio: 3 watched tickers") and "no alerts: MSFT" in portfolio_block
    )
    _, embeds = digest_message(d)
    assert embeds[-1].title == "Portfolio" and "BA (The Boeing Company): 2 alerts" in embeds[-1].description
    assert embeds[-1].footer.text == "Riskwire weekly digest"  # still how the digest is found again
