"""Listed companies from a public register (the SEC's ticker file): replaced whole, atomically."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils


def replace_all(
    db: sqlite_utils.Database,
    *,
    source: str,
    origin: str,
    loaded: str,
    companies: Iterable[dict[str, Any]],
    sha256: str | None = None,
) -> int:
    """Store `companies` (ticker, cik, name, exchange) as the register `source`, dropping what an
    earlier load of it held; a ticker listed twice keeps its first row. Returns the number stored."""
    rows: dict[str, dict[str, Any]] = {}
    for c in companies:
        rows.setdefault(c["ticker"], {**c, "source": source})
    with db.atomic():
        db.execute("delete from listed_companies where source = ?", [source])
        db.table("listed_company_loads").upsert(
            {"source": source, "origin": origin, "loaded": loaded, "companies": len(rows), "sha256": sha256},
            pk="source",
        )
        if rows:
            db.table("listed_companies").insert_all(rows.values(), batch_size=1000, replace=True)
    return len(rows)


def loads(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every register loaded: source, origin, loaded (when), companies (count), sha256."""
    return list(db.table("listed_company_loads").rows_where(order_by="source"))


def version(db: sqlite_utils.Database) -> tuple[tuple[str, str], ...]:
    """What is loaded, as a value that changes whenever a register is loaded again (for caches)."""
    rows = db.execute(
        "select source, loaded || ':' || companies || ':' || coalesce(sha256, '') from listed_company_loads "
        "order by source"
    ).fetchall()
    return tuple((r[0], r[1]) for r in rows)


def all_companies(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every stored listed company (ticker, cik, name, exchange, source), by ticker."""
    cursor = db.execute("select ticker, cik, name, exchange, source from listed_companies order by ticker")
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def issuers_of(db: sqlite_utils.Database, tickers: Iterable[str]) -> list[dict[str, Any]]:
    """The stored rows of `tickers` and of every other ticker of the same issuers (cik), by ticker."""
    wanted = sorted({t.upper() for t in tickers})
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    cursor = db.execute(
        f"select ticker, cik, name, exchange, source from listed_companies where ticker in ({marks}) "
        f"or cik in (select cik from listed_companies where ticker in ({marks}) and cik is not null) "
        "order by ticker",
        [*wanted, *wanted],
    )
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]
