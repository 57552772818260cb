"""`riskwire run`: one asyncio loop carrying the scheduler, polling, delivery and the chat front-ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.base import Notifier
from bot.delivery.console import ConsoleNotifier
from bot.delivery.outbox import deliver_due
from bot.frontends import load_frontends
from bot.polling import poll_once
from bot.settings import Settings
from storage.db import open_db

log = logging.getLogger(__name__)

DELIVER_EVERY_SECONDS = 10


async def run_service(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); in-flight work finishes, the rest stays pending."""
    db = open_db(settings.db_path)
    frontends = load_frontends(settings, db)
    notifiers: dict[str, Notifier] = {"console": ConsoleNotifier()}
    for frontend in frontends:
        await frontend.start()
        notifiers[frontend.platform] = frontend.notifier
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # not on the main thread, or a platform without signals: SIGTERM then stops nothing here
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    busy = asyncio.Lock()

    async def poll_job() -> None:
        async with busy:
            report = await poll_once(db, settings, notifiers)
            for url, error in report.failures:
                log.warning("feed %s: %s", url, error)
            log.info(
                "poll: %d new articles, %d alerts, %d delivered",
                report.processed.new,
                len(report.processed.alerts),
                report.delivered.sent,
            )

    async def deliver_job() -> None:
        async with busy:
            await deliver_due(db, notifiers)

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        poll_job,
        "interval",
        seconds=max(settings.poll_seconds, 30),
        id="poll",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        deliver_job, "interval", seconds=DELIVER_EVERY_SECONDS, id="deliver", max_instances=1, coalesce=True
    )
    from bot.digest import run_due_digests

    async def digest_job() -> None:
        async with busy:
            await run_due_digests(db, notifiers, datetime.now(UTC))

    scheduler.add_job(digest_job, "interval", minutes=1, id="digest", max_instances=1, coalesce=True)
    scheduler.start()
    print(
        f"Riskwire running: database {settings.db_path}, polling every {settings.poll_seconds}s "
        "(Ctrl-C to stop)",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        async with busy:  # let a poll or delivery in flight finish
            pass
        for frontend in frontends:
            await frontend.stop()
        db.close()
        print("Riskwire stopped.", flush=True)
    return 0
