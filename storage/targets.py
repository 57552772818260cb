"""Questions about chat targets that span the tables naming them (subscriptions, digests, the outbox
and notices)."""

from __future__ import annotations

import sqlite_utils

_OPEN = "state in ('pending', 'retrying', 'sending')"


def in_use(db: sqlite_utils.Database, pattern: str) -> bool:
    """True when a subscription or digest names a target matching the LIKE `pattern`, or a delivery,
    story update or notice to one is still to be sent."""
    query = " union all ".join(
        [
            "select 1 from subscriptions where target like :p",
            "select 1 from digests where target like :p",
            f"select 1 from deliveries where target like :p and {_OPEN}",
            f"select 1 from report_deliveries where target like :p and {_OPEN}",
            "select 1 from notices where target like :p and state in ('pending', 'retrying')",
        ]
    )
    return db.execute(f"select exists({query})", {"p": pattern}).fetchone()[0] == 1
