"""`riskwire run`: one asyncio loop carrying the scheduler, polling, delivery and the chat front-ends.

Jobs on APScheduler's AsyncIOScheduler: `poll` (every few seconds: start the feeds whose next poll
has come; bot.pipeline.poller), `deliver` (a safety-net kick of the delivery loop; bot.delivery.worker),
`prune` (retention; bot.ops.retention), and the jobs other modules register (bot.ops.jobs). SIGTERM/SIGINT:
no new polls or sends start; those in flight get SHUTDOWN_GRACE seconds to finish, then are
cancelled (a cancelled poll stored whole articles at most; a cancelled send is resolved at the next
start), and the feed worker processes and the database threads are stopped.

Any number of these processes may share one database (bot.ops.cluster): each is a worker that
claims due feeds and channel queues through leases, runs the once-per-period jobs whose row it
inserted, and runs the Discord gateway and Slack Socket Mode only while it holds the `gateway` lease.

The loop itself never waits on a feed or the database: polls parse and match in worker processes
(bot.pipeline.cpu) and write through one database thread with its own connection (storage.thread),
and /healthz reads the database on a thread of its own, answering from the last known state when
that read is slow (bot.ops.health.LastKnown).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.cluster import Worker
from bot.core.metrics import Metrics
from bot.core.settings import Settings, SettingsError
from bot.core.storage_health import StorageHealth
from bot.delivery.notifiers import posting_notifiers
from bot.delivery.outbox import Outbox
from bot.delivery.worker import DeliveryWorker
from bot.ops.cluster import GATEWAY, Election, Membership
from bot.ops.frontends import Frontend, load_frontends, startup_lines
from bot.ops.health import HealthServer, LastKnown
from bot.ops.jobs import JobSpec, ServiceContext, load_job_modules, registered_jobs
from bot.ops.retention import prune
from bot.pipeline.cpu import CpuPool
from bot.pipeline.poller import FeedPoller
from bot.pipeline.polling import sync_config_feeds
from storage import cluster, deliveries
from storage import feeds as feed_store
from storage.db import open_db, ping, shown
from storage.thread import runner_for

log = logging.getLogger(__name__)

POLL_TICK_SECONDS = 5
DELIVER_EVERY_SECONDS = 10
PRUNE_EVERY_HOURS = 6
SHUTDOWN_GRACE = 10.0
JOB_RUNS_KEPT = timedelta(days=2)  # the once-per-period records of jobs (storage.cluster.job_runs)
JOB_FIRST_RUN = 2.0  # seconds after the start: an interval job's first run (then every interval)
HEALTH_BUSY_TIMEOUT = 5.0  # the health read runs off the loop; /healthz itself waits at most DB_WAIT


def _now() -> datetime:
    return datetime.now(UTC)


def database_state(db: sqlite_utils.Database) -> dict[str, Any]:
    """The database part of /healthz: deliveries and feeds, counted (raises when the database fails)."""
    ping(db)
    return {"deliveries": deliveries.counts_by_state(db), "feeds": feed_store.counts_by_health(db)}


async def _status(
    database: LastKnown,
    scheduler: AsyncIOScheduler,
    last_tick: list[float],
    storage: StorageHealth,
    member: Membership | None = None,
) -> dict[str, Any]:
    """The /healthz body: ok when the database answers and takes writes, and the poll job ran recently."""
    counts = await database()
    if member is not None:  # this worker, and the elected roles it holds (several on one database)
        counts = {**counts, "worker": member.worker.id, "holds": sorted(member.held.get("leases", set()))}
    since_tick = time.monotonic() - last_tick[0] if last_tick else None
    ticking = since_tick is not None and since_tick < POLL_TICK_SECONDS * 6
    return {
        "ok": bool(scheduler.running and ticking and storage.problem is None),
        **storage.status(),
        "scheduler": "running" if scheduler.running else "stopped",
        "seconds_since_poll_tick": round(since_tick, 1) if since_tick is not None else None,
        **counts,
    }


def _job(spec: JobSpec, ctx: ServiceContext, metrics: Metrics, member: Membership) -> Any:
    async def run() -> None:
        try:
            if not await member.once(spec.id, spec.period(ctx.settings)):
                return  # another worker runs it this period
            await spec.func(ctx)
        except Exception:
            log.exception("job %s failed", spec.id)
            metrics.errors.labels("job").inc()

    return run


class _Gateway:
    """The front-ends that must run once in the cluster (Discord gateway, Slack Socket Mode): started
    anew in the worker that wins the `gateway` lease, stopped when it loses it."""

    def __init__(
        self,
        make: Any,
        notifiers: dict[str, Any],
        base: dict[str, Any],
    ) -> None:
        self.make = make
        self.notifiers = notifiers
        self.base = base
        self.running: list[Frontend] = []
        self.election = Election(GATEWAY, self.start, self.stop)

    async def start(self) -> None:
        self.running = list(self.make())
        for frontend in self.running:
            await frontend.start()
            self.notifiers[frontend.platform] = frontend.notifier

    async def stop(self) -> None:
        running, self.running = self.running, []
        for frontend in running:
            if frontend.platform in self.base:
                self.notifiers[frontend.platform] = self.base[frontend.platform]
            else:
                self.notifiers.pop(frontend.platform, None)
            with contextlib.suppress(Exception):
                await frontend.stop()


def _gateway(
    settings: Settings,
    db: sqlite_utils.Database,
    notifiers: dict[str, Any],
    base: dict[str, Any],
    first: list[Frontend],
) -> _Gateway:
    made = [first]

    def make() -> list[Frontend]:
        # the first win uses the front-ends built at the start; a later one (after a takeover) new ones
        frontends = made.pop() if made else load_frontends(settings, db)
        return [f for f in frontends if getattr(f, "elected", False)]

    return _Gateway(make, notifiers, base)


async def run_service(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); in-flight work finishes, the rest stays pending."""
    if settings.heartbeat_seconds >= settings.lease_seconds:
        raise SettingsError("RISKWIRE_HEARTBEAT_SECONDS must be shorter than RISKWIRE_LEASE_SECONDS")
    db = open_db(settings.db_path)
    worker = Worker(lease_seconds=settings.lease_seconds, heartbeat_seconds=settings.heartbeat_seconds)
    cluster_db = runner_for(
        db, settings.db_path, busy_timeout=min(settings.db_busy_timeout, settings.lease_seconds / 3)
    )
    member = Membership(cluster_db, worker, _now)
    await member.join()
    member.start()  # heartbeats from here on: what this worker takes is renewed while it starts
    frontends = load_frontends(settings, db)
    everywhere = [f for f in frontends if not getattr(f, "elected", False)]
    # posting needs only credentials; a front-end that is on brings its own notifier
    notifiers = posting_notifiers(settings, discord_webhooks=all(f.platform != "discord" for f in everywhere))
    base = dict(notifiers)
    for frontend in everywhere:
        await frontend.start()
        notifiers[frontend.platform] = frontend.notifier
    gateway = _gateway(settings, db, notifiers, base, frontends) if len(everywhere) < len(frontends) else None
    if gateway is not None:
        member.elect(gateway.election)
    await member.elections()  # one worker alone takes every lease, the gateway's too
    member.start_elections()
    for line in startup_lines(settings, frontends, notifiers):
        print(line, flush=True)
    if gateway is not None and not gateway.election.leading:
        print(
            f"Gateway (Discord, Slack Socket Mode): in another worker; {worker.id} takes over if it stops",
            flush=True,
        )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # not on the main thread, or a platform without signals: SIGTERM then stops nothing here
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)

    metrics = Metrics(db)
    outbox = Outbox(db, notifiers, metrics=metrics, worker=worker, send_timeout=settings.send_timeout)
    delivery = DeliveryWorker(outbox, DELIVER_EVERY_SECONDS)
    store = runner_for(db, settings.db_path, busy_timeout=settings.db_busy_timeout)
    cpu = CpuPool(settings.feed_workers)
    poller = FeedPoller(
        db, settings, metrics=metrics, on_alerts=delivery.kick, store=store, cpu=cpu, worker=worker
    )
    sync_config_feeds(db, settings, _now().isoformat(timespec="seconds"))
    last_tick: list[float] = []

    async def poll_job() -> None:
        last_tick[:] = [time.monotonic()]
        await poller.tick()

    async def deliver_job() -> None:
        delivery.kick()

    async def prune_job() -> None:
        if not await member.once("prune", PRUNE_EVERY_HOURS * 3600):
            return  # another worker prunes this period
        await cluster_db.run(cluster.prune_job_runs, _now() - JOB_RUNS_KEPT)
        done = prune(db, settings.retention_days, _now())
        if done.alerts or done.articles:
            log.info("retention: pruned %d alerts and %d articles", done.alerts, done.articles)

    scheduler = AsyncIOScheduler(timezone=UTC)
    every = {"max_instances": 1, "coalesce": True}
    scheduler.add_job(
        poll_job, "interval", seconds=POLL_TICK_SECONDS, id="poll", next_run_time=_now(), **every
    )
    scheduler.add_job(deliver_job, "interval", seconds=DELIVER_EVERY_SECONDS, id="deliver", **every)
    scheduler.add_job(
        prune_job,
        "interval",
        hours=PRUNE_EVERY_HOURS,
        id="prune",
        next_run_time=_now() + timedelta(minutes=1),
        **every,
    )
    load_job_modules()
    context = ServiceContext(db, settings, notifiers, metrics, _now, delivery.kick)
    for spec in registered_jobs():
        args = spec.trigger_for(settings)
        if spec.trigger == "interval" and "next_run_time" not in args:
            args["next_run_time"] = _now() + timedelta(seconds=JOB_FIRST_RUN)
        scheduler.add_job(_job(spec, context, metrics, member), spec.trigger, id=spec.id, **every, **args)

    health: HealthServer | None = None
    health_db = runner_for(db, settings.db_path, busy_timeout=HEALTH_BUSY_TIMEOUT)
    database = LastKnown(lambda: health_db.run(database_state))
    delivery.start()
    scheduler.start()
    try:
        if settings.health_port is not None:
            health = HealthServer(
                settings.health_host,
                settings.health_port,
                lambda: _status(database, scheduler, last_tick, poller.storage, member),
                metrics,
            )
            port = await health.start()
            print(
                f"Health and metrics on http://{settings.health_host}:{port}/healthz and /metrics", flush=True
            )
        print(
            f"Riskwire running: database {shown(settings.db_path)}, polling every {settings.poll_seconds}s "
            "(Ctrl-C to stop)",
            flush=True,
        )
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await poller.drain(SHUTDOWN_GRACE)
        await poller.close()
        await cpu.close()
        await delivery.stop(SHUTDOWN_GRACE)
        await member.leave()
        await cluster_db.close()
        if health is not None:
            await health.stop()
        await store.close()
        await health_db.close()
        for frontend in everywhere:
            with contextlib.suppress(Exception):
                await frontend.stop()
        db.close()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        print("Riskwire stopped.", flush=True)
    return 0
