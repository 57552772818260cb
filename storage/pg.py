"""PostgreSQL behind the part of sqlite-utils' Database interface that Riskwire uses.

`PgDatabase` holds one psycopg 3 connection, in autocommit mode outside `atomic()` (as the SQLite
connection runs with isolation_level=None). The repository modules in storage/ write their SQL once,
in SQLite's words; `translate` makes the mechanical changes for PostgreSQL (placeholders, `insert or
ignore`, `[quoted]` names, `is ?`, `instr`, the reserved column name `user`), and the few statements
that differ in substance branch on `db.dialect`.

Rows come back as SQLite gives them: text stays text (every timestamp column is text, compared
byte-wise under the "C" collation as SQLite's BINARY does), sums and booleans come back as integers.
Errors are raised as the sqlite3 exception classes (IntegrityError, OperationalError, DatabaseError),
the original psycopg error chained, so a caller handles one family whichever back end it runs on; an
error that says the server cannot take work now carries `storage_fault` (see storage.faults).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Loader
from sqlite_utils.db import Index, NotFoundError

DIALECT = "postgresql"
TEXT = 'text collate "C"'  # byte order, as SQLite's BINARY collation compares text
_TYPES = {str: TEXT, int: "bigint", float: "double precision", bytes: "bytea", bool: "bigint"}
_TYPE_NAMES = {"text": TEXT, "str": TEXT, "integer": "bigint", "int": "bigint", "float": "double precision"}

# ---------------------------------------------------------------------------------------------------
# SQL translation

_SQL_TOKEN = re.compile(
    r"""(?P<literal>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*")
    | (?P<bracketed>\[(?P<bracket_name>\w+)\])
    | (?P<is_not>\bis\s+not\s+\?)
    | (?P<is>\bis\s+\?)
    | (?P<placeholder>\?)
    | (?P<percent>%)
    | (?P<cast>::)
    | (?<![\w:])(?P<named>:(?P<name>[A-Za-z_]\w*))
    | (?P<instr>\binstr\s*\()
    | (?P<user>(?<!")\buser\b(?!"))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_INSERT_OR_IGNORE = re.compile(r"^\s*insert\s+or\s+ignore\s+into\b", re.IGNORECASE)


def _token(m: re.Match[str]) -> str:
    kind = m.lastgroup
    text = m.group(0)
    if kind in ("literal", "quoted"):
        return text.replace("%", "%%")
    if kind == "bracketed":
        return f'"{m.group("bracket_name")}"'
    if kind == "is_not":
        return "is distinct from %s"
    if kind == "is":
        return "is not distinct from %s"
    if kind == "placeholder":
        return "%s"
    if kind == "percent":
        return "%%"
    if kind == "named":
        return f"%({m.group('name')})s"
    if kind == "instr":
        return "strpos("
    if kind == "user":
        return '"user"'
    return text  # a cast (::) stays as it is


def translate(sql: str) -> str:
    """SQLite-flavoured SQL as PostgreSQL takes it through psycopg: `?` and `:name` become `%s` and
    `%(name)s` (a literal % doubled), `[name]` becomes `"name"`, `x is ?` compares NULLs as SQLite's
    IS does, `instr(` becomes `strpos(`, the column `user` is quoted (a reserved word in PostgreSQL),
    and `insert or ignore` becomes `insert ... on conflict do nothing`. String literals are left as
    they are. Anything else must already be valid in both dialects."""
    ignore = bool(_INSERT_OR_IGNORE.match(sql))
    if ignore:
        sql = _INSERT_OR_IGNORE.sub("insert into", sql, count=1)
    out = _SQL_TOKEN.sub(_token, sql)
    if ignore:
        out = out.rstrip().rstrip(";") + " on conflict do nothing"
    return out


def quote(name: str) -> str:
    """A quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def hide_password(url: str) -> str:
    """The URL with its password (if any) replaced by ***, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


# ---------------------------------------------------------------------------------------------------
# errors


class _Faulty:
    """A database error that may say the server cannot take work now (`storage_fault`)."""

    storage_fault: str | None = None


class PgIntegrityError(_Faulty, sqlite3.IntegrityError):
    """A constraint refused the change (unique, foreign key, not null)."""


class PgOperationalError(_Faulty, sqlite3.OperationalError):
    """The statement could not run: the server, a lock, a syntax error."""


class PgDatabaseError(_Faulty, sqlite3.DatabaseError):
    """Any other database error."""


# SQLSTATE classes and codes that mean the server cannot take work now, not that the statement is wrong
_FAULT_CLASSES = ("08", "53", "57P", "58")
_FAULT_CODES = ("55P03", "25006", "40P01", "40001")


def _wrap(exc: psycopg.Error) -> sqlite3.DatabaseError:
    if isinstance(exc, psycopg.IntegrityError):
        out: sqlite3.DatabaseError = PgIntegrityError(str(exc).strip())
    elif isinstance(exc, psycopg.OperationalError | psycopg.ProgrammingError):
        out = PgOperationalError(str(exc).strip())
    else:
        out = PgDatabaseError(str(exc).strip())
    code = exc.sqlstate or ""
    broken = isinstance(exc, psycopg.OperationalError) and not code
    if broken or code.startswith(_FAULT_CLASSES) or code in _FAULT_CODES:
        out.storage_fault = str(exc).strip().splitlines()[0] if str(exc).strip() else code  # type: ignore[attr-defined]
    return out


# ---------------------------------------------------------------------------------------------------
# result types as SQLite gives them


class _NumericLoader(Loader):
    """sum() and friends: an int when whole (SQLite sums integers to an integer), else a float."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


class _BoolLoader(Loader):
    """exists(...) and comparisons in a select list: 1 or 0, as in SQLite."""

    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


class PgCursor:
    """The part of a DB-API cursor callers use: rows, rowcount, description, lastrowid."""

    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None = None, rows: bool = True) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount
        self.lastrowid = lastrowid
        self._rows = rows and cursor.description is not None
        columns = cursor.description or []
        self.description = (
            [(c.name, None, None, None, None, None, None) for c in columns] if self._rows else None
        )

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone() if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall() if self._rows else []

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        return self._cursor.fetchmany(size) if self._rows else []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


_INSERT_INTO = re.compile(r'^\s*insert\s+(?:or\s+\w+\s+)?into\s+"?(\w+)"?', re.IGNORECASE)
_RETURNING = re.compile(r"\breturning\b", re.IGNORECASE)
_DDL = re.compile(r"^\s*(create|alter|drop)\b", re.IGNORECASE)


class PgDatabase:
    """A PostgreSQL database with the subset of sqlite_utils.Database that storage/ uses."""

    dialect = DIALECT

    def __init__(self, url: str, *, busy_timeout: float = 30.0) -> None:
        self.url = url
        self.busy_timeout = busy_timeout
        self._identity: dict[str, str | None] = {}
        self._columns: dict[str, list[str]] = {}
        self._pks: dict[str, list[str]] = {}
        self.conn = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=10,
                # a write waits at most busy_timeout for another connection's lock, as on SQLite
                options=f"-c lock_timeout={int(self.busy_timeout * 1000)} -c TimeZone=UTC",
            )
        except psycopg.Error as exc:
            raise _wrap(exc) from exc
        conn.adapters.register_loader("numeric", _NumericLoader)
        conn.adapters.register_loader("bool", _BoolLoader)
        return conn

    def __repr__(self) -> str:
        return f"<PgDatabase {hide_password(self.url)}>"

    # statements

    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> PgCursor:
        """Run one statement written in SQLite's words (see `translate`)."""
        if self.conn.broken and not self.in_transaction:
            self.conn = self._connect()  # the server restarted or the network dropped: connect again
        pg_sql = translate(sql)
        params: Any = parameters if parameters is not None else []
        if isinstance(params, Iterable) and not isinstance(params, Mapping | list | tuple):
            params = list(params)
        returning = self._returning_for(sql)
        if returning:
            pg_sql = f"{pg_sql} returning {quote(returning)}"
        try:
            cursor = self.conn.execute(pg_sql, params)
            lastrowid = None
            if returning:
                rows = cursor.fetchall()
                lastrowid = rows[-1][0] if rows else None
        except psycopg.Error as exc:
            raise _wrap(exc) from exc
        if _DDL.match(sql):
            self._forget_schema()
        return PgCursor(cursor, lastrowid, rows=not returning)

    def _returning_for(self, sql: str) -> str | None:
        """The identity column to hand back as `lastrowid` after an INSERT (None: nothing to hand back)."""
        m = _INSERT_INTO.match(sql)
        if not m or _RETURNING.search(sql):
            return None
        return self.identity_column(m.group(1))

    def query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Rows as dicts."""
        cursor = self.execute(sql, params)
        cols = [c[0] for c in cursor.description or []]
        for row in cursor.fetchall():
            yield dict(zip(cols, row, strict=True))

    # transactions

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @contextlib.contextmanager
    def atomic(self) -> Iterator[PgDatabase]:
        """One transaction (a savepoint when nested): all of the block's changes, or none."""
        try:
            with self.conn.transaction():
                yield self
        except psycopg.Error as exc:
            raise _wrap(exc) from exc

    @contextlib.contextmanager
    def advisory_lock(self, key: int) -> Iterator[None]:
        """Hold PostgreSQL's session advisory lock `key` while the block runs, however long the
        holder before takes (lock_timeout does not apply to the wait)."""
        self.execute("set lock_timeout = 0")
        try:
            self.execute("select pg_advisory_lock(?)", [key])
        finally:
            self.execute(f"set lock_timeout = {int(self.busy_timeout * 1000)}")
        try:
            yield
        finally:
            if not self.conn.broken:
                self.execute("select pg_advisory_unlock(?)", [key])

    def close(self) -> None:
        self.conn.close()

    # schema

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "select table_name from information_schema.tables where table_schema = current_schema() "
            "and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()
        return [r[0] for r in rows]

    def table(self, name: str) -> PgTable:
        return PgTable(self, name)

    def __getitem__(self, name: str) -> PgTable:
        return self.table(name)

    def _forget_schema(self) -> None:
        self._identity.clear()
        self._columns.clear()
        self._pks.clear()

    def identity_column(self, table: str) -> str | None:
        """The table's identity column (`id`, or `rowid` where SQLite code reads rowid), if it has one."""
        if table not in self._identity:
            row = self.conn.execute(
                "select column_name from information_schema.columns where table_schema = current_schema() "
                "and table_name = %s and is_identity = 'YES' order by (column_name = 'rowid') limit 1",
                [table],
            ).fetchone()
            self._identity[table] = row[0] if row else None
        return self._identity[table]

    def columns_of(self, table: str) -> list[str]:
        """The table's columns in order (without `rowid`, which only stands in for SQLite's rowid)."""
        if table not in self._columns:
            rows = self.conn.execute(
                "select column_name from information_schema.columns where table_schema = current_schema() "
                "and table_name = %s order by ordinal_position",
                [table],
            ).fetchall()
            self._columns[table] = [r[0] for r in rows if r[0] != "rowid"]
        return self._columns[table]

    def primary_key(self, table: str) -> list[str]:
        if table not in self._pks:
            rows = self.conn.execute(
                "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
                "and a.attnum = any(i.indkey) where i.indrelid = %s::regclass and i.indisprimary "
                "order by array_position(i.indkey::int2[], a.attnum)",
                [quote(table)],
            ).fetchall()
            self._pks[table] = [r[0] for r in rows]
        return self._pks[table]


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _type(kind: Any) -> str:
    if isinstance(kind, str):
        return _TYPE_NAMES.get(kind.lower(), kind)
    return _TYPES.get(kind, TEXT)


class PgTable:
    """One table, with the sqlite_utils.Table methods storage/ uses."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db = db
        self.name = name
        self.last_pk: Any = None
        self.last_rowid: int | None = None

    # creating

    def create(
        self,
        columns: Mapping[str, Any],
        *,
        pk: str | Sequence[str] | None = None,
        foreign_keys: Sequence[tuple[str, str, str]] | None = None,
        not_null: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        if_not_exists: bool = False,
    ) -> PgTable:
        """CREATE TABLE as sqlite-utils' create does: an integer `id` primary key numbers itself."""
        not_null = set(not_null or ())
        defaults = dict(defaults or {})
        refs = {col: (other, other_col) for col, other, other_col in foreign_keys or ()}
        single_pk = pk if isinstance(pk, str) else None
        parts = []
        for name, kind in columns.items():
            sql = f"{quote(name)} {_type(kind)}"
            if name == single_pk and kind is int:
                sql = f"{quote(name)} bigint generated by default as identity"
            if name in not_null:
                sql += " not null"
            if name in defaults:
                sql += f" default {_literal(defaults[name])}"
            if name in refs:
                sql += f" references {quote(refs[name][0])}({quote(refs[name][1])})"
            parts.append(sql)
        if pk:
            keys = [pk] if isinstance(pk, str) else list(pk)
            parts.append(f"primary key ({', '.join(quote(k) for k in keys)})")
        exists = "if not exists " if if_not_exists else ""
        self.db.execute(f"create table {exists}{quote(self.name)} ({', '.join(parts)})")
        return self

    def create_index(
        self,
        columns: Sequence[str],
        index_name: str | None = None,
        unique: bool = False,
        if_not_exists: bool = False,
    ) -> PgTable:
        """CREATE INDEX, named as sqlite-utils names it (idx_TABLE_COL1_COL2)."""
        name = index_name or "_".join(["idx", self.name, *columns])
        self.db.execute(
            f"create {'unique ' if unique else ''}index {'if not exists ' if if_not_exists else ''}"
            f"{quote(name)} on {quote(self.name)} ({', '.join(quote(c) for c in columns)})"
        )
        return self

    def add_column(self, name: str, kind: Any = str, not_null_default: Any = None) -> PgTable:
        sql = f"alter table {quote(self.name)} add column {quote(name)} {_type(kind)}"
        if not_null_default is not None:
            sql += f" not null default {_literal(not_null_default)}"
        self.db.execute(sql)
        return self

    @property
    def indexes(self) -> list[Index]:
        rows = self.db.conn.execute(
            "select c.relname, i.indisunique, i.indisprimary, i.indpred is not null, "
            "array(select a.attname from unnest(i.indkey) with ordinality k(n, o) join pg_attribute a "
            "on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) "
            "from pg_index i join pg_class c on c.oid = i.indexrelid "
            "where i.indrelid = %s::regclass order by c.relname",
            [quote(self.name)],
        ).fetchall()
        return [
            Index(seq, name, int(unique), "pk" if primary else "c", int(partial), list(cols))
            for seq, (name, unique, primary, partial, cols) in enumerate(rows)
        ]

    def exists(self) -> bool:
        return self.name in self.db.table_names()

    # reading

    def rows_where(
        self,
        where: str | None = None,
        where_args: Sequence[Any] | Mapping[str, Any] | None = None,
        order_by: str | None = None,
        select: str = "*",
        limit: int | None = None,
        offset: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        if select == "*":
            select = ", ".join(quote(c) for c in self.db.columns_of(self.name))
        sql = f"select {select} from {quote(self.name)}"
        if where:
            sql += f" where {where}"
        if order_by:
            sql += f" order by {order_by}"
        if limit is not None:
            sql += f" limit {int(limit)}"
        if offset is not None:
            sql += f" offset {int(offset)}"
        yield from self.db.query(sql, where_args)

    @property
    def rows(self) -> Iterator[dict[str, Any]]:
        return self.rows_where()

    @property
    def count(self) -> int:
        row = self.db.execute(f"select count(*) from {quote(self.name)}").fetchone()
        return int(row[0]) if row else 0

    def _pk_where(self, pk_values: Any) -> tuple[str, list[Any]]:
        keys = self.db.primary_key(self.name)
        values = list(pk_values) if isinstance(pk_values, list | tuple) else [pk_values]
        return " and ".join(f"{quote(k)} = ?" for k in keys), values

    def get(self, pk_values: Any) -> dict[str, Any]:
        where, args = self._pk_where(pk_values)
        rows = list(self.rows_where(where, args))
        if not rows:
            raise NotFoundError
        return rows[0]

    # writing

    def insert(
        self, record: Mapping[str, Any], *, pk: Any = None, ignore: bool = False, replace: bool = False
    ) -> PgTable:
        self.insert_all([record], ignore=ignore, replace=replace)
        return self

    def _conflict(self, columns: Sequence[str], pk: Any, ignore: bool, replace: bool) -> str:
        if not (ignore or replace):
            return ""
        keys = [pk] if isinstance(pk, str) else list(pk) if pk else self.db.primary_key(self.name)
        rest = [c for c in columns if c not in keys]
        if ignore or not rest:
            return " on conflict do nothing"
        sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in rest)
        return f" on conflict ({', '.join(quote(k) for k in keys)}) do update set {sets}"

    def insert_all(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        pk: Any = None,
        batch_size: int = 100,
        ignore: bool = False,
        replace: bool = False,
    ) -> PgTable:
        """Insert rows (every row gets every column any row names; a missing value is NULL). `ignore`
        leaves a row whose key exists; `replace` overwrites it."""
        rows = [dict(r) for r in records]
        if not rows:
            return self
        columns = list(dict.fromkeys(c for r in rows for c in r))
        identity = self.db.identity_column(self.name)
        sql = (
            f"insert into {quote(self.name)} ({', '.join(quote(c) for c in columns)}) "
            f"values ({', '.join(['%s'] * len(columns))})" + self._conflict(columns, pk, ignore, replace)
        )
        keys = self.db.primary_key(self.name)
        if identity:
            sql += f" returning {quote(identity)}"
        try:
            with self.db.conn.cursor() as cursor:
                if len(rows) == 1:
                    cursor.execute(sql, [rows[0].get(c) for c in columns])
                    got = cursor.fetchone() if identity else None
                else:
                    cursor.executemany(
                        sql, [[r.get(c) for c in columns] for r in rows], returning=bool(identity)
                    )
                    got = None
                    if identity:
                        while True:  # the last result set holds the last row's id
                            got = cursor.fetchone() or got
                            if not cursor.nextset():
                                break
        except psycopg.Error as exc:
            raise _wrap(exc) from exc
        self.last_rowid = int(got[0]) if got else None
        last = rows[-1]
        if len(keys) == 1 and keys[0] in last:
            self.last_pk = last[keys[0]]
        elif len(keys) > 1:
            self.last_pk = tuple(last.get(k) for k in keys)
        else:
            self.last_pk = self.last_rowid
        return self

    def upsert(self, record: Mapping[str, Any], *, pk: Any = None) -> PgTable:
        """Insert the row, or update the columns it names where its key exists."""
        return self.insert_all([record], pk=pk, replace=True)

    def update(self, pk_values: Any, updates: Mapping[str, Any] | None = None) -> PgTable:
        if not updates:
            return self
        where, args = self._pk_where(pk_values)
        sets = ", ".join(f"{quote(c)} = ?" for c in updates)
        self.db.execute(f"update {quote(self.name)} set {sets} where {where}", [*updates.values(), *args])
        self.last_pk = pk_values
        return self

    def delete(self, pk_values: Any) -> PgTable:
        where, args = self._pk_where(pk_values)
        self.db.execute(f"delete from {quote(self.name)} where {where}", args)
        return self

    def delete_where(self, where: str | None = None, where_args: Sequence[Any] | None = None) -> PgTable:
        self.db.execute(f"delete from {quote(self.name)}" + (f" where {where}" if where else ""), where_args)
        return self
