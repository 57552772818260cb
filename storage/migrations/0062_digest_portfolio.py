"""A digest schedule may include the portfolio view (every ticker the target watches, over the digest's
window): `digests.portfolio` is 1 for those, 0 otherwise."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("digests").add_column("portfolio", int, not_null_default=0)
