"""All SQL lives in storage/: the application (bot/), the feed readers (feeds/) and the rules (rules/)
reach the database only through storage functions, so a second back end needs changes in one place.

The scan reads each module's syntax tree and reports, with file and line:
- a call of a database method (execute, query, table, rows_where, ...) or a table taken by name
  (`db["alerts"]`);
- a string that reads as an SQL statement (select ... from, update ... set, delete from, ...);
- an import of the sqlite3 driver.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUARDED = ("bot", "feeds", "rules")

# methods of sqlite3 connections and cursors and of sqlite-utils' Database and Table
DB_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "query",
        "table",
        "rows_where",
        "pks_and_rows_where",
        "count_where",
        "delete_where",
        "insert_all",
        "upsert_all",
        "create_table",
        "create_index",
        "enable_fts",
        "search",
    }
)
DB_NAMES = frozenset({"db", "conn", "connection", "cursor", "database"})
SQL_TEXT = re.compile(
    r"^\s*(?:"
    r"select\s+(?:\*|\d+\b|distinct\b|exists\s*\(|count\s*\(|[\w.]+\s*(?:,|\bfrom\b|\bas\b))"
    r"|insert\s+(?:or\s+\w+\s+)?into\b"
    r"|update\s+(?:\[?\w+\]?|\?)\s+set\b"
    r"|delete\s+from\b"
    r"|(?:create|drop|alter)\s+(?:unique\s+|virtual\s+)?(?:table|index|view|trigger)\b"
    r"|pragma\s+\w+"
    r"|with\s+\w+\s+as\s*\("
    r")",
    re.IGNORECASE,
)


def _receiver(node: ast.expr) -> str | None:
    """The last name of the object a method is called on: `db` in `db.x()` and `self.db.x()`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):  # db.table("x").rows_where(...): the call's own receiver
        return _receiver(node.func.value) if isinstance(node.func, ast.Attribute) else None
    return None


def _is_db(node: ast.expr) -> bool:
    name = _receiver(node)
    return name is not None and (name.lower() in DB_NAMES or name.lower().endswith("_db"))


def _strings(node: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string constant, and each f-string with its holes as `?`."""
    parts: set[int] = set()  # an f-string's literal pieces, read with the f-string
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr):
            parts.update(id(v) for v in child.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else "?" for v in child.values)
            yield child.lineno, str(text)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and id(child) not in parts:
            yield child.lineno, child.value


def sql_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for every SQL use in a module's source."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in DB_METHODS and _is_db(node.func.value):
                found.append((node.lineno, f"database call .{node.func.attr}()"))
        elif isinstance(node, ast.Subscript) and _is_db(node.value):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.append((node.lineno, f"table by name [{key.value!r}]"))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n.split(".")[0] == "sqlite3" for n in names):
                found.append((node.lineno, "imports sqlite3"))
    # adjacent literals are one constant in the tree, so a statement split over lines is read whole
    for line, text in _strings(tree):
        if SQL_TEXT.match(text):
            found.append((line, f"SQL text {text.strip()[:40]!r}"))
    return sorted(set(found))


def offenders(root: Path = ROOT) -> list[str]:
    """`path:line: what` for every SQL use under the guarded packages."""
    out = []
    for package in GUARDED:
        for path in sorted((root / package).rglob("*.py")):
            for line, what in sql_uses(path.read_text(encoding="utf-8")):
                out.append(f"{path.relative_to(root)}:{line}: {what}")
    return out


def test_no_sql_outside_storage() -> None:
    found = offenders()
    assert not found, "SQL belongs in storage/; found:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'db.execute("select 1").fetchone()',
        'self.db.execute(f"update {table} set state = ?", [s])',
        "rows = db.query(sql)",
        'db.table("digests").upsert(row, pk="target")',
        'list(db["alerts"].rows_where("id = ?", [i]))',
        'conn.executemany("insert into t values (?)", rows)',
        "import sqlite3",
        'SQL = "select a.ticker from alerts a " "where a.id = ?"',
        'QUERIES = {"x": {"sql": "delete from notices where created < ?"}}',
        'x = "pragma database_list"',
        "sql = f\"update {table} set state = 'failed' where id = ?\"",
    ],
)
def test_the_scan_sees_sql(source: str) -> None:
    assert sql_uses(source)


@pytest.mark.parametrize(
    "source",
    [
        "parts.insert(0, x)",
        'text = "Select the channel from the list"',
        'msg = "Update your settings: run riskwire feeds add"',
        'store.upsert(db, {"target": t})',
        "deliveries.claim(db, row_id, attempt, at)",
        "with db.atomic():\n    pass",
        "db.close()",
    ],
)
def test_the_scan_leaves_plain_code_alone(source: str) -> None:
    assert not sql_uses(source)
