"""Whether anything is meant for a Discord webhook: decides if `riskwire poll --once` loads the
webhook notifier (and discord.py with it). Plain SQL, so asking costs no import."""

from __future__ import annotations

import sqlite_utils

PREFIX = "discord:webhook:%"
_OPEN = "state in ('pending', 'retrying', 'sending')"


def webhook_targets_exist(db: sqlite_utils.Database) -> bool:
    """True when a subscription or digest names a webhook target, or a delivery, story update or
    notice to one is still to be sent."""
    query = " union all ".join(
        [
            "select 1 from subscriptions where target like :p",
            "select 1 from digests where target like :p",
            f"select 1 from deliveries where target like :p and {_OPEN}",
            f"select 1 from report_deliveries where target like :p and {_OPEN}",
            "select 1 from notices where target like :p and state in ('pending', 'retrying')",
        ]
    )
    return db.execute(f"select exists({query})", {"p": PREFIX}).fetchone()[0] == 1
