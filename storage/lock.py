"""One service per SQLite database: an exclusive lock on a file beside it, held while the service runs.

Two `riskwire run` processes on one SQLite file would poll every feed twice and race each other's
deliveries. `service_lock(path)` takes `fcntl.flock` on `PATH.lock` (created when missing, never
deleted, so every process locks the same file) and writes its pid there; the kernel releases the
lock when the process ends, however it ends, so a killed service never leaves a stale lock behind.
A second service is refused with the first one's pid. In-memory databases need no lock.

On PostgreSQL the lock is a session advisory lock on the database, held by a connection of its own
for as long as the service runs; the server releases it when that connection ends, however it ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from storage.db import StorageError, is_postgres, shown

SERVICE_LOCK = 0x7269736B77697266  # the running service's advisory lock key (not MIGRATION_LOCK)


class ServiceRunning(StorageError):
    """Another service holds the database's lock; the message names its pid."""


def lock_path(db_path: str | Path) -> Path:
    """The lock file of the database at `db_path`."""
    return Path(f"{db_path}.lock")


def _holder(fd: int) -> str:
    """The pid written by the process holding the lock, as text ('unknown' when unreadable)."""
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return text
    return "unknown"


@contextlib.contextmanager
def service_lock(db_path: str | Path) -> Iterator[Path | None]:
    """Hold the database's service lock while the block runs; raise ServiceRunning when another
    process holds it. Yields the lock file's path (None for an in-memory or PostgreSQL database)."""
    if is_postgres(db_path):
        with _postgres_service_lock(str(db_path)):
            yield None
        return
    if str(db_path) == ":memory:":
        yield None
        return
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StorageError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServiceRunning(
                f"another riskwire service (pid {_holder(fd)}) is already running on the database "
                f"{db_path}; stop it first, or give this one another RISKWIRE_DB"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _postgres_service_lock(url: str) -> Iterator[None]:
    import psycopg

    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise StorageError(f"cannot open database {shown(url)}: {exc}") from None
    try:
        row = conn.execute("select pg_try_advisory_lock(%s)", [SERVICE_LOCK]).fetchone()
        if not row or not row[0]:
            raise ServiceRunning(
                f"another riskwire service is already running on the database {shown(url)}; "
                "stop it first, or give this one another RISKWIRE_DB"
            )
        yield
    finally:
        conn.close()  # ends the session, and with it the lock
