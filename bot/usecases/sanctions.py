"""Sanctions lists as people use them: import a team's own list, see what is loaded, update the
official lists from their publishers, and recheck recent alerts when a list changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from bot.pipeline.parties import load_index
from rules.sanctions.models import ListFileError, LoadedList
from rules.sanctions.screen import SanctionsIndex
from rules.sanctions.sources import OFFICIAL
from rules.sanctions.teamlist import parse_team_list
from storage import sanctions as store
from storage.db import open_db

LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAX_LIST_BYTES = 200 * 1024 * 1024


class SanctionsError(ValueError):
    """A sanctions command cannot do what was asked; the message says why, one line per problem."""


def _now() -> str:
    # microseconds: two loads in one second are still two versions (storage.sanctions.version)
    return datetime.now(UTC).isoformat()


def store_list(
    db: sqlite_utils.Database, loaded: LoadedList, *, source: str, origin: str, now: str | None = None
) -> int:
    """Replace the stored list of that name with `loaded`; returns its entry count."""
    return store.replace_list(
        db,
        name=loaded.name,
        source=source,
        origin=origin,
        published=loaded.published,
        loaded=now or _now(),
        entries=(e.to_row() for e in loaded.entries),
    )


def import_list(db: sqlite_utils.Database, name: str, path: str | Path, now: str | None = None) -> int:
    """Load a team's own list from a CSV file under `name`, replacing an earlier import of that name.
    Nothing is stored when any row is bad."""
    if not LIST_NAME.match(name):
        raise SanctionsError(
            f"list name {name[:40]!r}: use letters, digits, '.', '-' or '_' (at most 40 characters)"
        )
    if name.lower() in OFFICIAL:
        raise SanctionsError(f"{name!r} is an official list's name (riskwire sanctions update loads it)")
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SanctionsError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        loaded = parse_team_list(name, data)
    except ListFileError as exc:
        raise SanctionsError("\n".join(f"{path}: {line}" for line in str(exc).splitlines())) from None
    return store_list(db, loaded, source="import", origin=str(path.resolve()), now=now)


def lists_index(db_path: str) -> SanctionsIndex:
    """The loaded lists of the database at `db_path` as an index; empty when there is no database
    there yet (commands that store nothing, like scan and explain, never create one)."""
    path = Path(db_path)
    if str(db_path) != ":memory:" and not path.is_file():
        return SanctionsIndex([])
    db = open_db(path)
    try:
        return load_index(db)
    finally:
        db.close()


def status_lines(db: sqlite_utils.Database) -> list[str]:
    """One line per loaded list: its name, where it came from, its date and its size."""
    rows = store.lists(db)
    if not rows:
        return [
            "No sanctions lists loaded. Load the official ones with: riskwire sanctions update, "
            "or your own with: riskwire sanctions import NAME FILE.csv"
        ]
    lines = []
    for row in rows:
        label = OFFICIAL[row["name"]].label if row["name"] in OFFICIAL else "imported list"
        published = f"published {row['published'][:10]}" if row.get("published") else "no publication date"
        lines.append(
            f"{row['name']:<12} {row['entries']:>7,} entries  {published}, loaded {row['loaded'][:16]}  "
            f"{label} ({row['origin']})"
        )
    return lines
