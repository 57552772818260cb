"""Database work off the event loop: one connection, used by one thread, one call at a time.

SQLite takes one writer at a time, so the service's pipeline writes go through a single thread that
owns its own connection (`DbThread`); the event loop awaits the result and keeps answering chat
commands and /healthz meanwhile. A lock held by another process is waited for at most
`busy_timeout` seconds, then the call raises SQLITE_BUSY ("database is locked"), which callers
treat as a storage fault (storage.faults). `Inline` runs the same calls on a connection the caller
already holds, on the loop (one-shot commands such as `riskwire poll --once`, and `:memory:`
databases, which another connection cannot see).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import sqlite_utils

from storage.db import open_db

T = TypeVar("T")


class DbRunner(Protocol):
    """Something that runs `fn(db, *args)` against a database and hands back the result."""

    async def run(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def close(self) -> None: ...


class Inline:
    """Run calls on the caller's own connection, on the loop."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(self.db, *args)

    async def close(self) -> None:
        """The connection belongs to the caller: left open."""


class DbThread:
    """One thread with its own connection to the database at `path`; calls run there in order.

    The connection is opened in the thread on first use and closed there by `close()`, so it is
    never touched by two threads.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float, name: str = "riskwire-db") -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._local = threading.local()

    def _db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = open_db(self.path, busy_timeout=self.busy_timeout)
            self._local.db = db
        return db

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        return fn(self._db(), *args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(db, *args)` in the database thread; the loop is free while it runs."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, fn, args)

    def _close_db(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    async def close(self) -> None:
        """Close the connection in its thread (after the calls already queued), then end the thread."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close_db)
        self._executor.shutdown(wait=False)


def runner_for(db: sqlite_utils.Database, path: str | Path, *, busy_timeout: float) -> DbRunner:
    """A DbThread on the database file at `path`, or Inline on `db` when it lives in memory."""
    if str(path) == ":memory:":
        return Inline(db)
    return DbThread(path, busy_timeout=busy_timeout)
