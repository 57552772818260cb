"""The company directory as people manage it: download the SEC's company ticker file so that any
US-listed ticker (ADRs included) can be watched, and say what is stored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.core.settings import Settings
from feeds.fetch import fetch, new_session
from storage import companies as store

SOURCE = "sec"
MAX_FILE_BYTES = 50 * 1024 * 1024


class DirectoryError(ValueError):
    """The company file cannot be downloaded or read; the message says why in one line."""


@dataclass(frozen=True)
class UpdateResult:
    """What an update did: companies stored (0 when `unchanged`)."""

    companies: int
    unchanged: bool = False


def parse_company_file(body: bytes) -> list[dict[str, Any]]:
    """The rows of the SEC's company_tickers_exchange.json ({"fields": [...], "data": [[...], ...]})
    as dicts with ticker, cik, name, exchange; DirectoryError when it is not that file."""
    try:
        doc = json.loads(body)
        fields = [str(f).lower() for f in doc["fields"]]
        where = {name: fields.index(name) for name in ("cik", "name", "ticker", "exchange")}
        data = doc["data"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DirectoryError(
            f"not the SEC's company ticker file (JSON with fields and data): {exc}"
        ) from None
    rows: list[dict[str, Any]] = []
    for item in data:
        if not isinstance(item, list) or len(item) < len(fields):
            continue
        ticker, name = (
            str(item[where["ticker"]] or "").strip().upper(),
            str(item[where["name"]] or "").strip(),
        )
        if not ticker or not name:
            continue
        cik = item[where["cik"]]
        rows.append(
            {
                "ticker": ticker,
                "cik": int(cik) if isinstance(cik, int | str) and str(cik).isdigit() else None,
                "name": name,
                "exchange": str(item[where["exchange"]] or ""),
            }
        )
    if not rows:
        raise DirectoryError("the company ticker file lists no companies")
    return rows


def _refusal(status: int, error: str, url: str) -> str:
    if status == 403:
        return (
            f"{url} refused the download (HTTP 403): the SEC answers only requests whose User-Agent "
            "names you and a contact e-mail address; set RISKWIRE_USER_AGENT, e.g. "
            "'Example Corp risk-team@example.com'"
        )
    return f"{url}: {error}"


async def _download(settings: Settings) -> bytes:
    session = new_session(allow_private=settings.allow_private_feeds, user_agent=settings.user_agent)
    try:
        result = await fetch(
            settings.directory_url,
            session=session,
            timeout=settings.directory_timeout,
            max_bytes=MAX_FILE_BYTES,
        )
    finally:
        await session.close()
    if result.error or result.body is None:
        raise DirectoryError(
            _refusal(result.status, result.error or "empty response", settings.directory_url)
        )
    return result.body


async def update(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> UpdateResult:
    """Download the company ticker file from `settings.directory_url` with the configured User-Agent
    (through the feed fetcher: address checks, timeout, size cap) and store every company, replacing
    the earlier load. A failed download or a file that cannot be read changes nothing."""
    body = await _download(settings)
    checksum = hashlib.sha256(body).hexdigest()
    if any(row["sha256"] == checksum for row in store.loads(db) if row["source"] == SOURCE):
        return UpdateResult(0, unchanged=True)
    rows = parse_company_file(body)
    count = store.replace_all(
        db,
        source=SOURCE,
        origin=settings.directory_url,
        loaded=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        companies=rows,
        sha256=checksum,
    )
    return UpdateResult(count)


def status_lines(db: sqlite_utils.Database) -> list[str]:
    """How many companies are stored, from where and when; or how to load them."""
    loads = store.loads(db)
    if not loads:
        return [
            "No listed companies stored: the directory is the built-in one (pytickersymbols). "
            "Download the SEC's list of US-listed companies with: riskwire directory update"
        ]
    return [f"{row['companies']} companies from {row['origin']}, loaded {row['loaded']}" for row in loads]
