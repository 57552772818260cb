"""The register of listed companies downloaded by `riskwire directory update`.

- `listed_companies`: one row per ticker (the SEC's company ticker file: cik, registered name,
  exchange). Replaced whole by each update.
- `listed_company_loads`: one row per register loaded: where from, when, how many rows, the file's
  checksum (an update that brings the same file changes nothing).
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("listed_company_loads").create(
        {"source": str, "origin": str, "loaded": str, "companies": int, "sha256": str}, pk="source"
    )
    db.table("listed_companies").create(
        {"ticker": str, "cik": int, "name": str, "exchange": str, "source": str},
        pk="ticker",
        foreign_keys=[("source", "listed_company_loads", "source")],
    )
