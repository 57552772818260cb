"""Whether the database takes writes, as the service sees it: the causes of failed writes since the
last good one, each logged once and then counted, and the reason /healthz gives while they last."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


class StorageHealth:
    """Failed and successful writes, reported by whoever made them (the feed poller)."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.now = now
        self.causes: dict[str, int] = {}
        self.since: datetime | None = None

    def failed(self, cause: str, context: str = "") -> None:
        """Count a failed write; the first of each cause since the last good write is logged."""
        if not self.causes:
            self.since = self.now()
        first = cause not in self.causes
        self.causes[cause] = self.causes.get(cause, 0) + 1
        if first:
            log.error(
                "storage error: %s%s; polls back off and retry, nothing is lost "
                "(further errors of this cause are counted, not logged)",
                cause,
                f" ({context})" if context else "",
            )

    def wrote(self) -> None:
        """A write went through: the database works again (said once, with the counts)."""
        if self.causes:
            counts = "; ".join(f"{cause}: {n} errors" for cause, n in self.causes.items())
            log.warning("storage works again (%s)", counts)
            self.causes.clear()
            self.since = None

    @property
    def problem(self) -> str | None:
        """Why the database is failing, with the counts, or None while it works."""
        if not self.causes:
            return None
        since = self.since.isoformat(timespec="seconds") if self.since else "?"
        counts = "; ".join(f"{cause} ({n} errors)" for cause, n in self.causes.items())
        return f"writes failing since {since}: {counts}"

    def status(self) -> dict[str, Any]:
        """The /healthz part: `storage` is "ok" or the problem."""
        return {"storage": self.problem or "ok"}
