"""`riskwire feeds status | starter | import | resume`: feed health, the starter list, OPML import."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from feeds.opml import OpmlError, parse_opml
from feeds.starter import StarterFeed, load_starter
from rules.directory import CompanyDirectory
from storage import feeds as feed_store
from storage import subscriptions


class FeedsCliError(ValueError):
    """Bad input to a feeds command; the message is one line."""


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def health(row: dict[str, Any]) -> str:
    """ok, failing, paused or never fetched."""
    if row.get("paused"):
        return "paused"
    if not row.get("last_fetch"):
        return "never fetched"
    return "failing" if row.get("consecutive_failures") else "ok"


def status_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Each feed's health: status, last fetch and success, failures in a row, next poll, last error."""
    out = []
    for r in rows:
        block = (
            f"{r['url']}\n  status: {health(r)}; last fetch: {r.get('last_fetch') or '-'}; "
            f"last success: {r.get('last_success') or '-'}; failures in a row: "
            f"{r.get('consecutive_failures') or 0}; items seen: {r.get('items_seen') or 0}; "
            f"next poll: {r.get('next_poll') or 'as soon as the service runs'}"
        )
        if r.get("paused"):
            block += f"\n  paused since {r.get('paused_at') or '-'}: {r.get('paused_reason') or ''}"
        if r.get("last_error"):
            block += f"\n  last error: {r['last_error']}"
        out.append(block)
    return out


_LEGAL_SUFFIX = re.compile(
    r"(,?\s+(inc|incorporated|corp|corporation|co|company|plc|ltd|limited|llc|ag|se|sa|nv|n\.v|s\.a|"
    r"holdings?|group)\.?)+$|\.com$",
    re.IGNORECASE,
)


def search_name(name: str) -> str:
    """The name people write in the news: 'Amazon.com, Inc.' -> 'Amazon', 'Shell plc' -> 'Shell'."""
    short = name.strip()
    while True:
        trimmed = _LEGAL_SUFFIX.sub("", short).strip(" ,")
        if trimmed == short or not trimmed:
            return short
        short = trimmed


def _watched_companies(db: sqlite_utils.Database) -> list[str]:
    directory = CompanyDirectory.default()
    names = []
    for ticker, extra in sorted(subscriptions.watched(db).items()):
        company = directory.get(ticker, tuple(extra))
        names.append(search_name(company.name) if company else (extra[0] if extra else ticker))
    return list(dict.fromkeys(names))


def starter(db: sqlite_utils.Database, enable: list[str], everything: bool) -> list[str]:
    """List the starter feeds (and which are on), or switch on the named ones; returns lines to print."""
    entries = load_starter()
    known = {e.name: e for e in entries}
    if not enable and not everything:
        return _starter_listing(db, entries)
    unknown = [n for n in enable if n not in known]
    if unknown:
        raise FeedsCliError(
            f"no starter feed named {', '.join(unknown)}; the names are: {', '.join(known)}. "
            "Nothing was added."
        )
    chosen = entries if everything else [known[n] for n in dict.fromkeys(enable)]
    companies = _watched_companies(db)
    lines = []
    with db.atomic():
        for entry in chosen:
            urls = entry.urls(companies)
            if entry.per_company and not urls:
                lines.append(f"{entry.name}: watch a company first (riskwire watch add TICKER --to ...)")
                continue
            added = sum(feed_store.add(db, u, _stamp(), title=entry.title, added_by="starter") for u in urls)
            lines.append(f"{entry.name}: {added} feed(s) added, {len(urls) - added} already on the list")
    return lines


def _starter_listing(db: sqlite_utils.Database, entries: list[StarterFeed]) -> list[str]:
    on = {r["url"] for r in feed_store.all_feeds(db)}
    companies = _watched_companies(db)
    lines = ["Starter feeds (off until you switch them on: riskwire feeds starter --enable NAME, or --all):"]
    for e in entries:
        urls = e.urls(companies) if e.per_company else [e.url]
        if e.per_company:
            state = f"on for {sum(u in on for u in urls)} of {len(urls)} watched companies"
        else:
            state = "on" if e.url in on else "off"
        lines.append(f"  {e.name:<22} [{state}] {e.title}\n      {e.about}")
    return lines


def import_opml(
    db: sqlite_utils.Database, path: str, refusals: Callable[[list[str]], dict[str, str]] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Add every feed of an OPML file; returns lines to print and the feeds refused, with why.

    Nothing is added from a bad file. With `refusals` (a check that maps each feed that does not work
    to why), the feeds not yet on the list are checked first: those that fail are reported, the others
    added.
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise FeedsCliError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        result = parse_opml(data)
    except OpmlError as exc:
        raise FeedsCliError(f"{path}: {exc}") from None
    new = [f.url for f in result.feeds if feed_store.get(db, f.url) is None]
    refused = refusals(new) if refusals and new else {}
    added = 0
    with db.atomic():
        for feed in result.feeds:
            if feed.url not in refused:
                added += feed_store.add(db, feed.url, _stamp(), title=feed.title or None, added_by="opml")
    kept = len(result.feeds) - len(refused) - added
    lines = [f"{added} feed(s) added, {kept} already on the list, from {path}"]
    lines += [f"skipped {url}: {why}" for url, why in result.skipped]
    return lines, refused


def resume(db: sqlite_utils.Database, urls: list[str]) -> list[str]:
    """Unpause feeds now (they are polled at the service's next tick)."""
    lines = []
    for url in urls:
        if feed_store.get(db, url) is None:
            lines.append(f"{url} is not on the feed list")
            continue
        was_paused = feed_store.resume(db, url)
        feed_store.poll_soon(db, url)
        lines.append(f"Resumed {url}" if was_paused else f"{url} was not paused; it is polled next")
    return lines
