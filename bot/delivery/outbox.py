"""Send what is due in the outbox, once: retries with backoff and jitter, Retry-After honoured,
broken targets marked, nothing lost and nothing sent twice.

Exactly-once is at-least-once plus idempotent recovery:

1. A due row is claimed: marked `sending` with a fresh attempt id, committed, before the network call.
2. The notifier sends. Its outcome is recorded only if the row is still in that attempt.
3. A row found `sending` that no live attempt owns (the process was killed, or the send was cancelled
   at shutdown, or timed out) is resolved before anything else: the notifier's optional
   `find_sent` asks the platform whether the message exists (then it is recorded as sent, not sent
   again); without `find_sent` it is sent again (at-least-once: the console is fine with that).

A row is owned by a live attempt while its attempt id is in flight in this process, or while it
belongs to another process that is still alive (same host, pid running) or to another host and is
younger than SENDING_LEASE. After kill -9 the next run therefore recovers at once.

Sends to one target go one at a time, in order, in a lane of their own; targets are served
concurrently, and a lane waits for its channel's pace (`wait_turn`) without holding a send slot. A pass
can stop waiting for slow lanes when new work arrives (`interrupt`): the lanes go on, their targets are
left out of the next passes until they end, so a busy channel never delays another channel's post. A
target that answers 429 cools down for its Retry-After: nothing more is sent to it until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.core import redact
from bot.core.cluster import Worker, worker_id
from bot.core.metrics import NULL, Metrics
from bot.delivery.base import DeliveryRef, Notifier, SendResult, current_delivery, notifier_for
from bot.delivery.targets import Target, TargetError, parse_target
from bot.pipeline.alerts import Alert
from bot.pipeline.stories import Report
from storage import alerts as alert_store
from storage import cluster, deliveries, notices, subscriptions
from storage import reports as report_store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY = 5.0
MAX_DELAY = 3600.0
SEND_TIMEOUT = 60.0
SENDING_LEASE = 600.0
CONCURRENCY = 8

_IN_FLIGHT: set[str] = set()


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # due, but no notifier for that platform is running, or the target cools down
    errors: list[str] = field(default_factory=list)
    updates_sent: int = 0
    updates_skipped: int = 0
    notices_sent: int = 0
    recovered: int = 0  # interrupted sends the platform confirmed (recorded as sent, not resent)
    resent: int = 0  # interrupted sends queued again (not found, or not findable)
    unresolved: int = 0  # interrupted sends whose fate could not be learnt yet

    def add(self, later: DeliveryReport) -> None:
        """Count a later pass's outcomes into this report; what is still left (waiting, unresolved)
        is what the later pass found."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(later, f.name)
            setattr(self, f.name, theirs if f.name in ("waiting", "unresolved") else mine + theirs)

    @property
    def worked(self) -> bool:
        """Whether the pass changed anything (another pass may find more due, e.g. story updates)."""
        return bool(
            self.sent
            + self.retrying
            + self.failed
            + self.updates_sent
            + self.updates_skipped
            + self.notices_sent
            + self.recovered
            + self.resent
        )


def backoff(attempts: int, retry_after: float | None, rand: Callable[[], float] | None = None) -> float:
    """Seconds to wait before the next attempt: Retry-After when given, else exponential with jitter
    (x0.5 to x1.5, so that deliveries failing together do not retry together)."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_DELAY)
    delay = min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    return min(delay * (0.5 + (rand or random.random)()), MAX_DELAY)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _iso_ceil(at: datetime) -> str:
    """Rounded up to the second: a retry is never due before the time the platform asked for."""
    whole = at.replace(microsecond=0)
    return _iso(whole if whole == at else whole + timedelta(seconds=1))


def _owner() -> str:
    return worker_id()


def new_attempt_id() -> str:
    """host:pid:boot:random -- who made the attempt, so that a restart can tell a dead owner."""
    return f"{_owner()}:{uuid.uuid4().hex[:12]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    try:  # a killed child not yet reaped is a zombie: dead for our purpose
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def interrupted(
    row: dict[str, Any],
    now: datetime,
    lease: float = SENDING_LEASE,
    live: set[str] | None = None,
    send_timeout: float | None = None,
) -> bool:
    """True when a `sending` row's attempt is certainly over (see the module docstring). With `live`
    (the worker ids whose heartbeat is recent, several workers sharing the database), an attempt
    whose worker is not among them is over too once it is older than a send may take: a worker
    whose heartbeat is only late (a long lock, a busy machine) has then ended its send, and the
    platform can say whether it posted."""
    attempt = row.get("attempt_id") or ""
    if attempt in _IN_FLIGHT:
        return False
    parts = attempt.split(":")
    if len(parts) == 4:
        host, pid, boot, _ = parts
        if f"{host}:{pid}:{boot}" == _owner():
            return True  # ours, and not in flight: cancelled or timed out
        local = host == socket.gethostname() and pid.isdigit()
        if local and (int(pid) == os.getpid() or not _pid_alive(int(pid))):
            return True  # an earlier run of this process id, or a dead process
    started = row.get("sending_since")
    if not started:
        return True
    try:
        begun = datetime.fromisoformat(started)
    except ValueError:
        return True
    age = (now - begun).total_seconds()
    waited = SEND_TIMEOUT if send_timeout is None else send_timeout
    if live is not None and Worker.of_attempt(attempt) not in live and age > waited:
        return True
    return age > lease


class Unresolved(RuntimeError):
    """The platform cannot say now whether an interrupted attempt posted (ask again later)."""


async def attempt_send(
    ref: DeliveryRef,
    notifier: Any,
    call: Callable[[], Awaitable[SendResult]],
    metrics: Metrics = NULL,
    timeout: float | None = None,
) -> SendResult | None:
    """Run one send under its attempt (in flight, and `current_delivery` while it runs); None when
    its outcome is unknown: it timed out and the platform can be asked later (`find_sent`)."""
    timeout = SEND_TIMEOUT if timeout is None else timeout
    _IN_FLIGHT.add(ref.attempt_id)
    token = current_delivery.set(ref)
    try:
        result: SendResult = await asyncio.wait_for(call(), timeout)
        return result
    except TimeoutError:
        metrics.errors.labels("delivery").inc()
        if getattr(notifier, "find_sent", None) is not None:
            log.warning("%s %s to %s timed out; the platform will be asked", ref.kind, ref.id, ref.target)
            return None
        return SendResult.retry(f"timed out after {timeout:g}s")
    except Exception as exc:  # a notifier bug must not stop the other sends
        log.exception("%s %s to %s raised", ref.kind, ref.id, ref.target)
        metrics.errors.labels("delivery").inc()
        return SendResult.retry(f"{type(exc).__name__}: {exc}"[:300])
    finally:
        current_delivery.reset(token)
        _IN_FLIGHT.discard(ref.attempt_id)


async def ask_platform(notifier: Any, ref: DeliveryRef, metrics: Metrics = NULL) -> str | None:
    """Whether an interrupted attempt posted: its message ref when the platform has it, None when it
    certainly does not or the notifier cannot look (no `find_sent`: it is then sent again, at least
    once). Raises Unresolved when the platform cannot tell now; it is never sent blindly then."""
    finder = getattr(notifier, "find_sent", None)
    if finder is None:
        return None
    token = current_delivery.set(ref)
    try:
        found: str | None = await asyncio.wait_for(finder(ref), SEND_TIMEOUT)
        return found
    except Exception as exc:
        log.warning("cannot tell whether %s %s reached %s: %s", ref.kind, ref.id, ref.target, exc)
        metrics.errors.labels("recovery").inc()
        raise Unresolved(str(exc)) from exc
    finally:
        current_delivery.reset(token)


@dataclass
class Outbox:
    """One database and its notifiers; `deliver()` is one pass. Holds the per-target cool-downs."""

    db: sqlite_utils.Database
    notifiers: Mapping[str, Notifier]
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    metrics: Metrics = NULL
    concurrency: int = CONCURRENCY
    limit: int = 200
    cooling: dict[str, float] = field(default_factory=dict)  # target key -> monotonic time it may resume
    stopping: bool = False  # set at shutdown: sends in flight finish, no new ones start
    on_idle: Callable[[], None] | None = None  # told when a lane ends (its target may have more due)
    lanes: dict[str, asyncio.Task[None]] = field(default_factory=dict)  # target key -> its lane
    worker: Worker | None = None  # with several workers on the database: send only under a channel lease
    tokens: dict[str, int] = field(default_factory=dict)  # target key -> the channel lease's token held
    refused: bool = False  # the last pass found due rows in a channel another worker held
    send_timeout: float | None = (
        None  # seconds a post may take (None: SEND_TIMEOUT) before its outcome is unknown
    )
    _gate: asyncio.Semaphore | None = None
    _gate_loop: asyncio.AbstractEventLoop | None = None

    # --- cool-downs ---------------------------------------------------------------------------------

    def _cool(self, target: str) -> bool:
        until = self.cooling.get(target)
        if until is None:
            return False
        if time.monotonic() >= until:
            del self.cooling[target]
            return False
        return True

    def next_cooldown_end(self) -> float | None:
        """Seconds until the first cooling target may be sent to again (None when none cools)."""
        if not self.cooling:
            return None
        return max(min(self.cooling.values()) - time.monotonic(), 0.0)

    # --- one pass -----------------------------------------------------------------------------------

    async def deliver(self, interrupt: asyncio.Event | None = None) -> DeliveryReport:
        """Recover interrupted sends, then send due alerts, then due story updates, then notices.
        Without `interrupt` the pass returns when every send it started is done; with it, the pass
        stops waiting for lanes still sending once the event is set (they go on, see the module
        docstring)."""
        report = DeliveryReport()
        self.refused = False
        await self._recover(report, "deliveries")
        await self._recover(report, "report_deliveries")
        stamp = _iso(self.now())
        busy = [t for t in list(self.cooling) if self._cool(t)] + list(self.lanes)
        if self.worker is not None:  # cooling down, or another worker's queue
            others = cluster.busy_channels(self.db, self.worker.id, self.now())
            self.refused = self.refused or bool(others)
            busy += others
        due = deliveries.due(self.db, stamp, self.limit, exclude_targets=busy)
        await self._fan(due, report, self._send_alert, interrupt)
        report_store.skip_orphaned(self.db)
        updates = report_store.due_updates(self.db, _iso(self.now()), self.limit)
        updates = [u for u in updates if u["target"] not in busy]
        await self._fan(updates, report, self._send_update, interrupt)
        await self._send_notices(report)
        return report

    async def _fan(
        self,
        rows: list[dict[str, Any]],
        report: DeliveryReport,
        send: Callable[[dict[str, Any], DeliveryReport], Awaitable[bool]],
        interrupt: asyncio.Event | None = None,
    ) -> None:
        """Rows grouped by target: one lane per target, sending its rows one at a time, targets
        concurrently; returns when the lanes are done or `interrupt` is set."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(row["target"], []).append(row)
        for target in [t for t in groups if self._platform_off(t)]:
            # no lane: it would send nothing, and its end would wake the loop for another pass at
            # once, again and again, while the rows wait for their platform's front-end
            report.waiting += len(groups.pop(target))
        started = [
            self._start_lane(t, q, report, send) for t, q in groups.items() if self._take(t, q, report)
        ]
        if not started:
            return
        if interrupt is None:
            await asyncio.gather(*started)
            return
        woken = asyncio.ensure_future(interrupt.wait())
        waiting = set(started)
        try:
            while waiting and not woken.done():
                done, _ = await asyncio.wait([*waiting, woken], return_when=asyncio.FIRST_COMPLETED)
                waiting -= done
        finally:
            woken.cancel()

    def _platform_off(self, target: str) -> bool:
        """Whether `target` is a well-formed target whose platform has no notifier running here."""
        try:
            return notifier_for(self.notifiers, parse_target(target)) is None
        except TargetError:
            return False  # its lane marks its rows failed

    def _servable(self, target: str) -> bool:
        try:
            return notifier_for(self.notifiers, parse_target(target)) is not None
        except TargetError:
            return False

    def _take(self, target: str, queue: list[dict[str, Any]], report: DeliveryReport) -> bool:
        """Whether this process may start a lane for `target`: always when it is the only worker;
        else when it holds the target's channel lease (a target it cannot serve is left to others,
        and its lane only counts its rows waiting or failed, sending nothing)."""
        if self.worker is None or target in self.tokens or not self._servable(target):
            return True
        token = cluster.take_channel(
            self.db, target, self.worker.id, self.now(), self.worker.until(self.now())
        )
        if token is None:
            report.waiting += len(queue)
            self.refused = True
            return False
        self.tokens[target] = token
        self.worker.took(target)
        return True

    def _give_back(self, target: str) -> None:
        token = self.tokens.pop(target, None)
        if token is None or self.worker is None:
            return
        self.worker.dropped(target)
        try:
            cluster.release_channel(self.db, target, self.worker.id, token)
        except Exception:  # the lease runs out by itself
            log.warning("could not release the channel lease of %s", target, exc_info=True)

    def _fence(self, target: str) -> tuple[str, int, str] | None:
        """What a claim must check under several workers: this worker, its token, the time now."""
        if self.worker is None or target not in self.tokens:
            return None
        return (self.worker.id, self.tokens[target], cluster.stamp(self.now()))

    def _lost(self, target: str) -> bool:
        """Whether the channel lease this lane sends under may have run out (after a long pause):
        then nothing more is posted; the row claimed is given back, or left to the next owner."""
        return self.worker is not None and target in self.tokens and not self.worker.holds(target)

    def _start_lane(
        self,
        target: str,
        queue: list[dict[str, Any]],
        report: DeliveryReport,
        send: Callable[[dict[str, Any], DeliveryReport], Awaitable[bool]],
    ) -> asyncio.Task[None]:
        lane = asyncio.get_running_loop().create_task(self._serve(target, queue, report, send))
        self.lanes[target] = lane

        def ended(_: asyncio.Task[None]) -> None:
            if not lane.cancelled() and lane.exception() is not None:
                log.error("delivery lane for %s failed", target, exc_info=lane.exception())
                self.metrics.errors.labels("job").inc()
            if self.lanes.get(target) is lane:
                del self.lanes[target]
                self._give_back(target)
            if self.on_idle is not None:
                self.on_idle()

        lane.add_done_callback(ended)
        return lane

    async def _serve(
        self,
        target: str,
        queue: list[dict[str, Any]],
        report: DeliveryReport,
        send: Callable[[dict[str, Any], DeliveryReport], Awaitable[bool]],
    ) -> None:
        """One target's rows in order; its pace is waited for outside the send slots."""
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:  # a semaphore belongs to one loop
            self._gate, self._gate_loop = asyncio.Semaphore(max(self.concurrency, 1)), loop
        for done, row in enumerate(queue):
            if self.stopping:
                return
            if self._cool(target):
                report.waiting += len(queue) - done
                return
            await self._wait_turn(row["target"])
            if self.stopping or self._lost(target):
                return
            async with self._gate:
                ok = await send(row, report)
            if not ok:  # rate limited: the target cools down
                report.waiting += len(queue) - done - 1
                return

    async def _wait_turn(self, key: str) -> None:
        """Wait until the target's notifier may post to it without pausing (its optional
        `wait_turn`), so that a paced channel does not hold a slot other channels could use."""
        with contextlib.suppress(TargetError):
            notifier = notifier_for(self.notifiers, parse_target(key))
            waiter = getattr(notifier, "wait_turn", None)
            if waiter is not None:
                await waiter(parse_target(key))

    async def settle(self, timeout: float | None = None) -> None:
        """Wait for the lanes still sending (at most `timeout` seconds), then cancel those left: a
        cancelled send stays `sending` and is resolved by the next run."""
        pending = list(self.lanes.values())
        if not pending:
            return
        _, left = await asyncio.wait(pending, timeout=timeout)
        for lane in left:
            lane.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    def _target(self, row: dict[str, Any], report: DeliveryReport, table: str) -> Target | None:
        try:
            return parse_target(row["target"])
        except TargetError as exc:
            deliveries.mark_unroutable(self.db, row["id"], str(exc), table=table)
            report.failed += 1
            return None

    def _route(
        self, row: dict[str, Any], report: DeliveryReport, table: str
    ) -> tuple[Target, Notifier] | None:
        """The row's target and the running notifier for it; None (counted) when it cannot go now."""
        target = self._target(row, report, table)
        if target is None:
            return None
        notifier = notifier_for(self.notifiers, target)
        if notifier is None:
            report.waiting += 1  # that platform's front-end is not running: the row waits
            return None
        return target, notifier

    async def _send_alert(self, row: dict[str, Any], report: DeliveryReport) -> bool:
        routed = self._route(row, report, "deliveries")
        if routed is None:
            return True
        target, notifier = routed
        stored = alert_store.get_alert(self.db, row["alert_id"])
        if stored is None:
            deliveries.mark_failed(self.db, row["id"], "alert no longer exists")
            report.failed += 1
            return True
        alert = Alert.from_row(stored)
        attempt = new_attempt_id()
        fence = self._fence(row["target"])
        if not deliveries.claim(self.db, row["id"], attempt, _iso(self.now()), fence=fence):
            return fence is None  # someone else took it (or took the channel: this lane stops)
        if self._lost(row["target"]):  # paused past the lease since the claim: not posted, given back
            deliveries.unsent(self.db, row["id"], attempt)
            return False
        ref = DeliveryRef(row["id"], alert.id, target, attempt, _iso(self.now()))
        result = await attempt_send(
            ref, notifier, lambda: notifier.send(alert, target), self.metrics, self.send_timeout
        )
        if result is None:
            report.unresolved += 1
            return True
        outcome = self._record(row, attempt, result, report, target, "deliveries")
        if outcome == "sent":
            report.sent += 1
            self.metrics.posted(alert.id)
        return result.retry_after is None or result.ok

    async def _send_update(self, row: dict[str, Any], report: DeliveryReport) -> bool:
        routed = self._route(row, report, "report_deliveries")
        if routed is None:
            return True
        target, notifier = routed
        send_update = getattr(notifier, "send_update", None)
        stored = alert_store.get_alert(self.db, row["alert_id"])
        linked = report_store.get(self.db, row["report_id"])
        if send_update is None or stored is None or linked is None:
            reason = "this platform does not post story updates" if send_update is None else "story gone"
            report_store.skip_update(self.db, row["id"], reason)
            report.updates_skipped += 1
            return True
        alert, copy = Alert.from_row(stored), Report.from_row(linked)
        attempt = new_attempt_id()
        fence = self._fence(row["target"])
        claimed = deliveries.claim(
            self.db, row["id"], attempt, _iso(self.now()), table="report_deliveries", fence=fence
        )
        if not claimed:
            return fence is None
        if self._lost(row["target"]):
            deliveries.unsent(self.db, row["id"], attempt, table="report_deliveries")
            return False
        parent_ref = row.get("parent_ref")
        ref = DeliveryRef(
            row["id"], alert.id, target, attempt, _iso(self.now()), report_id=copy.id, parent_ref=parent_ref
        )
        result = await attempt_send(
            ref,
            notifier,
            lambda: send_update(alert, copy, target, parent_ref),
            self.metrics,
            self.send_timeout,
        )
        if result is None:
            report.unresolved += 1
            return True
        if self._record(row, attempt, result, report, target, "report_deliveries") == "sent":
            report.updates_sent += 1
        return result.retry_after is None or result.ok

    def _record(
        self,
        row: dict[str, Any],
        attempt: str,
        result: SendResult,
        report: DeliveryReport,
        target: Target,
        table: str,
    ) -> str:
        """Store one outcome under its attempt; returns sent, retrying or failed."""
        kind = "alert" if table == "deliveries" else "update"
        at = self.now()
        if result.ok:
            deliveries.finish_sent(self.db, row["id"], attempt, _iso(at), result.message_ref, table=table)
            self.metrics.sends.labels(kind, "sent").inc()
            return "sent"
        error = redact.scrub(result.error or "unknown error", target.secrets)
        attempts = int(row.get("attempts") or 0) + 1
        if result.broken:
            subscriptions.mark_broken(self.db, row["target"], error)
        if result.permanent or attempts >= MAX_ATTEMPTS:
            deliveries.finish_failed(self.db, row["id"], attempt, error, table=table)
            report.failed += 1
            report.errors.append(f"{target}: {error}")
            self.metrics.sends.labels(kind, "failed").inc()
            log.warning("%s %s to %s failed: %s", kind, row["id"], target, error)
            return "failed"
        wait = backoff(attempts, result.retry_after)
        if result.retry_after is not None:
            self.cooling[row["target"]] = time.monotonic() + wait
            if self.worker is not None:  # every worker honours the platform's Retry-After
                cluster.cool_channel(self.db, row["target"], at + timedelta(seconds=wait))
        next_at = _iso_ceil(at + timedelta(seconds=wait))
        deliveries.finish_retry(self.db, row["id"], attempt, next_at, error, table=table)
        report.retrying += 1
        self.metrics.sends.labels(kind, "retry").inc()
        log.info("%s %s to %s will retry in %.1fs: %s", kind, row["id"], target, wait, error)
        return "retrying"

    # --- recovery -----------------------------------------------------------------------------------

    async def _recover(self, report: DeliveryReport, table: str) -> None:
        now = self.now()
        live = None
        if self.worker is not None:
            live = cluster.live_workers(self.db, self.worker.dead_before(now)) | {self.worker.id}
        for row in deliveries.in_sending(self.db, table=table):
            if row["target"] in self.lanes or not interrupted(
                row, now, live=live, send_timeout=self.send_timeout
            ):
                continue
            try:
                target = parse_target(row["target"])
            except TargetError:
                continue
            notifier = notifier_for(self.notifiers, target)
            if notifier is None:
                continue  # that platform is not running here: leave it for a run that has it
            if not self._take(row["target"], [], DeliveryReport()):
                continue  # another worker sends to that channel now: it resolves the row
            try:
                await self._resolve(row, table, target, notifier, report)
            finally:
                self._give_back(row["target"])

    async def _resolve(
        self, row: dict[str, Any], table: str, target: Target, notifier: Notifier, report: DeliveryReport
    ) -> None:
        """Settle one interrupted attempt: recorded as sent when the platform has it, else due again."""
        attempt = row["attempt_id"] or ""
        report_id = row.get("report_id") if table == "report_deliveries" else None
        parent = None
        if report_id is not None:  # an update went under its story alert's message there
            parent = next(
                (
                    d["message_ref"]
                    for d in deliveries.for_alert(self.db, row["alert_id"])
                    if d["target"] == row["target"]
                ),
                None,
            )
        ref = DeliveryRef(
            row["id"], row["alert_id"], target, attempt, row.get("sending_since"), report_id, parent
        )
        try:
            found = await ask_platform(notifier, ref, self.metrics)
        except Unresolved:
            report.unresolved += 1
            return
        if found:
            deliveries.finish_sent(self.db, row["id"], attempt, _iso(self.now()), found, table=table)
            report.recovered += 1
            log.info("%s %s to %s was posted before the interruption", table, row["id"], target)
        elif deliveries.unsent(self.db, row["id"], attempt, table=table):
            report.resent += 1

    # --- notices ------------------------------------------------------------------------------------

    async def _send_notices(self, report: DeliveryReport) -> None:
        """Notices go to their target when its notifier can post them, else to the console (or the log):
        the owner is told once, even when their platform is not running here."""
        for row in notices.due(self.db, _iso(self.now())):
            if self.worker is not None:
                until = _iso_ceil(self.now() + timedelta(seconds=SEND_TIMEOUT + self.worker.lease_seconds))
                if not notices.claim(self.db, row["id"], _iso(self.now()), until):
                    continue  # another worker sends it
            try:
                target = parse_target(row["target"])
            except TargetError:
                target = Target("console")
            notifier = notifier_for(self.notifiers, target)
            sender = getattr(notifier, "send_notice", None)
            if sender is None:
                target = Target("console")
                sender = getattr(self.notifiers.get("console"), "send_notice", None)
            if sender is None:
                log.warning("notice for %s: %s", row["target"], row["text"])
                result = SendResult.sent()
            else:
                try:
                    result = await asyncio.wait_for(sender(target, row["text"]), SEND_TIMEOUT)
                except Exception as exc:
                    result = SendResult.retry(f"{type(exc).__name__}: {exc}"[:300])
            attempts = int(row.get("attempts") or 0) + 1
            error = redact.scrub(result.error or "unknown error", target.secrets)
            if result.ok:
                notices.mark(self.db, row["id"], "sent", at=_iso(self.now()))
                report.notices_sent += 1
            elif result.permanent or attempts >= MAX_ATTEMPTS:
                notices.mark(self.db, row["id"], "failed", error=error)
            else:
                wait = backoff(attempts, result.retry_after)
                later = _iso_ceil(self.now() + timedelta(seconds=wait))
                notices.mark(self.db, row["id"], "retrying", error=error, next_attempt=later)


async def deliver_due(
    db: sqlite_utils.Database,
    notifiers: Mapping[str, Notifier],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    limit: int = 200,
    metrics: Metrics | None = None,
) -> DeliveryReport:
    """Send every due delivery whose platform has a notifier, after resolving interrupted sends;
    each outcome is recorded before the next send to that target. Passes of at most `limit` rows
    follow each other while one changes anything, so everything due goes out (story updates whose
    alert got posted in one pass follow in the next); rows whose platform is not running here, or
    whose target cools down after a rate limit, are counted as waiting."""
    outbox = Outbox(db, notifiers, now=now, metrics=metrics or NULL, limit=limit)
    report = await outbox.deliver()
    last = report
    while last.worked:
        last = await outbox.deliver()
        report.add(last)
    return report


def wait_seconds(db: sqlite_utils.Database, now: datetime, outbox: Outbox | None, ceiling: float) -> float:
    """How long a delivery loop may sleep: until the next retry comes due or a target stops cooling
    (times already past were handled by the pass just run, or cannot be served here)."""
    wait = ceiling
    first = deliveries.next_retry(db, _iso(now))
    if first:
        with contextlib.suppress(ValueError):
            ahead = (datetime.fromisoformat(first) - now).total_seconds()
            if ahead > 0:
                wait = min(wait, ahead)
    if outbox is not None:
        cool = outbox.next_cooldown_end()
        if cool:
            wait = min(wait, cool)
        if outbox.worker is not None and outbox.refused:  # look again before its owner's lease can end
            wait = min(wait, outbox.worker.lease_seconds / 3)
    return max(wait, 0.0)
