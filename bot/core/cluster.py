"""This process as one worker among several `riskwire run` workers on one database.

A worker has an id (host:pid:random, the prefix of its send attempts' ids), a lease time and a
heartbeat interval. What it holds in the database (feeds being polled, channel queues, elected
roles) is renewed with each heartbeat; `renewed(...)` records when, by this process's monotonic
clock, so a send can check, just before it goes out, that the lease it was claimed under cannot
have run out meanwhile (after a pause longer than the lease, say SIGSTOP, it has: the send is
given back instead). The database work is storage.cluster's; the heartbeat loop is bot.ops.cluster's.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

LEASE_SECONDS = 30.0
HEARTBEAT_SECONDS = 5.0
MARGIN = 1.0  # a lease counts as run out this much before its end, against timer drift

_BOOT = uuid.uuid4().hex[:8]


def worker_id() -> str:
    """host:pid:random: which process this is, told apart from an earlier one with the same pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{_BOOT}"


@dataclass
class Worker:
    """This process's identity and lease timings, and when its leases were last renewed."""

    id: str = field(default_factory=worker_id)
    lease_seconds: float = LEASE_SECONDS
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    clock: Callable[[], float] = time.monotonic
    _renewed: dict[str, float] = field(default_factory=dict)  # channel target -> monotonic renewal

    def until(self, now: datetime | None = None) -> datetime:
        """When a lease taken or renewed now runs out."""
        return (now or datetime.now(UTC)) + timedelta(seconds=self.lease_seconds)

    def dead_before(self, now: datetime | None = None) -> datetime:
        """A worker whose last heartbeat is older than this is dead."""
        return (now or datetime.now(UTC)) - timedelta(seconds=self.lease_seconds)

    def took(self, target: str) -> float:
        """A channel lease was just taken: returns the monotonic time it was taken at."""
        at = self.clock()
        self._renewed[target] = at
        return at

    def renewed(self, targets: set[str], at: float) -> None:
        """The heartbeat started at monotonic `at` renewed these channel leases (the others are lost)."""
        for target, last in list(self._renewed.items()):
            if target not in targets and last < at:  # not one taken while this heartbeat ran
                del self._renewed[target]
        for target in targets:
            self._renewed[target] = max(self._renewed.get(target, at), at)

    def dropped(self, target: str) -> None:
        self._renewed.pop(target, None)

    def holds(self, target: str) -> bool:
        """Whether this worker's lease on the channel certainly has not run out yet."""
        last = self._renewed.get(target)
        return last is not None and self.clock() < last + self.lease_seconds - MARGIN

    @staticmethod
    def of_attempt(attempt_id: str) -> str:
        """The worker id inside a send attempt's id (host:pid:random:attempt)."""
        return attempt_id.rsplit(":", 1)[0] if attempt_id.count(":") >= 3 else ""
