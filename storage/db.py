"""Open the database, SQLite (a file path) or PostgreSQL (a `postgresql://` URL), with every migration
applied once, in order. SQLite runs in WAL mode with foreign keys on."""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import re
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from storage import migrations


class StorageError(RuntimeError):
    """The database cannot be opened or migrated; the message names the file."""


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock as they begin (BEGIN IMMEDIATE).

    With a plain BEGIN, a transaction that reads before it writes cannot wait for another
    connection's write lock: SQLite refuses the upgrade at once ("database is locked") rather than
    risk a deadlock. Taken up front, the lock is waited for up to the busy timeout, as promised."""

    dialect = "sqlite"  # storage.pg.PgDatabase says "postgresql"; SQL that differs branches on it

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoint
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def _migration_modules() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name[:1].isdigit()]
    return sorted(names)


# the key of the PostgreSQL advisory lock migrations run under ("riskwire" in ASCII)
MIGRATION_LOCK = 0x7269736B77697265


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded in `_migrations`; returns the names applied.

    A migration module's `up_postgres(db)`, where it has one, is PostgreSQL's form of its `up(db)`. On
    PostgreSQL the whole run holds an advisory lock, so processes starting together migrate once."""
    if getattr(db, "dialect", "sqlite") == "postgresql":
        with db.advisory_lock(MIGRATION_LOCK):  # type: ignore[attr-defined]
            return _apply_migrations(db)
    return _apply_migrations(db)


def _apply_migrations(db: sqlite_utils.Database) -> list[str]:
    postgres = getattr(db, "dialect", "sqlite") == "postgresql"
    if "_migrations" not in db.table_names():
        db.table("_migrations").create({"name": str, "applied": str}, pk="name")
    done = {row["name"] for row in db.table("_migrations").rows}
    applied: list[str] = []
    for name in _migration_modules():
        if name in done:
            continue
        module = importlib.import_module(f"storage.migrations.{name}")
        up = getattr(module, "up_postgres", module.up) if postgres else module.up
        with db.atomic():
            up(db)
            db.table("_migrations").insert({"name": name, "applied": datetime.now(UTC).isoformat()})
        applied.append(name)
    return applied


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_POSTGRES_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)


def is_postgres(location: str | Path) -> bool:
    """Whether `location` names a PostgreSQL database (a postgresql:// or postgres:// URL)."""
    return bool(_POSTGRES_URL.match(str(location)))


def shown(location: str | Path) -> str:
    """The database location as messages may show it: a URL's password hidden."""
    if is_postgres(location):
        from storage.pg import hide_password

        return hide_password(str(location))
    return str(location)


def exists(location: str | Path) -> bool:
    """Whether there is a database at `location` to read: a SQLite file that exists, or any
    PostgreSQL URL (the server holds it; opening it creates the schema)."""
    return is_postgres(location) or str(location) == ":memory:" or Path(location).is_file()


def check_db_location(location: str | Path) -> None:
    """StorageError naming the path when a database file path cannot be used: it is a folder, or its
    folder does not exist (a mistyped path must not become a new, empty database somewhere else).

    Only file paths are checked: `:memory:` and URLs (`postgresql://...`) are left to their back end.
    """
    text = str(location)
    if text == ":memory:" or _URL.match(text):
        return
    path = Path(text)
    if path.is_dir():
        raise StorageError(f"database path {path} is a folder, not a file")
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise StorageError(
            f"database path {path}: the folder {folder} {what}; create it first or fix the path"
        )


BUSY_TIMEOUT = 30.0  # seconds a connection waits for another's write lock before SQLITE_BUSY


def open_db(path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT) -> sqlite_utils.Database:
    """Open the database at `path`, migrated to the current schema: a SQLite file (created when
    missing, never its folder) or a `postgresql://user:pass@host:port/dbname` URL. A write waits at
    most `busy_timeout` seconds for another connection's lock."""
    if is_postgres(path):
        return _open_postgres(str(path), busy_timeout)
    check_db_location(path)
    path = Path(path)
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        db = Database(conn)
        # 8 KiB pages pack alert rows (a few hundred bytes of text each) tighter than the 4 KiB default;
        # the setting takes effect only on a new, empty database file
        conn.execute("PRAGMA page_size=8192")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise StorageError(unwritable(path) or f"cannot open database {path}: {exc}") from exc
    return db


def _open_postgres(url: str, busy_timeout: float) -> sqlite_utils.Database:
    from storage.pg import PgDatabase, hide_password

    try:
        db = PgDatabase(url, busy_timeout=busy_timeout)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"cannot open database {hide_password(url)}: {exc}") from exc
    try:
        migrate(db)  # type: ignore[arg-type]
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StorageError(f"cannot migrate database {hide_password(url)}: {exc}") from exc
    # PgDatabase offers the part of sqlite_utils.Database's interface that Riskwire uses; typed as
    # that interface so that callers stay the same on both back ends
    return db  # type: ignore[return-value]


def unwritable(path: Path) -> str | None:
    """Why the database at `path` cannot be written, when the file or its folder is read-only for
    this process (SQLite then says only "unable to open database file" or "attempt to write a
    readonly database"); None when both are writable. The folder matters too: SQLite keeps its
    write-ahead log and shared-memory files beside the database."""
    if str(path) == ":memory:":
        return None
    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return f"database file {path} is not writable by this user; fix its permissions or set RISKWIRE_DB"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"database folder {folder} is not writable by this user (SQLite keeps its journal files "
            f"beside {path.name}); fix its permissions or set RISKWIRE_DB"
        )
    return None


@contextlib.contextmanager
def scratch_copy(
    db: sqlite_utils.Database, tables: Sequence[str] = ("subscriptions", "mutes")
) -> Iterator[sqlite_utils.Database]:
    """A throwaway database with the current schema and a copy of `tables` from `db`, in a temporary
    file removed on exit: where a replay (a backtest) runs the real pipeline without touching `db`."""
    with tempfile.TemporaryDirectory(prefix="riskwire-replay-") as folder:
        scratch = open_db(Path(folder) / "replay.db")
        scratch.conn.execute("PRAGMA synchronous=OFF")  # nothing in it outlives the replay
        try:
            for table in tables:
                rows = list(db.table(table).rows)
                if rows:
                    scratch.table(table).insert_all(rows)
            yield scratch
        finally:
            scratch.close()


def ping(db: sqlite_utils.Database) -> None:
    """Ask the database the smallest question; raises when it cannot answer."""
    db.execute("select 1").fetchone()


def file_name(db: sqlite_utils.Database) -> str | None:
    """The file the database was opened from ("" for one in memory); None when SQLite names none.
    For PostgreSQL, its URL (the password hidden)."""
    if getattr(db, "dialect", "sqlite") == "postgresql":
        return shown(db.url)  # type: ignore[attr-defined]
    row = db.execute("pragma database_list").fetchone()
    return row[2] if row else None


def now_iso() -> str:
    """The current UTC time as ISO 8601, the format every timestamp column uses."""
    return datetime.now(UTC).isoformat(timespec="seconds")
