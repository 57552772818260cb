"""The outbox: interrupted sends resolved (found, resent, or left alone), Retry-After and cool-downs,
backoff to failure with the reason, story updates after their alert, notices told once."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery import outbox as outbox_mod
from bot.delivery.base import DeliveryRef, Report, SendResult, current_delivery
from bot.delivery.console import ConsoleNotifier
from bot.delivery.outbox import Outbox, deliver_due, interrupted, new_attempt_id
from bot.delivery.targets import Target
from bot.pipeline.alerts import Alert
from storage import deliveries, notices
from storage import reports as report_store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class Recorder:
    """A notifier that records calls and answers from a script of results."""

    platform = "slack"

    def __init__(self, results: list[SendResult] | None = None) -> None:
        self.results = list(results or [])
        self.sent: list[tuple[str, str]] = []
        self.refs: list[DeliveryRef | None] = []
        self.updates: list[tuple[str, int, str | None]] = []

    def _next(self) -> SendResult:
        return self.results.pop(0) if self.results else SendResult.sent(f"ts-{len(self.sent)}")

    async def send(self, alert: Alert, target: Target) -> SendResult:
        self.sent.append((alert.id, target.key))
        self.refs.append(current_delivery.get())
        return self._next()

    async def send_update(
        self, alert: Alert, report: Report, target: Target, message_ref: str | None
    ) -> SendResult:
        self.updates.append((alert.id, report.id, message_ref))
        return SendResult.sent(f"reply-{report.id}")


class Finder(Recorder):
    def __init__(self, found: str | Exception | None) -> None:
        super().__init__()
        self.found = found
        self.asked: list[DeliveryRef] = []

    async def find_sent(self, delivery: DeliveryRef) -> str | None:
        self.asked.append(delivery)
        if isinstance(self.found, Exception):
            raise self.found
        return self.found


def add_alert(
    db, alert_id: str = "al1", targets: tuple[str, ...] = ("slack:T1/C1",), created: str | None = None
) -> None:  # type: ignore[no-untyped-def]
    created = created or NOW.isoformat()
    db["articles"].insert({"id": f"art-{alert_id}", "title": "t", "fetched": created}, ignore=True)
    db["alerts"].insert(
        {
            "id": alert_id,
            "article_id": f"art-{alert_id}",
            "ticker": "AMZN",
            "company": "Amazon",
            "topics": '["sanctions"]',
            "severity": "high",
            "title": f"Amazon story {alert_id}",
            "link": f"https://n.example.com/{alert_id}",
            "created": created,
        }
    )
    for target in targets:
        deliveries.enqueue(db, alert_id, target, None, created)


def crashed(db, delivery_id: int, pid: int = 999_999_999) -> str:  # type: ignore[no-untyped-def]
    """Leave a delivery `sending` as a killed process with `pid` would have."""
    attempt = f"{socket.gethostname()}:{pid}:deadbeef:0123456789ab"
    db.execute(
        "update deliveries set state = 'sending', attempt_id = ?, sending_since = ?, attempts = 1 "
        "where id = ?",
        [attempt, NOW.isoformat(timespec="seconds"), delivery_id],
    )
    return attempt


def row(db, delivery_id: int = 1) -> dict:  # type: ignore[no-untyped-def]
    return dict(db["deliveries"].get(delivery_id))


async def test_interrupted_send_found_on_the_platform_is_not_sent_again(db) -> None:
    add_alert(db)
    crashed(db, 1)
    notifier = Finder("1700000000.000100")
    report = await deliver_due(db, {"slack": notifier}, now=Clock())
    assert report.recovered == 1 and notifier.sent == []
    assert notifier.asked[0].alert_id == "al1" and notifier.asked[0].started == NOW.isoformat(
        timespec="seconds"
    )
    assert row(db)["state"] == "sent" and row(db)["message_ref"] == "1700000000.000100"


async def test_interrupted_send_not_found_is_sent_once(db) -> None:
    add_alert(db)
    crashed(db, 1)
    notifier = Finder(None)
    report = await deliver_due(db, {"slack": notifier}, now=Clock())
    assert report.resent == 1 and report.sent == 1 and notifier.sent == [("al1", "slack:T1/C1")]
    assert row(db)["state"] == "sent" and row(db)["attempts"] == 2
    again = await deliver_due(db, {"slack": notifier}, now=Clock())
    assert again.sent == 0 and len(notifier.sent) == 1


async def test_without_find_sent_an_interrupted_send_is_sent_again(db) -> None:
    add_alert(db)
    crashed(db, 1)
    notifier = Recorder()
    report = await deliver_due(db, {"slack": notifier}, now=Clock())
    assert report.resent == 1 and notifier.sent == [("al1", "slack:T1/C1")]


async def test_when_the_platform_cannot_tell_nothing_is_sent(db) -> None:
    add_alert(db)
    crashed(db, 1)
    notifier = Finder(ConnectionError("slack is down"))
    report = await deliver_due(db, {"slack": notifier}, now=Clock())
    assert report.unresolved == 1 and notifier.sent == [] and row(db)["state"] == "sending"


async def test_a_send_owned_by_a_live_process_is_left_alone_until_its_lease_ends(db) -> None:
    add_alert(db)
    crashed(db, 1, pid=os.getppid())  # a live process, not this one
    notifier = Finder(None)
    clock = Clock()
    await deliver_due(db, {"slack": notifier}, now=clock)
    assert notifier.asked == [] and row(db)["state"] == "sending"
    clock.at = NOW + timedelta(seconds=outbox_mod.SENDING_LEASE + 1)
    await deliver_due(db, {"slack": notifier}, now=clock)
    assert len(notifier.asked) == 1 and row(db)["state"] == "sent"


def test_interrupted_rules() -> None:
    mine = new_attempt_id()
    assert interrupted({"attempt_id": mine, "sending_since": NOW.isoformat()}, NOW)  # ours, not in flight
    outbox_mod._IN_FLIGHT.add(mine)
    try:
        assert not interrupted({"attempt_id": mine, "sending_since": NOW.isoformat()}, NOW)
    finally:
        outbox_mod._IN_FLIGHT.discard(mine)
    remote = "otherhost:12:abcd:ef"
    assert not interrupted({"attempt_id": remote, "sending_since": NOW.isoformat()}, NOW)
    assert interrupted({"attempt_id": remote, "sending_since": NOW.isoformat()}, NOW + timedelta(hours=1))


async def test_the_notifier_sees_which_delivery_it_sends(db) -> None:
    add_alert(db)
    notifier = Recorder()
    await deliver_due(db, {"slack": notifier}, now=Clock())
    (ref,) = notifier.refs
    assert ref is not None and ref.id == 1 and ref.alert_id == "al1" and ref.kind == "alert"
    assert ref.attempt_id == row(db)["attempt_id"]
    assert current_delivery.get() is None


async def test_retry_after_is_honoured_and_the_target_cools_down(db) -> None:
    add_alert(db, "a1", ("slack:T1/C1", "slack:T1/C2"))
    add_alert(db, "a2", ("slack:T1/C1", "slack:T1/C2"))
    notifier = Recorder([SendResult.retry("rate limited", retry_after=2.5)])
    clock = Clock()
    outbox = Outbox(db, {"slack": notifier}, now=clock)
    report = await outbox.deliver()
    c1 = [d for d in db["deliveries"].rows if d["target"] == "slack:T1/C1"]
    # the 429 stopped C1 for this pass; C2 went on
    assert [d["state"] for d in c1] == ["retrying", "pending"] and report.waiting == 1
    assert c1[0]["next_attempt"] == (NOW + timedelta(seconds=3)).isoformat()  # 2.5 s, rounded up
    assert sorted(t for _, t in notifier.sent) == ["slack:T1/C1", "slack:T1/C2", "slack:T1/C2"]
    again = await outbox.deliver()  # still cooling: nothing for C1
    assert again.sent == 0 and len(notifier.sent) == 3
    outbox.cooling.clear()
    clock.at = NOW + timedelta(seconds=3)
    await outbox.deliver()
    assert {d["state"] for d in db["deliveries"].rows} == {"sent"}


async def test_backoff_grows_then_fails_with_the_reason(db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_mod.random, "random", lambda: 0.5)
    add_alert(db)
    notifier = Recorder([SendResult.retry("HTTP 503")] * outbox_mod.MAX_ATTEMPTS)
    clock = Clock()
    waits = []
    for _ in range(outbox_mod.MAX_ATTEMPTS):
        await deliver_due(db, {"slack": notifier}, now=clock)
        r = row(db)
        if r["state"] == "retrying":
            nxt = datetime.fromisoformat(r["next_attempt"])
            waits.append((nxt - clock.at).total_seconds())
            clock.at = nxt
    assert waits == [5.0 * 2**i for i in range(outbox_mod.MAX_ATTEMPTS - 1)]
    assert row(db)["state"] == "failed" and row(db)["last_error"] == "HTTP 503"
    assert len(notifier.sent) == outbox_mod.MAX_ATTEMPTS


async def test_broken_target_is_marked_and_not_retried(db) -> None:
    from bot.delivery.targets import parse_target
    from bot.usecases import service

    service.watch(db, service.Scope(parse_target("slack:T1/C1")), ["AMZN"])
    add_alert(db)
    notifier = Recorder([SendResult.fail("channel_not_found", broken=True)])
    await deliver_due(db, {"slack": notifier}, now=Clock())
    assert row(db)["state"] == "failed" and row(db)["last_error"] == "channel_not_found"
    (sub,) = db["subscriptions"].rows
    assert sub["status"] == "broken"


async def test_waiting_when_the_platform_is_not_running(db) -> None:
    add_alert(db)
    report = await deliver_due(db, {"console": ConsoleNotifier(io.StringIO())}, now=Clock())
    assert report.waiting == 1 and row(db)["state"] == "pending"


def link(db, alert_id: str, n: int) -> int:  # type: ignore[no-untyped-def]
    db["articles"].insert({"id": f"copy-{n}", "title": "t", "fetched": NOW.isoformat()})
    report_id = report_store.add(
        db,
        alert_id=alert_id,
        article_id=f"copy-{n}",
        ticker="AMZN",
        source=f"Outlet {n}",
        title=f"Copy {n}",
        summary="",
        link=f"https://o{n}.example.com/",
        published=None,
        similarity=0.3,
        created=NOW.isoformat(),
    )
    assert report_id is not None
    for d in deliveries.for_alert(db, alert_id):
        report_store.enqueue_update(db, report_id, alert_id, d["target"], NOW.isoformat())
    return report_id


async def test_story_updates_wait_for_their_alert_and_reply_to_it(db) -> None:
    add_alert(db)
    report_id = link(db, "al1", 1)
    blocked = Recorder([SendResult.retry("HTTP 500")])
    await deliver_due(db, {"slack": blocked}, now=Clock())
    assert blocked.updates == []  # the alert itself is not posted yet
    clock = Clock(NOW + timedelta(hours=1))
    notifier = Recorder()
    report = await deliver_due(db, {"slack": notifier}, now=clock)
    assert report.sent == 1 and report.updates_sent == 1
    assert notifier.updates == [("al1", report_id, row(db)["message_ref"])]
    (update,) = report_store.updates_for(db, report_id)
    assert update["state"] == "sent" and update["message_ref"] == f"reply-{report_id}"


async def test_updates_are_skipped_where_the_alert_was_not_posted_or_cannot_be_threaded(db) -> None:
    add_alert(db, "a1", ("slack:T1/C1",))
    add_alert(db, "a2", ("console",))
    db.execute("update deliveries set state = 'skipped' where alert_id = 'a1'")
    first, second = link(db, "a1", 1), link(db, "a2", 2)

    class Plain:  # a notifier without send_update
        platform = "console"

        async def send(self, alert: Alert, target: Target) -> SendResult:
            return SendResult.sent("x")

    await deliver_due(db, {"slack": Recorder(), "console": Plain()}, now=Clock())
    assert report_store.updates_for(db, first)[0]["state"] == "skipped"
    skipped = report_store.updates_for(db, second)[0]
    assert skipped["state"] == "skipped" and "does not post story updates" in skipped["last_error"]


async def test_notices_go_to_the_console_when_the_owner_platform_cannot_take_them(db) -> None:
    notices.add(db, "slack:T1/C1", "feed_paused", "https://f.example/x", "feed x is paused", NOW.isoformat())
    out = io.StringIO()
    report = await deliver_due(db, {"slack": Recorder(), "console": ConsoleNotifier(out)}, now=Clock())
    assert report.notices_sent == 1 and "riskwire: feed x is paused" in out.getvalue()
    await deliver_due(db, {"slack": Recorder(), "console": ConsoleNotifier(out)}, now=Clock())
    assert out.getvalue().count("is paused") == 1  # told once


def test_backoff_without_retry_after_has_jitter() -> None:
    rand: Callable[[], float]
    for rand, expected in ((lambda: 0.0, 5.0), (lambda: 1.0, 15.0)):
        assert outbox_mod.backoff(2, None, rand) == expected
    assert outbox_mod.backoff(1, 7.0) == 7.0
    assert outbox_mod.backoff(50, None, lambda: 0.5) == outbox_mod.MAX_DELAY
