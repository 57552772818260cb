"""Tell a failing database apart from a failing query: the disk is full, the file is read-only or
cannot be read or written, another process holds it locked for too long, or (PostgreSQL) the server
cannot be reached or is shutting down."""

from __future__ import annotations

import sqlite3

# SQLite's primary result codes for conditions of the file, the disk or other processes (extended
# codes such as SQLITE_IOERR_WRITE or SQLITE_READONLY_DBMOVED carry these as their prefix)
_FAULTS = (
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
)


def storage_fault(exc: BaseException) -> str | None:
    """The cause, in SQLite's words ("database or disk is full"), when `exc` says the database cannot
    take reads or writes now; None for anything else (a bug, bad data), which retrying cannot cure."""
    if not isinstance(exc, sqlite3.Error):
        return None
    fault = getattr(exc, "storage_fault", None)  # set by storage.pg for the server's conditions
    if fault:
        return str(fault)
    name = getattr(exc, "sqlite_errorname", "") or ""
    if not name.startswith(_FAULTS):
        return None
    return str(exc) or name
