"""Feed polling for the service: each feed on its own interval, spread over it, politely.

- Schedule: a feed's next poll is stored in the database (`feeds.next_poll`), so it survives restarts
  and `riskwire feeds status` can show it. A never-polled feed is due at once. After a good poll the
  next one falls in the feed's own slot: a stable phase (a hash of its URL) within its interval, so
  a thousand feeds with one interval are spread over it instead of firing together.
- Politeness: one request at a time per host, and at least `host_gap` seconds between the end of one
  and the start of the next; at most `concurrency` requests in flight overall.
- Health: a failure backs off (the interval doubling per failure in a row, up to MAX_BACKOFF); after
  `failure_limit` failures in a row the feed is paused and each of its owners (the console for the
  operator) is told once, with the reason. A paused feed is still probed every PAUSED_PROBE seconds;
  the first good fetch resumes it by itself (and says so, to each owner).
- Raising: a poll that raises (a storage error such as a full disk, or a bug) backs off like a
  failed fetch. Its next poll is stored when the database takes that write, else held in memory,
  so a sick disk never makes the feed be fetched again at every tick. Storage errors are
  logged once per cause and counted (bot.core.storage_health), which /healthz reports.
- Order of writes: a feed's new validators (ETag, Last-Modified) are stored only after its articles
  are, so a crash in between costs a full re-fetch, never a lost item.
- Off the loop: parsing and matching run in `cpu` (bot.pipeline.cpu: worker processes in the
  service), database work in `store` (storage.thread: one writer thread with its own connection
  in the service, whose wait for another process's lock is bounded; past it, the poll counts as
  a storage fault and backs off). The event loop only fetches and waits, so chat commands and
  /healthz are answered while a large feed is parsed or the database is locked. Without them (one-
  shot commands, tests) the same steps run in-process on `db`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import sqlite_utils

from bot.core import redact
from bot.core.cluster import Worker
from bot.core.metrics import NULL, Metrics
from bot.core.settings import Settings
from bot.core.storage_health import StorageHealth
from bot.pipeline.alerts import Alert
from bot.pipeline.cpu import CpuPool
from bot.pipeline.directory import listed_companies
from bot.pipeline.process import ProcessReport, store_matched
from feeds.fetch import is_url, new_session
from feeds.models import Article, FetchState
from feeds.parse import ParsedFeed
from feeds.sources import SourceResult, read_source
from rules.directory import ListedCompany
from rules.models import Match
from storage import cluster, notices, subscriptions
from storage import feeds as feed_store
from storage.faults import storage_fault
from storage.thread import DbRunner, Inline

log = logging.getLogger(__name__)

MIN_INTERVAL = 30
MAX_BACKOFF = 6 * 3600
PAUSED_PROBE = 6 * 3600
_MAX_HOSTS = 10_000


@functools.lru_cache(maxsize=65_536)
def host_key(url: str) -> str:
    """The politeness key of a feed: its host and port (lower-cased); local files share none."""
    return urlsplit(url).netloc.lower() if is_url(url) else ""


@functools.lru_cache(maxsize=65_536)
def phase(url: str, interval: int) -> int:
    """A stable offset in [0, interval) for `url`: where in each interval its polls fall."""
    digest = hashlib.sha256(url.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % max(interval, 1)


def next_slot(url: str, interval: int, now: datetime) -> datetime:
    """The feed's next slot at least half an interval away: polls keep their spread-out phase."""
    earliest = now.timestamp() + interval / 2
    offset = phase(url, interval)
    slot = (earliest - offset) // interval * interval + offset
    if slot < earliest:
        slot += interval
    return datetime.fromtimestamp(slot, UTC)


def failure_delay(failures: int, interval: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds until the next try after `failures` failures in a row: the interval doubling per
    failure, capped at MAX_BACKOFF, with +-10% jitter so failing feeds do not retry in lockstep."""
    base = min(interval * 2 ** max(failures - 1, 0), MAX_BACKOFF)
    return base * (0.9 + 0.2 * rand())


class HostGate:
    """One request at a time per host, with at least `gap` seconds between two requests to it; with
    `gap` 0, no per-host limit at all. With `shared` (several workers on one database), the host's
    slot and gap are kept in the database, so they hold across the workers."""

    def __init__(
        self, gap: float = 1.0, key: Callable[[str], str] = host_key, shared: SharedHosts | None = None
    ) -> None:
        self.gap = gap
        self.key = key
        self.shared = shared
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        key = self.key(url) if self.gap > 0 else ""
        if not key:
            yield
            return
        if len(self._locks) > _MAX_HOSTS:
            self._forget_idle()
        lock = self._locks.setdefault(key, asyncio.Lock())
        if self.shared is not None:
            async with lock, self.shared.slot(key, self.gap):
                yield
            return
        async with lock:
            wait = self._last.get(key, float("-inf")) + self.gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._last[key] = time.monotonic()

    def _forget_idle(self) -> None:
        cutoff = time.monotonic() - self.gap
        for key in [k for k, lock in self._locks.items() if not lock.locked()]:
            if self._last.get(key, 0.0) < cutoff:
                self._locks.pop(key, None)
                self._last.pop(key, None)


class _StoreRaised(Exception):
    """A database call made while reading a feed raised `exc`."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(str(exc))
        self.exc = exc


class WriteBatch:
    """Writes of one kind gathered into one database call: while one call runs, the writes that
    arrive meanwhile wait for the next, so a burst of them (the 304s of a round) costs a few calls
    and transactions instead of one each. `fn(db, rows)` stores a list of rows; each `add` returns
    (or raises) when the call holding its row has."""

    def __init__(self, store: DbRunner, fn: Callable[[sqlite_utils.Database, list[Any]], None]) -> None:
        self.store = store
        self.fn = fn
        self._pending: list[tuple[Any, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, row: Any) -> None:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._pending.append((row, done))
        if self._writer is None:
            self._writer = loop.create_task(self._write())
        await done

    async def _write(self) -> None:
        batch: list[tuple[Any, asyncio.Future[None]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self.store.run(self.fn, [row for row, _ in batch])
                except Exception as exc:  # each feed in the batch handles it as its own write's failure
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
        except asyncio.CancelledError:  # the loop is closing: nobody waits forever for this batch
            for _, done in [*batch, *self._pending]:
                done.cancel()
            self._pending = []
            raise
        finally:
            self._writer = None


class SharedHosts:
    """The per-host slots of every worker on the database (storage.cluster hosts rows): a request to
    a host starts when no other worker's request to it is in flight and the host's gap has passed."""

    POLL = 0.25  # seconds between two looks at a busy host

    def __init__(self, store: DbRunner, worker: Worker, now: Callable[[], datetime]) -> None:
        self.store = store
        self.worker = worker
        self.now = now

    @contextlib.asynccontextmanager
    async def slot(self, key: str, gap: float) -> AsyncIterator[None]:
        while True:
            now = self.now()
            if await self.store.run(cluster.claim_host, key, self.worker.id, now, self.worker.until(now)):
                break
            free = await self.store.run(cluster.host_free_at, key, now)
            wait = self.POLL
            if free:
                with contextlib.suppress(ValueError):
                    wait = (datetime.fromisoformat(free) - self.now()).total_seconds()
            await asyncio.sleep(min(max(wait, 0.01), self.POLL * 4))
        try:
            yield
        finally:
            end = self.now() + timedelta(seconds=gap)
            try:
                await asyncio.shield(self.store.run(cluster.release_host, key, self.worker.id, end))
            except Exception:  # the slot runs out with the lease
                log.warning("could not release the host slot of %s", key, exc_info=True)


@dataclass
class FeedOutcome:
    """What polling one feed did."""

    url: str
    error: str | None = None
    not_modified: bool = False
    processed: ProcessReport | None = None
    paused: bool = False
    resumed: bool = False


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


class FeedPoller:
    """Polls feeds (all of them, or those due) with politeness, health and scheduling."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        settings: Settings,
        *,
        session: aiohttp.ClientSession | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        metrics: Metrics = NULL,
        on_alerts: Callable[[], None] | None = None,
        on_fetched: Callable[[str, SourceResult], None] | None = None,
        gate: HostGate | None = None,
        storage: StorageHealth | None = None,
        store: DbRunner | None = None,
        cpu: CpuPool | None = None,
        worker: Worker | None = None,
    ) -> None:
        self.db = db
        self.store = store or Inline(db)
        self.cpu = cpu or CpuPool(workers=0)
        self.settings = settings
        self.now = now
        self.metrics = metrics
        self.on_alerts = on_alerts
        self.on_fetched = on_fetched
        self.worker = worker  # several workers on the database: feeds and hosts are claimed there
        shared = SharedHosts(self.store, worker, now) if worker is not None else None
        self.gate = gate or HostGate(settings.host_gap, shared=shared)
        self._session = session
        self._own_session = session is None
        self._slots = asyncio.Semaphore(max(settings.poll_concurrency, 1))
        self._in_flight: dict[str, asyncio.Task[FeedOutcome]] = {}
        self._claiming = asyncio.Lock()  # one claim at a time: room is counted from what is in flight
        self._refill: asyncio.Task[int] | None = None
        self._draining = False
        self.storage = storage or StorageHealth(now)
        self._raised: dict[str, int] = {}  # polls that raised in a row, per feed
        self._held: dict[str, datetime] = {}  # not before then, whatever the database says
        self._not_modified = WriteBatch(self.store, feed_store.record_not_modified_many)

    # --- one feed -----------------------------------------------------------------------------------

    def interval(self, row: dict[str, Any]) -> int:
        return max(int(row.get("poll_seconds") or self.settings.poll_seconds), MIN_INTERVAL)

    async def _fetch(self, row: dict[str, Any]) -> tuple[SourceResult, list[tuple[Article, list[Match]]]]:
        """The feed read, and each article it gave with its matches (parsed and matched in one trip
        to a worker; the articles stored already are left out only when storing)."""
        url = row["url"]
        matched: list[tuple[Article, list[Match]]] = []

        async def parse_and_match(body: bytes, source: str, at: datetime) -> ParsedFeed:
            try:
                watched, listed = await self.store.run(_watched)
            except Exception as exc:  # a storage fault, not the feed's: the poll raises it (_guarded)
                raise _StoreRaised(exc) from exc
            parsed, matches = await self.cpu.parse_and_match(body, source, at, watched, listed)
            matched[:] = zip(parsed.articles, matches, strict=True)
            return parsed

        if self._session is None and is_url(url):
            self._session = new_session(  # one session (and its kept-alive connections) for every poll
                limit=max(self.settings.poll_concurrency, 1) * 2,
                per_host=2 if self.settings.host_gap > 0 else 0,
                allow_private=self.settings.allow_private_feeds,
                user_agent=self.settings.user_agent,
            )
        state = FetchState(row.get("etag"), row.get("last_modified"))
        async with self.gate.slot(url), self._slots:
            started = time.monotonic()
            try:
                result = await read_source(
                    url,
                    state,
                    session=self._session,
                    timeout=self.settings.fetch_timeout,
                    now=self.now,
                    parse=parse_and_match,
                )
            except _StoreRaised as raised:
                raise raised.exc from None
            except Exception as exc:  # read_source reports problems itself; never trust that fully
                log.exception("reading %s raised", url)
                result = SourceResult(url, state=state, error=f"{type(exc).__name__}: {exc}"[:200])
            self.metrics.fetch_seconds.observe(time.monotonic() - started)
        return result, matched

    async def poll_feed(self, row: dict[str, Any]) -> FeedOutcome:
        """Fetch one feed, store what is new, update its health and schedule its next poll."""
        result, articles_matched = await self._fetch(row)
        fetched_at = time.monotonic()
        if self.on_fetched is not None:
            self.on_fetched(row["url"], result)
        if result.error:
            return await self._record_failure(row, result)
        if _unchanged(row, result):
            return await self._record_unchanged(row, result)
        matched = None if result.not_modified else articles_matched
        outcome = await self.store.run(self._succeeded, row, result, matched, fetched_at)
        if outcome.processed and outcome.processed.alerts and self.settings.llm_api_key:
            await self._llm_summaries(outcome.processed.alerts)
        queued = outcome.processed and (outcome.processed.deliveries or outcome.processed.linked)
        if queued and self.on_alerts is not None:
            self.on_alerts()
        return outcome

    async def _record_unchanged(self, row: dict[str, Any], result: SourceResult) -> FeedOutcome:
        """A 304 on a healthy feed: its times are updated (one UPDATE, no transaction, validators
        untouched), batched with the other 304s that arrive while the database thread is busy."""
        url = row["url"]
        now = self.now()
        self.metrics.polls.labels("not_modified").inc()
        next_poll = _iso(next_slot(url, self.interval(row), now))
        await self._not_modified.add((url, _iso(now), result.status, next_poll))
        return FeedOutcome(url, not_modified=True)

    async def _llm_summaries(self, alerts: list[Alert]) -> None:
        """Optional abstractive summaries, stored before the delivery loop is woken for the alerts."""
        from bot.pipeline.llm_summary import apply_llm_summaries, client_from_settings

        client = client_from_settings(self.settings)
        if client is not None:
            await apply_llm_summaries(self.db, alerts, client, timeout=self.settings.llm_timeout)

    def _succeeded(
        self,
        db: sqlite_utils.Database,
        row: dict[str, Any],
        result: SourceResult,
        matched: list[tuple[Article, list[Match]]] | None,
        fetched_at: float,
    ) -> FeedOutcome:
        url = row["url"]
        now = self.now()
        outcome = FeedOutcome(url, not_modified=result.not_modified)
        self.metrics.polls.labels("not_modified" if result.not_modified else "ok").inc()
        with db.atomic():  # the feed's new articles and its validators: one commit, or none of it
            if matched is not None:
                outcome.processed = store_matched(
                    db,
                    matched,
                    now=self.now,
                    baseline_hours=self.settings.baseline_hours,
                    story_hours=self.settings.story_hours,
                    first_fetch=not row.get("last_success"),
                )
                outcome.processed.seen = len(result.articles)
            feed_store.record_success(
                db,
                url,
                _iso(now),
                status=result.status,
                etag=result.state.etag,
                last_modified=result.state.last_modified,
                title=result.title or None,
                new_items=outcome.processed.new if outcome.processed else 0,
                next_poll=_iso(next_slot(url, self.interval(row), now)),
            )
            if row.get("paused") and feed_store.resume(db, url):
                outcome.resumed = True
                _tell_owners(db, url, "feed_resumed", f"feed {url} works again and is polled as usual.", now)
        if outcome.processed is not None:
            processed = outcome.processed
            self.metrics.items.inc(processed.seen)
            self.metrics.new_items.inc(processed.new)
            self.metrics.alerts.inc(len(processed.alerts))
            self.metrics.reports.inc(processed.linked)
            for alert in processed.alerts:
                self.metrics.fetched(alert.id, fetched_at)
        if outcome.resumed:
            log.warning("feed %s recovered and resumed", url)
        return outcome

    async def _record_failure(self, row: dict[str, Any], result: SourceResult) -> FeedOutcome:
        """Store a failed fetch (or a poll that raised); a feed paused by it has its notices sent."""
        outcome = await self.store.run(self._failed, row, result)
        if outcome.paused and self.on_alerts is not None:
            self.on_alerts()  # the notice goes out with the next delivery pass
        return outcome

    def _failed(self, db: sqlite_utils.Database, row: dict[str, Any], result: SourceResult) -> FeedOutcome:
        url, error = row["url"], redact.scrub(result.error or "unknown error")  # shown in feeds status
        now = self.now()
        outcome = FeedOutcome(url, error=error)
        self.metrics.polls.labels("error").inc()
        self.metrics.errors.labels("feed").inc()
        failures = int(row.get("consecutive_failures") or 0) + 1
        limit = self.settings.feed_failure_limit
        pausing = bool(limit) and failures >= limit and not row.get("paused")
        if row.get("paused") or pausing:
            delay = float(PAUSED_PROBE)
        else:
            delay = failure_delay(failures, self.interval(row))
        with db.atomic():
            feed_store.record_failure(
                db,
                url,
                _iso(now),
                status=result.status,
                error=error,
                next_poll=_iso(now + timedelta(seconds=delay)),
            )
            if pausing:
                reason = f"{failures} failures in a row; last: {error}"
                if feed_store.pause(db, url, _iso(now), reason):
                    outcome.paused = True
                    text = (
                        f"feed {url} is paused after {reason}. It is retried every "
                        f"{PAUSED_PROBE // 3600} hours and resumes by itself when it works again "
                        "(or: riskwire feeds resume URL)."
                    )
                    _tell_owners(db, url, "feed_paused", text, now)
        if outcome.paused:
            log.warning("feed %s paused after %d failures: %s", url, failures, error)
        return outcome

    # --- many feeds ---------------------------------------------------------------------------------

    async def poll_rows(self, rows: list[dict[str, Any]]) -> list[FeedOutcome]:
        """Poll these feeds now (politely, concurrently); one feed's failure never stops the others."""
        return list(await asyncio.gather(*(self._guarded(r) for r in rows)))

    async def _guarded(self, row: dict[str, Any]) -> FeedOutcome:
        try:
            return await self._poll_guarded(row)
        finally:
            if self.worker is not None:  # its next poll is stored (or held here): free for the others
                await self._release(row["url"])

    async def _release(self, url: str) -> None:
        assert self.worker is not None
        try:
            await asyncio.shield(self.store.run(cluster.release_feed, url, self.worker.id))
        except Exception:  # the lease runs out by itself
            log.warning("could not release the lease of feed %s", url, exc_info=True)

    async def _poll_guarded(self, row: dict[str, Any]) -> FeedOutcome:
        try:
            outcome = await self.poll_feed(row)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one feed's storage error or bug must not stop the rest
            return await self._poll_raised(row, exc)
        self.storage.wrote()
        self._raised.pop(row["url"], None)
        self._held.pop(row["url"], None)
        return outcome

    async def _poll_raised(self, row: dict[str, Any], exc: Exception) -> FeedOutcome:
        """Back a poll that raised off like a failed fetch: held in memory, and recorded as the feed's
        failure (with its next poll) when the database takes the write."""
        url = row["url"]
        error = self._raise_reason(url, exc)
        strikes = self._raised[url] = self._raised.get(url, 0) + 1
        try:
            outcome = await self._record_failure(row, SourceResult(url, error=error))
        except Exception as again:  # the database cannot take the failure either: hold it here
            self._raise_reason(url, again)
            self._held[url] = self.now() + timedelta(seconds=failure_delay(strikes, self.interval(row)))
            return FeedOutcome(url, error=error)
        self._held.pop(url, None)  # its next poll is stored
        return outcome

    def _raise_reason(self, url: str, exc: BaseException) -> str:
        """The error to record for an exception while polling `url`: a storage fault is counted (and
        logged once per cause), anything else is logged with its traceback."""
        cause = storage_fault(exc)
        if cause is None:
            log.error("polling %s failed", url, exc_info=exc)
            self.metrics.errors.labels("poll").inc()
            return f"{type(exc).__name__}: {exc}"[:200]
        self.storage.failed(cause, f"polling {url}")
        self.metrics.errors.labels("storage").inc()
        return f"storage error: {cause}"[:200]

    async def tick(self) -> int:
        """Start polling every due feed not already in flight or held back; returns how many were
        started."""
        async with self._claiming:
            return await self._tick()

    async def _tick(self) -> int:
        started = 0
        now = self.now()
        try:
            due = await self._due(now)
        except Exception as exc:  # the database is locked too long, or failing: try at the next tick
            cause = storage_fault(exc)
            if cause is None:
                raise
            self.storage.failed(cause, "claiming due feeds")
            self.metrics.errors.labels("storage").inc()
            return 0
        if self.worker is not None:
            self.storage.wrote()  # the claim is a write, and it went through
        for row in due:
            url = row["url"]
            if url in self._in_flight or self._held.get(url, now) > now:
                if self.worker is not None and url not in self._in_flight:
                    await self._release(url)
                continue
            task = asyncio.get_running_loop().create_task(self._guarded(row), name=f"poll {url}")
            self._in_flight[url] = task
            task.add_done_callback(self._forget(url))
            started += 1
        return started

    async def _due(self, now: datetime) -> list[dict[str, Any]]:
        """The feeds to poll now: all those due, or with several workers, those this one claimed
        (as many as it has room for)."""
        if self.worker is None:
            return list(await self.store.run(feed_store.due, _iso(now)))
        room = max(self.settings.poll_concurrency, 1) - len(self._in_flight)
        if room <= 0:
            return []
        worker = self.worker
        return list(
            await self.store.run(cluster.claim_feeds, worker.id, _iso(now), now, worker.until(now), room)
        )

    def _forget(self, url: str) -> Callable[[asyncio.Task[FeedOutcome]], None]:
        def done(_task: asyncio.Task[FeedOutcome]) -> None:
            self._in_flight.pop(url, None)
            if self.worker is not None and not self._draining:
                self._claim_more()

        return done

    def _claim_more(self) -> None:
        """With several workers a tick claims only as many due feeds as there is room for: when a poll
        ends, claim again at once rather than at the next tick, so a worker keeps all its slots busy
        while feeds are due (one claim in flight at a time; none when nothing is due)."""
        if self._refill is None or self._refill.done():
            self._refill = asyncio.get_running_loop().create_task(self.tick(), name="claim due feeds")
            self._refill.add_done_callback(_log_refill)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def drain(self, grace: float) -> None:
        """Let polls in flight finish for up to `grace` seconds, then cancel the rest (a cancelled
        poll stores at most whole articles, its validators last, so the feed is simply polled again
        next time and nothing is lost or doubled)."""
        self._draining = True
        if self._refill is not None:
            self._refill.cancel()
            await asyncio.gather(self._refill, return_exceptions=True)
        tasks = list(self._in_flight.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None


def _log_refill(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("claiming more due feeds failed", exc_info=task.exception())


def _unchanged(row: dict[str, Any], result: SourceResult) -> bool:
    """A 304 that changes nothing but the feed's times: healthy, not paused, same validators."""
    return (
        result.not_modified
        and not row.get("paused")
        and not row.get("consecutive_failures")
        and not row.get("last_error")
        and row.get("etag") == result.state.etag
        and row.get("last_modified") == result.state.last_modified
    )


def _watched(db: sqlite_utils.Database) -> tuple[dict[str, list[str]], tuple[ListedCompany, ...]]:
    """The watched tickers with their extra names, and the stored listed companies among them
    (`riskwire directory update`) that the matcher's directory adds."""
    watched = subscriptions.watched(db)
    return watched, listed_companies(db, watched)


def _tell_owners(db: sqlite_utils.Database, url: str, kind: str, text: str, now: datetime) -> None:
    """Queue a notice about feed `url` for each of its owners, in the channel it was added from."""
    for target in feed_store.notice_targets(db, url):
        notices.add(db, target, kind, url, text, _iso(now))
