"""Extra scheduled jobs for `riskwire run`: the registration point other modules use (the digest job, for
instance) to run on the service's scheduler without editing the runner.

    from bot.ops.jobs import ServiceContext, register_job

    async def send_digests(ctx: ServiceContext) -> None:
        ...  # ctx.db, ctx.settings, ctx.notifiers, ctx.now(), ctx.kick_delivery()

    register_job("digest", send_digests, "cron", hour=8, minute=0)

Registration happens at import: add the module's name to JOB_MODULES (the runner imports each before
starting the scheduler). Triggers and their arguments are APScheduler 3.x's ("interval", "cron",
"date"). A job that raises is logged and counted in the `riskwire_errors_total{kind="job"}` metric;
it runs again at its next time. Jobs run on the service's one event loop: keep them async and short.
With several workers on one database, a job runs once per period in the whole cluster (in the
worker whose `job_runs` row for that period went in; `JobSpec.period`).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.core.metrics import Metrics
from bot.core.settings import Settings
from bot.delivery.base import Notifier

JOB_MODULES: tuple[str, ...] = ("bot.ops.digest_job", "bot.ops.sanctions_job")

RESERVED = frozenset({"poll", "deliver", "prune"})


@dataclass(frozen=True)
class ServiceContext:
    """What a job gets: the database, settings, running notifiers, metrics, the clock, and a way to
    ask the delivery loop for a pass now (after queueing deliveries)."""

    db: sqlite_utils.Database
    settings: Settings
    notifiers: Mapping[str, Notifier]
    metrics: Metrics
    now: Callable[[], datetime]
    kick_delivery: Callable[[], None]


@dataclass(frozen=True)
class JobSpec:
    """A job: its id, the coroutine function, and an APScheduler trigger with its arguments."""

    id: str
    func: Callable[[ServiceContext], Awaitable[None]]
    trigger: str = "interval"
    trigger_args: dict[str, Any] = field(default_factory=dict)
    every_setting: str | None = None  # an interval trigger's seconds, read from this setting

    def trigger_for(self, settings: Settings) -> dict[str, Any]:
        """The trigger's arguments in a service with these settings."""
        if self.every_setting is not None:
            return {"seconds": float(getattr(settings, self.every_setting))}
        return dict(self.trigger_args)

    def period(self, settings: Settings) -> float:
        """Seconds per period of this job: among several workers on one database it runs once per
        period (bot.ops.cluster.Membership.once). An interval job's period is its interval; a cron
        job's a day when it names an hour, else an hour when it names a minute, else a minute."""
        args = self.trigger_for(settings)
        if self.trigger == "interval":
            units = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
            total = sum(float(args.get(unit, 0)) * factor for unit, factor in units.items())
            return total or 1.0
        if self.trigger == "cron":
            return 86400.0 if "hour" in args else 3600.0 if "minute" in args else 60.0
        return 60.0


_REGISTERED: dict[str, JobSpec] = {}


def register_job(
    job_id: str,
    func: Callable[[ServiceContext], Awaitable[None]],
    trigger: str = "interval",
    *,
    every_setting: str | None = None,
    **trigger_args: Any,
) -> JobSpec:
    """Add a job to every service started afterwards; registering an id again replaces it. With
    `every_setting`, an interval job runs every that-setting seconds (the trigger arguments are the
    default only for its period)."""
    if job_id in RESERVED:
        raise ValueError(f"job id {job_id!r} is taken by the service itself")
    if not inspect.iscoroutinefunction(func):
        # a plain function would run in APScheduler's thread pool, next to the loop's database use
        raise ValueError(f"job {job_id!r} must be an async function")
    spec = JobSpec(job_id, func, trigger, dict(trigger_args), every_setting)
    _REGISTERED[job_id] = spec
    return spec


def unregister_job(job_id: str) -> bool:
    return _REGISTERED.pop(job_id, None) is not None


def registered_jobs() -> list[JobSpec]:
    """The registered jobs, in registration order."""
    return list(_REGISTERED.values())


def load_job_modules(modules: tuple[str, ...] = JOB_MODULES) -> None:
    """Import the modules that register jobs."""
    for name in modules:
        importlib.import_module(name)
