"""Three `riskwire run` workers on one database split the work through it: every feed is fetched by
one worker at a time, once per interval, one request in flight per host across them all; every
(alert, channel) is posted exactly once although the worker posting is killed with -9 in the middle
of the burst (after Slack stored a post, before the worker heard the answer) and restarted, or
stopped (SIGSTOP) past its lease and resumed; a digest due while they run is sent once; one worker
at a time holds the Discord gateway, and another takes it over when it dies. The same tests run on
each database the `db_location` fixture gives.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlite_utils

from bot.delivery.targets import parse_target
from bot.usecases import service
from bot.usecases.digest import parse_schedule, set_digest
from storage import feeds as feed_store
from storage.db import open_db
from tests.clock import ago
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.feed_server import FeedServer, Hit
from tests.feedkit import rss
from tests.historykit import add_alert
from tests.servicekit import COMPANIES, risk_item, service_env, start_service, wait_for

T = TypeVar("T")
CHANNELS = ("slack:T1/C1", "slack:T1/C2", "slack:T1/C3")
FEEDS = 4
PER_FEED = 3
HOST_GAP = 0.3
INTERVAL = 30  # the shortest poll interval there is (bot.pipeline.poller.MIN_INTERVAL)
WORKER_ENV = {
    "RISKWIRE_LEASE_SECONDS": "3",
    "RISKWIRE_HEARTBEAT_SECONDS": "0.5",
    "RISKWIRE_SEND_TIMEOUT": "4",
    "RISKWIRE_DIGEST_SECONDS": "2",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the workers' database lives: an SQLite file (WAL, BEGIN IMMEDIATE) shared by them, or a
    fresh database on the test run's PostgreSQL server (skipped where the suite has none)."""
    if request.param == "sqlite":
        return str(tmp_path / "cluster.db")
    try:
        return str(request.getfixturevalue("pg_url"))
    except pytest.FixtureLookupError:
        pytest.skip("no PostgreSQL back end in this tree")


def agent(n: int) -> str:
    return f"riskwire-test-worker/{n}"


def query(location: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement on the workers' database with a connection of its own."""
    db = open_db(location)
    try:
        return [tuple(row) for row in db.execute(sql, list(params)).fetchall()]
    finally:
        db.close()


class Workers:
    """`riskwire run` processes on one database, each with its own log."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        """Start one more worker; its feed requests say which it is (User-Agent `agent(n)`)."""
        n = len(self.procs)
        env = {**self.env, "RISKWIRE_USER_AGENT": agent(n)}
        proc = start_service(env, self.folder / f"worker-{n}.log")
        self.procs.append(proc)
        return proc

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def by_pid(self, pid: int) -> subprocess.Popen[bytes]:
        return next(p for p in self.procs if p.pid == pid)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self) -> list[int | None]:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.send_signal(signal.SIGTERM)
        codes = []
        for proc in self.procs:
            try:
                codes.append(proc.wait(30))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append(None)
        return codes


@pytest.fixture
def cluster_setup(tmp_path: Path, db_location: str) -> Iterator[tuple[FeedServer, FakeSlack, Workers]]:
    feeds = FeedServer().start()
    slack = FakeSlack(delay=0.1, hold_at=8).start()
    tickers = list(COMPANIES)[: FEEDS * PER_FEED]
    db = open_db(db_location)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    for n in range(FEEDS):
        items = [risk_item(t) for t in tickers[n * PER_FEED : (n + 1) * PER_FEED]]
        if n < 2:
            items.append(risk_item("KO", 9))  # one article in two feeds: stored once, alerted once
        url = feeds.serve(f"/feed-{n}.xml", rss(items), delay=0.1)
        feed_store.add(db, url, stamp, poll_seconds=INTERVAL)
    for channel in CHANNELS:
        service.watch(db, service.Scope(parse_target(channel)), [*tickers, "KO"])
    make_digest_due(db)
    db.close()
    config = tmp_path / "riskwire.toml"
    config.write_text(
        f'host_gap = {HOST_GAP}\nfeed_workers = 0\nfrontends = ["tests.fakes.slack_notifier:frontend"]\n',
        encoding="utf-8",
    )
    env = service_env(tmp_path / "unused.db", config, slack, RISKWIRE_DB=db_location, **WORKER_ENV)
    workers = Workers(env, tmp_path)
    try:
        yield feeds, slack, workers
    finally:
        workers.stop_all()
        slack.stop()
        feeds.stop()


def holder_pid(location: str, delivery_id: int) -> int | None:
    """The pid of the worker whose attempt holds the delivery `sending` (host:pid:random:attempt)."""
    rows = query(
        location, "select attempt_id from deliveries where id = ? and state = 'sending'", (delivery_id,)
    )
    for (attempt,) in rows:
        parts = str(attempt).split(":")
        if len(parts) == 4 and parts[1].isdigit():
            return int(parts[1])
    return None


def make_digest_due(db: sqlite_utils.Database) -> str:
    """C1's daily digest, due now (its slot this very minute) with an alert of two hours ago in its
    window; returns that alert's id."""
    earlier = add_alert(db, ticker="PFE", company="Pfizer", created=ago(hours=2), targets=(CHANNELS[0],))
    now = datetime.now(UTC)
    set_digest(db, service.Scope(parse_target(CHANNELS[0])), parse_schedule(f"daily {now:%H:%M} UTC"), now)
    db.execute(
        "update digests set next_slot = ?, window_start = ? where target = ?",
        [
            now.replace(second=0, microsecond=0).isoformat(timespec="seconds"),
            (now - timedelta(days=1)).isoformat(timespec="seconds"),
            CHANNELS[0],
        ],
    )
    return earlier.id


def check_fetches(hits: list[Hit], killed: str, killed_at: float) -> None:
    """One request at a time to the feed host, `host_gap` apart, and each feed once per interval: a
    feed is fetched again sooner only when the worker killed at `killed_at` (User-Agent `killed`)
    started it and died before recording the fetch (with the request in flight, or its answer read
    but not yet stored), so that another took it over."""
    ordered = sorted(hits, key=lambda h: h.started)
    for before, after in itertools.pairwise(ordered):
        assert after.started >= before.at, (before, after)  # never two in flight
        assert after.started - before.at >= HOST_GAP * 0.8, (before, after)
    per_feed: dict[str, list[Hit]] = {}
    for hit in ordered:
        per_feed.setdefault(hit.path, []).append(hit)
    assert len(per_feed) == FEEDS
    for path, feed_hits in per_feed.items():
        for before, after in itertools.pairwise(feed_hits):
            if after.started - before.started >= INTERVAL / 2 - 1:
                continue  # its next slot, not sooner
            lost = before.headers.get("User-Agent") == killed and before.started <= killed_at
            assert lost, (path, before, after)


TOTAL = (FEEDS * PER_FEED + 1) * len(CHANNELS) + 1  # the burst, and the digest's earlier alert


def settled(location: str) -> bool:
    """Every delivery sent and the digest too."""
    states = dict(query(location, "select state, count(*) from deliveries group by state"))
    digest = query(location, "select count(*) from digest_runs where state = 'sent'")
    return states == {"sent": TOTAL} and digest[0][0] == 1


def explain(location: str, workers: Workers) -> tuple[object, ...]:
    return (
        query(location, "select state, count(*) from deliveries group by state"),
        query(location, "select * from digest_runs"),
        query(location, "select * from channels"),
        workers.logs()[-4000:],
    )


def start_three_until_a_post_is_held(
    slack: FakeSlack, workers: Workers, location: str
) -> subprocess.Popen[bytes]:
    """Three workers, until Slack stored post `hold_at` and holds its answer back: returns the
    worker that sent it (its delivery is `sending`)."""
    for _ in range(3):
        workers.start()
    assert wait_for(lambda: slack.reached.is_set() or not workers.alive(), 40), workers.logs()
    assert slack.reached.is_set(), workers.logs()
    assert slack.held is not None
    held = slack.held.payload["delivery_id"]
    pid = holder_pid(location, held)
    assert pid is not None, query(location, "select id, state, attempt_id from deliveries")
    return workers.by_pid(pid)


def check_posted_once(slack: FakeSlack, location: str) -> None:
    """Each (alert, channel) posted once, the held post recorded (not posted again), one digest."""
    posts = slack.snapshot()
    alerts = [p for p in posts if p.payload.get("alert_id")]
    digests = [p for p in posts if (p.metadata or {}).get("event_type") == "riskwire_digest"]
    posted = Counter((p.channel, p.payload["alert_id"]) for p in alerts)
    rows = query(
        location,
        "select d.alert_id, d.target, d.message_ref from deliveries d join alerts a on a.id = d.alert_id "
        "where a.ticker != 'PFE'",  # the digest's earlier alert, not part of the burst
    )
    assert set(posted) == {(parse_target(str(t)).channel, a) for a, t, _ in rows}
    assert [key for key, n in posted.items() if n != 1] == []  # none doubled, none lost
    held = slack.held
    assert held is not None
    refs = {(parse_target(str(t)).channel, a): ref for a, t, ref in rows}
    assert refs[(held.channel, held.payload["alert_id"])] == held.ts  # found again, not posted again
    assert len(digests) == 1 and digests[0].channel == "C1"
    assert query(location, "select count(*) from articles where link like '%ko-sanctions-9'") == [(1,)]
    assert query(location, "select count(*) from alerts where ticker = 'KO'") == [(1,)]


def test_three_workers_kill_9_mid_burst_each_alert_posted_once_each_feed_polled_once(
    cluster_setup: tuple[FeedServer, FakeSlack, Workers], db_location: str
) -> None:
    feeds, slack, workers = cluster_setup
    # the hard case: Slack stored the post, the worker that sent it has not heard back; kill it
    victim = start_three_until_a_post_is_held(slack, workers, db_location)
    victim.kill()
    victim.wait(10)
    killed_at = time.monotonic()
    slack.release()
    workers.start()  # the killed worker comes back

    assert wait_for(lambda: settled(db_location), 45, step=0.2), explain(db_location, workers)
    codes = workers.stop_all()
    assert codes.count(0) == 3 and codes.count(-signal.SIGKILL) == 1, codes
    check_posted_once(slack, db_location)
    check_fetches(list(feeds.hits), agent(workers.procs.index(victim)), killed_at)
    # work was shared: more than one worker sent, and the leases were given back at the stop
    senders = {
        str(a).split(":")[1]
        for (a,) in query(db_location, "select attempt_id from deliveries where attempt_id is not null")
    }
    assert len(senders) >= 2, senders
    assert query(db_location, "select count(*) from channels where owner is not null") == [(0,)]


def test_a_worker_paused_past_its_lease_posts_nothing_the_others_took_over(
    cluster_setup: tuple[FeedServer, FakeSlack, Workers], db_location: str
) -> None:
    _feeds, slack, workers = cluster_setup
    paused = start_three_until_a_post_is_held(slack, workers, db_location)
    paused.send_signal(signal.SIGSTOP)  # mid-send: Slack has the post, the worker waits for the answer
    slack.release()
    # the others take its channel over once its lease runs out, find the held post, send the rest
    assert wait_for(lambda: settled(db_location), 45, step=0.2), explain(db_location, workers)
    before = len(slack.snapshot())
    paused.send_signal(signal.SIGCONT)  # it hears the old answer, and holds no lease any more
    time.sleep(3)  # a few heartbeats of its own: it learns it holds nothing
    assert len(slack.snapshot()) == before  # it posted nothing more
    assert workers.alive()
    assert workers.stop_all() == [0, 0, 0]
    check_posted_once(slack, db_location)
    assert settled(db_location)


class DiscordInThread:
    """The fake Discord API and gateway (tests/fakes/discord_api.py) on its own loop in a thread, so
    that worker processes can reach it while the test reads it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake: FakeDiscord = self.call(FakeDiscord().start())

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _count(self) -> tuple[int, int]:
        return self.fake.connected, len(self.fake.requests("GET", "/gateway/bot"))

    def counts(self) -> tuple[int, int]:
        """(gateway connections open, logins that asked for the gateway)."""
        return self.call(self._count())

    def stop(self) -> None:
        self.call(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


GATEWAY_LEASE = 5  # a little longer than the others': a busy machine must not hand the gateway around


def gateway_holder(location: str) -> int | None:
    """The pid of the worker holding the gateway lease (None when nobody does)."""
    rows = query(location, "select owner from leases where name = 'gateway' and owner is not null")
    return int(str(rows[0][0]).split(":")[1]) if rows else None


def test_one_worker_runs_the_discord_gateway_and_another_takes_over_when_it_dies(
    tmp_path: Path, db_location: str
) -> None:
    discord = DiscordInThread()
    open_db(db_location).close()
    config = tmp_path / "riskwire.toml"
    config.write_text("feed_workers = 0\n", encoding="utf-8")
    env = service_env(
        tmp_path / "unused.db",
        config,
        RISKWIRE_DB=db_location,
        DISCORD_TOKEN=discord.fake.token,
        DISCORD_API_URL=discord.fake.api_url,
        **{**WORKER_ENV, "RISKWIRE_LEASE_SECONDS": str(GATEWAY_LEASE)},
    )
    workers = Workers(env, tmp_path)
    try:
        for _ in range(3):
            workers.start()
        assert wait_for(lambda: "Riskwire running" in workers.logs() and discord.counts() == (1, 1), 40), (
            discord.counts(),
            workers.logs(),
        )
        assert wait_for(lambda: workers.logs().count("Riskwire running") == 3, 30), workers.logs()
        time.sleep(2)  # several heartbeats: still one connection
        assert discord.counts() == (1, 1)
        assert workers.logs().count("Gateway (Discord, Slack Socket Mode): in another worker") == 2
        leader = gateway_holder(db_location)
        assert leader is not None
        workers.by_pid(leader).kill()
        workers.by_pid(leader).wait(10)
        # its lease runs out and a live worker connects: within two lease times
        assert wait_for(lambda: discord.counts() == (1, 2), 2 * GATEWAY_LEASE), (
            discord.counts(),
            workers.logs(),
        )
        assert gateway_holder(db_location) not in (None, leader)
        time.sleep(1.5)
        assert discord.counts() == (1, 2)
        codes = workers.stop_all()
        assert sorted(codes, key=str) == sorted([0, 0, -signal.SIGKILL], key=str), codes
    finally:
        workers.stop_all()
        discord.stop()
