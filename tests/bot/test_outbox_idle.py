"""Rows for a platform whose front-end is not running wait quietly: the delivery loop sleeps until
something changes instead of passing over them again and again."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

from bot.delivery.console import ConsoleNotifier
from bot.delivery.outbox import Outbox
from bot.delivery.worker import DeliveryWorker
from storage import deliveries
from tests.clock import ago


def add_alert(db, alert_id: str, target: str) -> None:  # type: ignore[no-untyped-def]
    created = ago(minutes=5)
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
    deliveries.enqueue(db, alert_id, target, None, created)


async def test_rows_for_a_platform_that_is_off_do_not_keep_the_loop_busy(db) -> None:  # type: ignore[no-untyped-def]
    add_alert(db, "al-slack", "slack:T1/C1")  # Slack is not running in this process
    add_alert(db, "al-console", "console")
    out = io.StringIO()
    worker = DeliveryWorker(Outbox(db, {"console": ConsoleNotifier(out)}, now=lambda: datetime.now(UTC)))
    worker.start()
    await asyncio.sleep(0.5)
    await worker.stop(5)
    assert "Amazon story al-console" in out.getvalue()
    states = dict(db.execute("select alert_id, state from deliveries").fetchall())
    assert states == {"al-console": "sent", "al-slack": "pending"}
    assert worker.passes <= 3  # the pass that sent, one that found nothing new; not thousands
