"""Sanctions lists as people use them: import a team's own list, see what is loaded, update the
official lists from their publishers, and recheck recent alerts when a list changes."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import aiohttp
import sqlite_utils

from bot.core.settings import Settings
from bot.pipeline.alerts import Alert
from bot.pipeline.parties import load_index, own_names, raised, story_text
from bot.pipeline.process import UNPOSTED
from bot.rendering.parties import RAISED_NOTE, party_text
from rules.sanctions.formats import parse_official
from rules.sanctions.models import ListFileError, LoadedList, PartyMatch
from rules.sanctions.screen import SanctionsIndex
from rules.sanctions.sources import OFFICIAL
from rules.sanctions.teamlist import parse_team_list
from storage import alerts as alert_store
from storage import deliveries
from storage import reports as report_store
from storage import sanctions as store
from storage.db import exists as database_exists
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
    if not database_exists(db_path):
        return SanctionsIndex([])
    db = open_db(db_path)
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


# --- updates from the publishers -------------------------------------------------------------------


@dataclass
class UpdateResult:
    """What an update did: entries per list loaded, lists whose file had not changed, and why each
    failing list could not be loaded (its earlier load, if any, stays as it was)."""

    loaded: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.loaded)


async def _download(
    session: aiohttp.ClientSession, url: str, timeout: float, limit: int
) -> tuple[bytes, datetime | None]:
    """The file at `url` and its Last-Modified time; SanctionsError when it cannot be had."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            if response.status != 200:
                raise SanctionsError(f"HTTP {response.status}")
            body = await response.content.read(limit + 1)
            if len(body) > limit:
                raise SanctionsError(f"larger than {limit // 2**20} MB")
            modified = response.headers.get("Last-Modified")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SanctionsError(f"download failed: {type(exc).__name__}: {exc}".rstrip(": ")) from None
    when = None
    if modified:
        with contextlib.suppress(TypeError, ValueError):
            when = parsedate_to_datetime(modified)
    return body, when


def unknown_lists(names: Sequence[str]) -> list[str]:
    """The names in `names` that are no official list."""
    return [n for n in names if n not in OFFICIAL]


async def update_lists(
    db: sqlite_utils.Database, settings: Settings, names: Sequence[str] = (), now: str | None = None
) -> UpdateResult:
    """Download the official lists (`names`, or all of them) from their configured URLs, parse each
    from its format and store it, replacing its earlier load. A list that fails to download or parse
    is reported and left as it was; the others are loaded all the same."""
    result = UpdateResult()
    wanted = list(names) or list(OFFICIAL)
    headers = {"User-Agent": settings.user_agent}
    async with aiohttp.ClientSession(headers=headers) as session:
        for list_id in wanted:
            url = settings.sanctions_url(list_id)
            try:
                body, modified = await _download(session, url, settings.sanctions_timeout, MAX_LIST_BYTES)
                checksum = hashlib.sha256(body).hexdigest()
                if checksum == store.sha256_of(db, list_id):
                    result.unchanged.append(list_id)
                    continue
                loaded = parse_official(OFFICIAL[list_id].format, body, list_id, modified)
            except (SanctionsError, ListFileError) as exc:
                result.failures[list_id] = str(exc)
                continue
            result.loaded[list_id] = store.replace_list(
                db,
                name=list_id,
                source="official",
                origin=url,
                published=loaded.published,
                loaded=now or _now(),
                entries=(e.to_row() for e in loaded.entries),
                sha256=checksum,
            )
    return result


# --- rechecking recent alerts ----------------------------------------------------------------------

RECHECK_DAYS = 90


@dataclass
class RecheckReport:
    """What a recheck did: alerts looked at, alerts that now name a newly listed party, follow-ups
    queued (one per target the alert was posted to)."""

    checked: int = 0
    newly_listed: list[str] = field(default_factory=list)
    queued: int = 0


def _stored_alert(row: dict[str, Any]) -> Alert:
    return Alert.from_row(alert_store.decode(row))


def _follow_up_title(alert: Alert, new: Sequence[PartyMatch]) -> str:
    shown = "; ".join(party_text(p) for p in new)
    return f"Now on a sanctions list: {shown}" + ("" if all(p.subject for p in new) else f" ({RAISED_NOTE})")


def recheck_alerts(
    db: sqlite_utils.Database, now: datetime | None = None, days: int = RECHECK_DAYS
) -> RecheckReport:
    """Check the alerts of the last `days` against the lists as loaded now. An alert whose story names
    a party that became listed since gets its parties (and severity) updated, and the first time that
    happens a follow-up is queued in its thread in every target it was posted to: once per alert,
    however often the recheck runs (a party listed later still shows on the alert in history,
    export and digests)."""
    moment = now or datetime.now(UTC)
    stamp = moment.isoformat(timespec="seconds")
    report = RecheckReport()
    index = load_index(db)
    if not index:
        return report
    since = (moment - timedelta(days=days)).isoformat(timespec="seconds")
    for row in store.alerts_since(db, since):
        report.checked += 1
        alert = _stored_alert(row)
        text = story_text(
            alert.title, row.get("article_summary") or alert.summary, row.get("article_content") or ""
        )
        mentions = (e.text for e in alert.company_evidence)
        found = index.screen(text, own_names(alert.ticker, alert.company, mentions))
        known = {(p.list, p.listed_name) for p in alert.parties}
        new = [p for p in found if (p.list, p.listed_name) not in known]
        if not new:
            continue
        report.newly_listed.append(alert.id)
        report.queued += _follow_up(db, alert, new, stamp)
    return report


def _follow_up(db: sqlite_utils.Database, alert: Alert, new: list[PartyMatch], stamp: str) -> int:
    """Store the newly listed parties on the alert and queue the follow-up under it; returns the
    number of targets it was queued for."""
    parties = (*alert.parties, *new)
    already = any(not p.subject for p in alert.parties)  # its severity went up once already
    severity = alert.severity if already else raised(alert.severity, parties)
    with db.atomic():
        store.set_parties(db, alert.id, [p.to_dict() for p in parties], severity)
        # filed under the alert's own article (a report no other outlet can make): the outbox sends
        # it once per target, and a later recheck finds it there and adds none
        report_id = report_store.add(
            db,
            alert_id=alert.id,
            article_id=alert.article_id,
            ticker=alert.ticker,
            source="Riskwire sanctions check",
            title=_follow_up_title(alert, new),
            summary="",
            link=next((p.link for p in new if p.link), "") or alert.link,
            published=None,
            similarity=0.0,
            created=stamp,
        )
        if report_id is None:
            return 0
        posted = {d["target"] for d in deliveries.for_alert(db, alert.id) if d["state"] not in UNPOSTED}
        return sum(report_store.enqueue_update(db, report_id, alert.id, t, stamp) for t in sorted(posted))


def recheck_lines(report: RecheckReport) -> list[str]:
    """What a recheck did, for the command line."""
    if not report.newly_listed:
        return [f"Rechecked {report.checked} alerts of the last {RECHECK_DAYS} days: no newly listed party"]
    return [
        f"Rechecked {report.checked} alerts of the last {RECHECK_DAYS} days: {len(report.newly_listed)} "
        f"name a newly listed party; {report.queued} follow-up(s) queued in their threads"
    ]
