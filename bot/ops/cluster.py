"""`riskwire run` as one of several workers on one database (SQLite file or PostgreSQL).

Each worker joins with its id (bot.core.cluster.Worker) and heartbeats every `heartbeat_seconds`:
the heartbeat renews what it holds (feeds being polled, channel queues, elected roles), and a worker
silent for `lease_seconds` is dead, so what it held runs out and is taken over within two lease
times. Work is split through the database (storage.cluster): feeds and channel queues are claimed
by the poller and the outbox; jobs that must run once per period run where their `job_runs` row
went in (`once`); connections that must exist once (the Discord gateway, Slack Socket Mode) run in
the worker elected for the `gateway` lease (`Election`). One worker alone wins every claim, so a
single process behaves as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.core.cluster import Worker
from bot.core.settings import SettingsError
from storage import cluster
from storage.thread import DbRunner

log = logging.getLogger(__name__)

GATEWAY = "gateway"
FORGET_AFTER = timedelta(hours=1)  # a dead worker's row is dropped this long after its leases ran out


def _now() -> datetime:
    return datetime.now(UTC)


def period_key(seconds: float, now: datetime) -> str:
    """The period `now` falls in, for a job run once every `seconds` in the cluster: the period's
    start as an ISO stamp (so the key reads as a time)."""
    step = max(float(seconds), 1.0)
    start = math.floor(now.timestamp() / step) * step
    return datetime.fromtimestamp(start, UTC).isoformat(timespec="seconds")


class Membership:
    """This worker's place among the others: joins, heartbeats, elections, once-per-period jobs."""

    def __init__(self, store: DbRunner, worker: Worker, now: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.worker = worker
        self.now = now
        self.held: dict[str, set[str]] = {}
        self.beats = 0
        self._elections: list[Election] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def join(self) -> None:
        await self.store.run(cluster.join, self.worker.id, socket.gethostname(), os.getpid(), self.now())

    def elect(self, election: Election) -> None:
        self._elections.append(election)

    def start(self) -> None:
        """Heartbeat from now on, in a task of its own: a slow election (a gateway logging in) never
        holds a heartbeat back."""
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._every(self.beat, "heartbeat"), name="heartbeat"))

    def start_elections(self) -> None:
        """Stand in the elections every heartbeat interval from now on."""
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._every(self.elections, "election"), name="elections"))

    async def beat(self) -> None:
        """One heartbeat: renew what this worker holds, forget long-dead workers."""
        started = self.worker.clock()
        now = self.now()
        self.held = await self.store.run(cluster.heartbeat, self.worker.id, now, self.worker.until(now))
        self.worker.renewed(self.held.get("channels", set()), started)
        self.beats += 1
        if self.beats % 60 == 1:
            await self.store.run(cluster.forget_dead, self.worker.dead_before(now) - FORGET_AFTER)

    async def elections(self) -> None:
        """Take each elected role that is free (or keep it), or let it go when it was lost."""
        for election in self._elections:
            await election.run(self)

    async def _every(self, step: Callable[[], Awaitable[None]], what: str) -> None:
        while True:
            began = time.monotonic()
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: leases run out; try again next time
                log.exception("%s failed", what)
            await asyncio.sleep(max(self.worker.heartbeat_seconds - (time.monotonic() - began), 0.05))

    async def once(self, job: str, every: float) -> bool:
        """Whether this worker runs this period's `job` (a job run once every `every` seconds in the
        cluster): True for the one whose row went in first."""
        now = self.now()
        key = period_key(every, now)
        return bool(await self.store.run(cluster.claim_job_run, job, key, self.worker.id, now))

    async def leave(self) -> None:
        """Stop heartbeating, end elected roles and free every lease at once (a clean stop)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for election in self._elections:
            with contextlib.suppress(Exception):
                await election.resign()
        try:
            await self.store.run(cluster.leave, self.worker.id)
        except Exception:  # the leases run out by themselves
            log.warning("could not free this worker's leases", exc_info=True)


class Election:
    """A role one worker at a time plays (lease `name`): `on_win` starts it in the worker that takes
    the lease, `on_lose` stops it when the lease is lost (taken over after a pause) or given up."""

    def __init__(
        self,
        name: str,
        on_win: Callable[[], Awaitable[None]],
        on_lose: Callable[[], Awaitable[None]],
    ) -> None:
        self.name = name
        self.on_win = on_win
        self.on_lose = on_lose
        self.leading = False
        self._member: Membership | None = None

    async def run(self, member: Membership) -> None:
        self._member = member
        worker, now = member.worker, member.now()
        if self.leading and self.name in member.held.get("leases", set()):
            return
        token = await member.store.run(cluster.take_lease, self.name, worker.id, now, worker.until(now))
        if token is not None and not self.leading:
            log.info("this worker now holds %s", self.name)
            self.leading = True
            try:
                await self.on_win()
            except SettingsError:  # refused credentials: the service stops and says why
                await self.resign()
                raise
            except Exception:
                log.exception("starting %s failed; the lease is given up", self.name)
                await self.resign()
        elif token is None and self.leading:
            log.warning("%s was taken over by another worker; stopping it here", self.name)
            self.leading = False
            await self.on_lose()

    async def resign(self) -> None:
        if self.leading:
            self.leading = False
            await self.on_lose()
        if self._member is not None:
            member = self._member
            await member.store.run(cluster.release_lease, self.name, member.worker.id)
