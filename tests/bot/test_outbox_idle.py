"""Rows for a platform whose front-end is not running wait quietly: the delivery loop sleeps until
something changes instead of passing over them again and again."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

from bot.delivery.console import ConsoleNotifier
from bot.delivery.outbox import Outbox
from bot.delivery.worker import DeliveryWorker
from tests.bot.test_outbox import add_alert
from tests.clock import ago


async def test_rows_for_a_platform_that_is_off_do_not_keep_the_loop_busy(db) -> None:  # type: ignore[no-untyped-def]
    created = ago(minutes=5)
    add_alert(db, "al-slack", ("slack:T1/C1",), created)  # Slack is not running in this process
    add_alert(db, "al-console", ("console",), created)
    out = io.StringIO()
    worker = DeliveryWorker(Outbox(db, {"console": ConsoleNotifier(out)}, now=lambda: datetime.now(UTC)))
    worker.start()
    await asyncio.sleep(0.5)
    await worker.stop(5)
    assert "Amazon story al-console" in out.getvalue()
    states = dict(db.execute("select alert_id, state from deliveries").fetchall())
    assert states == {"al-console": "sent", "al-slack": "pending"}
    assert worker.passes <= 3  # the pass that sent, one that found nothing new; not thousands
