"""Feed scheduling and health with local fakes and an injected clock: a feed that answers 500, one that
hangs, one with malformed XML and a healthy one -- the healthy feed's alert is delivered, the others
back off, are paused after N failures (the owner told once) and resume by themselves; politeness
per host; slots spread over the interval."""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.delivery.outbox import deliver_due
from bot.delivery.targets import parse_target
from bot.pipeline.poller import PAUSED_PROBE, FeedPoller, HostGate, failure_delay, next_slot, phase
from bot.usecases import service
from storage import feeds as feed_store
from storage import notices
from tests.feedkit import rss
from tests.servicekit import risk_item

MALFORMED = (  # broken before its one item: nothing in it can be read
    '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Tom & Jerry <b>sue</title>'
    "<item></channel></rss>"
)


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.at


async def run_round(poller: FeedPoller, db, clock: Clock, out: io.StringIO) -> list[str]:  # type: ignore[no-untyped-def]
    """Poll the feeds due now, deliver, and return the URLs polled."""
    due = feed_store.due(db, clock().isoformat(timespec="seconds"))
    await poller.poll_rows(due)
    await deliver_due(db, {"console": ConsoleNotifier(out)}, now=clock)
    return [r["url"] for r in due]


def next_time(db) -> datetime:  # type: ignore[no-untyped-def]
    return min(datetime.fromisoformat(r["next_poll"]) for r in feed_store.all_feeds(db))


async def test_fault_injection_healthy_feed_delivers_and_the_others_back_off(feed_server, db) -> None:
    healthy = feed_server.serve("/healthy.xml", rss([risk_item("AMZN")]))
    error = feed_server.serve("/error.xml", "boom", status=500)
    hang = feed_server.serve("/hang.xml", rss([risk_item("AAPL")]), delay=3)
    broken = feed_server.serve("/broken.xml", MALFORMED)
    for url in (healthy, error, hang, broken):
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN", "AAPL"])
    settings = Settings(
        db_path=":memory:", allow_private_feeds=True, host_gap=0, fetch_timeout=0.3, feed_failure_limit=3
    )
    clock, out = Clock(), io.StringIO()
    poller = FeedPoller(db, settings, now=clock)
    polled: list[tuple[datetime, str]] = []
    try:
        while clock.at < datetime.now(UTC) + timedelta(hours=3):
            polled += [(clock.at, u) for u in await run_round(poller, db, clock, out)]
            clock.at = next_time(db)
    finally:
        await poller.close()

    feeds = {r["url"]: r for r in feed_store.all_feeds(db)}
    assert out.getvalue().count("AMZN · Amazon") == 1  # the healthy feed's alert, once
    assert feeds[healthy]["consecutive_failures"] == 0 and not feeds[healthy]["paused"]
    assert [h.status for h in feed_server.hits_for("/healthy.xml")][:3] == [200, 304, 304]
    for url, why in ((error, "HTTP 500"), (hang, "timed out"), (broken, "malformed feed")):
        assert feeds[url]["paused"] == 1 and feeds[url]["consecutive_failures"] == 3
        assert why in feeds[url]["paused_reason"] and why in feeds[url]["last_error"]
        times = [t for t, u in polled if u == url]
        gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
        assert len(times) == 3 and 810 <= gaps[0] <= 990 and 1620 <= gaps[1] <= 1980  # doubling
        assert datetime.fromisoformat(feeds[url]["next_poll"]) - times[-1] == timedelta(seconds=PAUSED_PROBE)
    told = [line for line in out.getvalue().splitlines() if "is paused after 3 failures" in line]
    assert sorted(Counter(line.split()[2] for line in told).values()) == [1, 1, 1]  # each told once

    # the 500 feed is fixed: its next probe resumes it, and the owner hears so once
    feed_server.serve("/error.xml", rss([risk_item("AMZN", 2)]))
    clock.at = datetime.fromisoformat(feeds[error]["next_poll"])
    poller = FeedPoller(db, settings, now=clock)
    try:
        assert error in await run_round(poller, db, clock, out)
    finally:
        await poller.close()
    row = feed_store.get(db, error)
    assert row is not None and row["paused"] == 0 and row["consecutive_failures"] == 0
    assert out.getvalue().count("works again and is polled") == 1


async def test_a_paused_or_resumed_feed_is_announced_to_each_of_its_owners_once(feed_server, db) -> None:
    shared = feed_server.serve("/shared.xml", "boom", status=500)
    theirs = feed_server.serve("/theirs.xml", "boom", status=500)
    stamp = "2026-01-01T00:00:00+00:00"
    feed_store.add(db, shared, stamp)  # the operator's: told on the console
    for owner, target in (("slack:T1/", "slack:T1/C1"), ("discord:G1/", "discord:G1/C9")):
        feed_store.add_owner(db, shared, owner, target, stamp)
    feed_store.add_owner(db, theirs, "slack:T1/", "slack:T1/C2", stamp)  # a workspace's alone
    settings = Settings(db_path=":memory:", allow_private_feeds=True, host_gap=0, feed_failure_limit=1)
    clock = Clock()

    async def poll_due() -> None:
        poller = FeedPoller(db, settings, now=clock)
        try:
            await poller.poll_rows(feed_store.due(db, clock().isoformat(timespec="seconds")))
        finally:
            await poller.close()

    def told(url: str, kind: str) -> list[str]:
        return sorted(n["target"] for n in notices.for_subject(db, url) if n["kind"] == kind)

    await poll_due()
    assert told(shared, "feed_paused") == ["console", "discord:G1/C9", "slack:T1/C1"]
    assert told(theirs, "feed_paused") == ["slack:T1/C2"]

    feed_server.serve("/shared.xml", rss([]))
    feed_server.serve("/theirs.xml", rss([]))
    clock.at = next_time(db)
    await poll_due()
    assert told(shared, "feed_resumed") == ["console", "discord:G1/C9", "slack:T1/C1"]
    assert told(theirs, "feed_resumed") == ["slack:T1/C2"]
    assert told(shared, "feed_paused") == ["console", "discord:G1/C9", "slack:T1/C1"]  # not again


async def test_one_request_at_a_time_per_host_with_a_gap(feed_server) -> None:
    for name in ("a", "b", "c"):
        feed_server.serve(f"/{name}.xml", rss([]), delay=0.2)
    gate = HostGate(gap=0.3)
    port = feed_server.port
    urls = [
        f"http://127.0.0.1:{port}/a.xml",
        f"http://127.0.0.1:{port}/b.xml",
        f"http://localhost:{port}/c.xml",
    ]

    async def visit(url: str) -> None:
        async with gate.slot(url):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {url.split(str(port))[1]} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
            await reader.read()
            writer.close()

    await asyncio.gather(*(visit(u) for u in urls))
    a, b, c = (feed_server.hits_for(f"/{n}.xml")[0].at for n in ("a", "b", "c"))
    assert abs(b - a) >= 0.5 - 0.02  # same host: one at a time (0.2 s each) plus the 0.3 s gap
    assert abs(c - min(a, b)) < 0.15  # another host does not wait


async def test_tick_starts_due_feeds_once_and_drains(feed_server, db) -> None:
    urls = [feed_server.serve(f"/t{i}.xml", rss([]), delay=0.2) for i in range(3)]
    for url in urls:
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    poller = FeedPoller(db, Settings(db_path=":memory:", allow_private_feeds=True, host_gap=0))
    try:
        assert await poller.tick() == 3
        assert await poller.tick() == 0 and poller.in_flight == 3  # still in flight: not started twice
        await poller.drain(5)
        assert poller.in_flight == 0 and await poller.tick() == 0  # next polls are scheduled later
    finally:
        await poller.close()
    assert all(feed_store.get(db, u)["last_success"] for u in urls)  # type: ignore[index]


def test_slots_are_stable_and_spread_over_the_interval() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    urls = [f"https://feeds.example.com/{i}.xml" for i in range(1000)]
    slots = [next_slot(u, 900, now) for u in urls]
    for url, slot in zip(urls, slots, strict=True):
        assert timedelta(seconds=450) <= slot - now < timedelta(seconds=1350)
        assert (slot.timestamp() - phase(url, 900)) % 900 == 0
        assert next_slot(url, 900, slot) - slot == timedelta(seconds=900)  # then every interval
    buckets = Counter(int((s - now).total_seconds() // 90) for s in slots)
    assert max(buckets.values()) < 2 * 1000 / len(buckets)  # no pile-up


def test_failure_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert failure_delay(1, 900, lambda: 0.5) == 900
    assert failure_delay(3, 900, lambda: 0.5) == 3600
    assert failure_delay(3, 900, lambda: 0.0) == 3600 * 0.9
    assert failure_delay(30, 900, lambda: 1.0) == 6 * 3600 * 1.1
