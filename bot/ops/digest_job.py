"""Registers the digest job on the service's scheduler: every `digest_seconds` (a minute by default),
send the digests that are due."""

from __future__ import annotations

from bot.ops.jobs import ServiceContext, register_job
from bot.usecases.digest import run_due_digests


async def send_due_digests(ctx: ServiceContext) -> None:
    """Build and send each channel's digest whose time has come (empty ones are recorded, not sent)."""
    await run_due_digests(ctx.db, ctx.notifiers, ctx.now())


register_job("digest", send_due_digests, "interval", every_setting="digest_seconds", minutes=1)
