"""The delivery loop inside `riskwire run`: one outbox pass whenever there is work, at once when a poll
created alerts (kick), when a channel's lane ends, when a retry comes due, or when a rate-limited
target cools down; otherwise every `interval` seconds as a safety net. A pass stops waiting for the
lanes of busy channels when it is kicked, so new alerts for other channels go out at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.delivery.outbox import Outbox, wait_seconds

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Runs outbox passes on the service's loop until stopped."""

    def __init__(self, outbox: Outbox, interval: float = 10.0) -> None:
        self.outbox = outbox
        self.interval = interval
        self.passes = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        outbox.on_idle = self.kick  # a lane that ended may leave its target's next rows due

    def kick(self) -> None:
        """Ask for a pass now (cheap; many kicks during a pass give one more pass)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="deliveries")

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            worked = False
            try:
                report = await self.outbox.deliver(interrupt=self._wake)
                worked = report.worked
            except Exception:  # a bug in one pass must not end delivery for good
                log.exception("delivery pass failed")
                self.outbox.metrics.errors.labels("job").inc()
            self.passes += 1
            if worked or self._stopping:
                await asyncio.sleep(0)  # more may be due (a full batch, story updates): go again
                continue
            wait = wait_seconds(self.outbox.db, self.outbox.now(), self.outbox, self.interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(wait, 0.01))

    async def stop(self, grace: float) -> None:
        """Stop claiming new sends; let sends in flight finish for up to `grace` seconds, then cancel
        them (a cancelled send stays `sending` and is resolved by the next run)."""
        self._stopping = True
        self.outbox.stopping = True
        self._wake.set()
        if self._task is None:
            return
        started = asyncio.get_running_loop().time()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        left = max(grace - (asyncio.get_running_loop().time() - started), 0.0)
        await self.outbox.settle(left)
