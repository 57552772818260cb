"""Read a holdings file: one ticker or ISIN per row of a CSV file, for `riskwire watch import`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.usecases.service import ServiceError

HEADERS = ("ticker", "isin", "symbol")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000


def read_holdings(path: str | Path) -> list[tuple[int, str]]:
    """(row number, ticker or ISIN) for each row of the CSV file at `path` that has one: the first
    column, or the `ticker`/`isin`/`symbol` column when the first row is a header naming one; other
    columns and blank rows are ignored. ServiceError (one line) when the file cannot be read."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ServiceError(f"{path}: larger than {MAX_BYTES // 2**20} MB; is it a holdings file?")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise ServiceError(f"cannot read holdings file {path}: {why}") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ServiceError(f"{path}: not a CSV file: {exc}") from None
    if len(rows) > MAX_ROWS:
        raise ServiceError(f"{path}: {len(rows)} rows; a holdings file is at most {MAX_ROWS}")
    column, start = 0, 0
    first = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), None)
    if first is not None:
        header = [c.strip().lower() for c in rows[first]]
        named = [i for i, c in enumerate(header) if c in HEADERS]
        if named:
            column, start = named[0], first + 1
    out: list[tuple[int, str]] = []
    for number, row in enumerate(rows[start:], start=start + 1):
        value = row[column].strip() if len(row) > column else ""
        if value:
            out.append((number, value))
    return out
