"""Send what is due in the outbox, once: retries with backoff and jitter, Retry-After honoured,
broken targets marked, nothing sent twice."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.alerts import Alert
from bot.delivery.base import Notifier, SendResult
from bot.targets import TargetError, parse_target
from storage import alerts as alert_store
from storage import deliveries, subscriptions

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY = 5.0
MAX_DELAY = 3600.0


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # due, but no notifier for that platform is running
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int, retry_after: float | None, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before the next attempt: Retry-After when given, else exponential with jitter."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_DELAY)
    delay = min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    return delay * (0.5 + rand())


async def deliver_due(
    db: sqlite_utils.Database,
    notifiers: Mapping[str, Notifier],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    limit: int = 200,
) -> DeliveryReport:
    """Send every due delivery whose platform has a notifier; record each outcome before the next send."""
    report = DeliveryReport()
    for row in deliveries.due(db, now().isoformat(timespec="seconds"), limit):
        try:
            target = parse_target(row["target"])
        except TargetError as exc:
            deliveries.mark_failed(db, row["id"], str(exc))
            report.failed += 1
            continue
        notifier = notifiers.get(target.platform)
        if notifier is None:
            report.waiting += 1
            continue
        stored = alert_store.get_alert(db, row["alert_id"])
        if stored is None:
            deliveries.mark_failed(db, row["id"], "alert no longer exists")
            report.failed += 1
            continue
        try:
            result = await notifier.send(Alert.from_row(stored), target)
        except Exception as exc:  # a notifier bug must not stop the other deliveries
            log.exception("delivery %s to %s raised", row["id"], target)
            result = SendResult.retry(f"{type(exc).__name__}: {exc}"[:300])
        _record(db, row, result, now(), report, str(target))
    return report


def _record(
    db: sqlite_utils.Database, row: dict, result: SendResult, at: datetime, report: DeliveryReport, shown: str
) -> None:
    stamp = at.isoformat(timespec="seconds")
    if result.ok:
        deliveries.mark_sent(db, row["id"], stamp, result.message_ref)
        report.sent += 1
        return
    error = result.error or "unknown error"
    attempts = int(row.get("attempts") or 0) + 1
    if result.broken:
        subscriptions.mark_broken(db, row["target"], error)
    if result.permanent or attempts >= MAX_ATTEMPTS:
        deliveries.mark_failed(db, row["id"], error)
        report.failed += 1
        report.errors.append(f"{shown}: {error}")
        log.warning("delivery %s to %s failed: %s", row["id"], shown, error)
        return
    wait = backoff(attempts, result.retry_after)
    deliveries.mark_retry(db, row["id"], (at + timedelta(seconds=wait)).isoformat(timespec="seconds"), error)
    report.retrying += 1
    log.info("delivery %s to %s will retry in %.0fs: %s", row["id"], shown, wait, error)
