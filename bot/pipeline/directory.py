"""The company directory a database sees: the built-in one plus the listed companies stored by
`riskwire directory update` (which add to it and never override it)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from rules.directory import CompanyDirectory, ListedCompany
from storage import companies as store
from storage.db import exists as database_exists
from storage.db import open_db

_cache: dict[tuple[tuple[str, str], ...], CompanyDirectory] = {}


def listed_companies(
    db: sqlite_utils.Database, tickers: Iterable[str] | None = None
) -> tuple[ListedCompany, ...]:
    """The stored listed companies as directory data; with `tickers`, only the issuers of those
    (what a matcher for those tickers needs)."""
    rows = store.all_companies(db) if tickers is None else store.issuers_of(db, tickers)
    return tuple(ListedCompany(r["ticker"], r["name"], r["exchange"] or "", r["cik"]) for r in rows)


def directory_for(db: sqlite_utils.Database) -> CompanyDirectory:
    """The built-in directory with the companies stored in `db`; rebuilt only after an update."""
    version = store.version(db)
    if not version:
        return CompanyDirectory.default()
    if version not in _cache:
        _cache.clear()  # one database per process in practice: keep only the latest
        _cache[version] = CompanyDirectory.default(listed_companies(db))
    return _cache[version]


def directory_at(db_path: str) -> CompanyDirectory:
    """`directory_for` the database at `db_path`; the built-in directory when there is no database
    there yet (commands that store nothing, like scan, never create one)."""
    if not database_exists(db_path):
        return CompanyDirectory.default()
    db = open_db(db_path)
    try:
        return directory_for(db)
    finally:
        db.close()
