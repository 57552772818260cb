"""Listed parties on alerts: the loaded sanctions lists as an index, and an alert checked against it.

The index is built once per change of the lists (storage.sanctions.version), so polling costs one
look-up of the lists' version per batch, and matching stays a dictionary look-up per name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from threading import Lock

import sqlite_utils

from bot.pipeline.alerts import Alert
from feeds.models import Article
from rules.directory import CompanyDirectory
from rules.models import SEVERITIES
from rules.sanctions.models import ListedEntry, PartyMatch
from rules.sanctions.screen import SanctionsIndex
from storage import sanctions as store
from storage.db import file_name

_cache: dict[str, tuple[object, SanctionsIndex]] = {}
_lock = Lock()


def _db_key(db: sqlite_utils.Database) -> str:
    name = file_name(db)
    return str(name if name is not None else id(db)) or str(id(db))


def load_index(db: sqlite_utils.Database) -> SanctionsIndex:
    """Every loaded list's entries as an index (built again only when a list was loaded since)."""
    version = store.version(db)
    key = _db_key(db)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == version:
            return cached[1]
    entries = (
        ListedEntry(
            list=row["list"],
            name=row["name"],
            aliases=tuple(row["aliases"]),
            programme=row.get("programme") or "",
            listed=row.get("listed"),
            link=row.get("link") or "",
            kind=row.get("kind") or "entity",
        )
        for row in store.entries(db)
    )
    index = SanctionsIndex(entries)
    with _lock:
        _cache[key] = (version, index)
    return index


def raised(severity: str, parties: tuple[PartyMatch, ...] | list[PartyMatch]) -> str:
    """The severity one step up when a listed counterparty (not the watched company) is named."""
    if not any(not p.subject for p in parties) or severity not in SEVERITIES:
        return severity
    return SEVERITIES[min(SEVERITIES.index(severity) + 1, len(SEVERITIES) - 1)]


def own_names(ticker: str, company: str, mentions: Iterable[str] = ()) -> list[str]:
    """The names of the watched company (never its counterparties): the directory's names for it,
    its display name and the words the story used for it."""
    known = CompanyDirectory.default().get(ticker)
    names = [*known.names, *known.ambiguous] if known else []
    return list(dict.fromkeys([company, *names, *mentions]))


def story_text(title: str, summary: str, content: str) -> str:
    """The text parties are looked for in: headline, lead and body."""
    return "\n\n".join(t for t in (title, summary, content) if t)


def screen_alert(alert: Alert, text: str, index: SanctionsIndex) -> Alert:
    """`alert` with the listed parties `text` names, and its severity one step up for a listed
    counterparty. Unchanged when no list is loaded or nobody listed is named."""
    if not index:
        return alert
    mentions = (e.text for e in alert.company_evidence)
    parties = tuple(index.screen(text, own_names(alert.ticker, alert.company, mentions)))
    if not parties:
        return alert
    return replace(alert, parties=parties, severity=raised(alert.severity, parties))


def screen_article_alert(alert: Alert, article: Article, index: SanctionsIndex) -> Alert:
    """`screen_alert` over an article's headline, summary and body."""
    if not index:
        return alert
    return screen_alert(alert, story_text(article.title, article.summary, article.content), index)
