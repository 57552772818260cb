"""The daily sanctions-list update in `riskwire run` (on when RISKWIRE_SANCTIONS_DAILY is set): download
the official lists, and when one changed, recheck recent alerts and send their follow-ups."""

from __future__ import annotations

import logging

from bot.ops.jobs import ServiceContext, register_job
from bot.usecases.sanctions import recheck_alerts, update_lists

log = logging.getLogger(__name__)


async def update_sanctions(ctx: ServiceContext) -> None:
    """One daily update; failures are logged per list and the lists loaded before stay."""
    if not ctx.settings.sanctions_daily:
        return
    result = await update_lists(ctx.db, ctx.settings)
    for name, why in result.failures.items():
        log.warning("sanctions list %s not updated: %s", name, why)
    if result.changed:
        report = recheck_alerts(ctx.db, ctx.now())
        if report.queued:
            ctx.kick_delivery()


register_job("sanctions", update_sanctions, "cron", hour=5, minute=17)
