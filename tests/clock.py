"""Time for test fixtures: stamps relative to the clock the code under test reads, never fixed days.

Summaries, digests and history windows count back from the real clock, so a fixture stamped with a
fixed day falls out of every window once the calendar moves past it. Stamp with `ago()` instead: the
suite then passes on any date (CI runs it a second time with the clock moved a year ahead).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def ago(*, hours: float = 0, days: float = 0, minutes: float = 0) -> str:
    """An ISO stamp (seconds, UTC) that far before now."""
    moment = datetime.now(UTC) - timedelta(days=days, hours=hours, minutes=minutes)
    return moment.isoformat(timespec="seconds")
