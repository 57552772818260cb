"""A team's own list: a CSV file with the columns name, aliases (separated by ';'), programme, listed
(YYYY-MM-DD) and optionally link. Read whole or not at all."""

from __future__ import annotations

import csv
import io
from datetime import date

from rules.sanctions.models import ListedEntry, ListFileError, LoadedList

REQUIRED = ("name", "aliases", "programme", "listed")
MAX_ERRORS = 20


def _listed(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"listed {text[:20]!r} is not a date like 2022-03-15") from None


def _row_entry(name: str, row: dict[str, str]) -> ListedEntry:
    listed_name = (row.get("name") or "").strip()
    if not listed_name:
        raise ValueError("name is empty")
    aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
    return ListedEntry(
        list=name,
        name=listed_name,
        aliases=aliases,
        programme=(row.get("programme") or "").strip(),
        listed=_listed(row.get("listed") or ""),
        link=(row.get("link") or "").strip(),
    )


def parse_team_list(name: str, data: bytes) -> LoadedList:
    """The entries of a team list file, or ListFileError with one line per bad row (nothing partial)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListFileError("the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ListFileError(f"missing column(s) {', '.join(missing)}; the header needs {', '.join(REQUIRED)}")
    reader.fieldnames = header
    entries: list[ListedEntry] = []
    errors: list[str] = []
    for row in reader:
        try:
            entries.append(_row_entry(name, row))
        except ValueError as exc:
            errors.append(f"row {reader.line_num}: {exc}")
    if errors:
        more = f"\n... and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        raise ListFileError("\n".join(errors[:MAX_ERRORS]) + more)
    if not entries:
        raise ListFileError("the file has no entries")
    return LoadedList(name=name, entries=tuple(entries))
