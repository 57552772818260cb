"""Alerts: one row per (article, ticker), with topics and evidence stored as JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

JSON_COLUMNS = ("topics", "evidence", "company_evidence", "parties")
OPTIONAL_JSON = ("parties",)  # left to its default (NULL, read as []) when a row does not give it


EVIDENCE_COLUMNS = ("evidence", "company_evidence")
EVIDENCE_KEYS = ("rule", "text", "sentence", "field", "topic")


def _pack(item: Any, title: str, summary: str = "", previous: str | None = None) -> Any:
    """An evidence item without what `_unpack` can restore: empty values, field 'body', a topic its rule
    id names, the rule 'company.name', the sentence of a headline hit (it is the headline), a sentence
    the summary quotes (kept as its place in the summary), and a sentence the item before had too.
    Stored evidence is most of an alert's size."""
    if not isinstance(item, dict):
        return item
    out = {k: v for k, v in item.items() if v is not None}
    if out.get("field") == "body":
        del out["field"]
    rule = str(out.get("rule") or "")
    if out.get("topic") and rule.startswith(f"{out['topic']}."):
        del out["topic"]  # 'sanctions.breach' names its topic
    if rule == "company.name":
        del out["rule"]
    sentence = out.get("sentence")
    if not sentence:
        return out
    if out.get("field") == "title" and title and sentence == title:
        del out["sentence"]
    elif sentence == previous:
        del out["sentence"]
        out["same"] = 1
    elif summary and len(sentence) > 24 and sentence in summary:
        del out["sentence"]
        out["at"] = [summary.index(sentence), len(sentence)]
    return out


def _unpack(item: Any, title: str, summary: str = "", previous: str = "") -> Any:
    if not isinstance(item, dict):
        return item
    out = {"rule": "", "text": "", "sentence": "", "field": "body", "topic": None, **item}
    if "rule" not in item:
        out["rule"] = "company.name"  # only a company mention's rule is ever left out
    if out["topic"] is None and "." in out["rule"] and not out["rule"].startswith("company."):
        out["topic"] = out["rule"].split(".", 1)[0]
    if "sentence" not in item:
        at = out.pop("at", None)
        if out.pop("same", None):
            out["sentence"] = previous
        elif isinstance(at, list) and len(at) == 2:
            out["sentence"] = summary[at[0] : at[0] + at[1]]
        elif out["field"] == "title":
            out["sentence"] = title
    return out


def _pack_all(items: list[Any], title: str, summary: str) -> list[Any]:
    packed, previous = [], None
    for item in items:
        packed.append(_pack(item, title, summary, previous))
        previous = item.get("sentence") if isinstance(item, dict) else None
    return packed


def _unpack_all(items: list[Any], title: str, summary: str) -> list[Any]:
    out: list[Any] = []
    previous = ""
    for item in items:
        full = _unpack(item, title, summary, previous)
        previous = full.get("sentence", "") if isinstance(full, dict) else ""
        out.append(full)
    return out


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """A stored alert row with its JSON columns decoded (evidence items complete) and flags as booleans."""
    out = dict(row)
    out.pop("rowid", None)  # PostgreSQL's stand-in for SQLite's rowid: not part of the alert
    for col in JSON_COLUMNS:
        value = out.get(col)
        out[col] = json.loads(value) if isinstance(value, str) and value else []
    title, summary = out.get("title") or "", out.get("summary") or ""
    for col in EVIDENCE_COLUMNS:
        out[col] = _unpack_all(out[col], title, summary)
    out["denied"] = bool(out.get("denied"))
    return out


def terms_text(evidence: Any) -> str | None:
    """An alert's distinct evidence terms as one searchable text (None when there are none)."""
    items = json.loads(evidence) if isinstance(evidence, str) and evidence else evidence or []
    terms = dict.fromkeys(str(e.get("text")) for e in items if isinstance(e, dict) and e.get("text"))
    return " ".join(terms) or None


def encode(alert: dict[str, Any]) -> dict[str, Any]:
    """A row to store: JSON columns encoded, flags as integers, `terms` filled from the evidence."""
    row = dict(alert)
    row["terms"] = terms_text(row.get("evidence"))
    title, summary = row.get("title") or "", row.get("summary") or ""
    for col in EVIDENCE_COLUMNS:
        if isinstance(row.get(col), list):
            row[col] = _pack_all(row[col], title, summary)
    for col in JSON_COLUMNS:
        if col in OPTIONAL_JSON and col not in row:
            continue
        if not isinstance(row.get(col), str):
            # compact separators: evidence is most of a stored alert, and there are millions of them
            row[col] = json.dumps(row.get(col) or [], ensure_ascii=False, separators=(",", ":"))
    row["denied"] = int(bool(row.get("denied")))
    return row


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _utc(stamp: str | None) -> datetime | None:
    """An ISO 8601 stamp as an aware UTC time (a stamp without a zone is UTC); None when unreadable."""
    if not stamp or not _ISO_DATE.match(stamp):
        return None
    try:
        when = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def happened(published: str | None, fetched: str) -> str:
    """When an alert's story happened, as the UTC ISO stamp (whole seconds) every window counts by:
    its publication time, or the fetch time when the feed gave no date, or a date after the fetch.

    Stored alerts have it as the column `happened`, generated by SQLite from `published` and
    `created` with the same rule (migration 0060; tests/storage/test_happened.py holds the two to
    it); this is the rule for an alert not stored yet, and for stored articles."""
    fetched_at = _utc(fetched)
    if fetched_at is None:
        return fetched
    published_at = _utc(published)
    if published_at is None or published_at > fetched_at:
        published_at = fetched_at
    return published_at.isoformat(timespec="seconds")


def exists(db: sqlite_utils.Database, alert_id: str) -> bool:
    return bool(db.execute("select 1 from alerts where id = ?", [alert_id]).fetchone())


def insert_alert(db: sqlite_utils.Database, alert: dict[str, Any]) -> bool:
    """Store an alert; returns False when an alert with that id already exists (nothing changes).
    One statement, so two workers storing one alert at once store it once."""
    row = encode(alert)
    columns = ", ".join(f'"{c}"' for c in row)  # quoted the standard way (SQLite and PostgreSQL)
    cursor = db.execute(
        f"insert into alerts ({columns}) values ({', '.join('?' * len(row))}) on conflict (id) do nothing",
        list(row.values()),
    )
    return cursor.rowcount > 0


def get_alert(db: sqlite_utils.Database, alert_id: str) -> dict[str, Any] | None:
    rows = list(db.table("alerts").rows_where("id = ?", [alert_id]))
    return decode(rows[0]) if rows else None


def around(
    db: sqlite_utils.Database, ticker: str, start: str, end: str, limit: int = 300
) -> list[dict[str, Any]]:
    """The ticker's alerts that happened in [start, end], newest first (at most `limit`)."""
    cursor = db.execute(
        "select * from alerts where ticker = ? and happened between ? and ? "
        "order by happened desc, id limit ?",
        [ticker.upper(), start, end, limit],
    )
    cols = [c[0] for c in cursor.description]
    return [decode(dict(zip(cols, r, strict=True))) for r in cursor.fetchall()]


def outcomes(db: sqlite_utils.Database, article_ids: Sequence[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(article id, ticker) -> `topics`, `severity` and `posted` (queued to at least one target, not
    skipped) of the alerts on these articles."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    ids = list(article_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        cursor = db.execute(
            "select a.article_id, a.ticker, a.topics, a.severity, exists (select 1 from deliveries d "
            "where d.alert_id = a.id and d.state != 'skipped') from alerts a "
            f"where a.article_id in ({','.join('?' * len(chunk))})",
            chunk,
        )
        for article_id, ticker, topics, severity, posted in cursor.fetchall():
            out[(article_id, ticker)] = {
                "topics": tuple(json.loads(topics or "[]")),
                "severity": severity,
                "posted": bool(posted),
            }
    return out


def set_summary(db: sqlite_utils.Database, alert_id: str, summary: str) -> bool:
    """Replace an alert's summary, re-storing its evidence (which may quote the old summary)."""
    stored = get_alert(db, alert_id)
    if stored is None:
        return False
    stored["summary"] = summary
    packed = encode(
        {
            "title": stored["title"],
            "summary": summary,
            "evidence": stored["evidence"],
            "company_evidence": stored["company_evidence"],
        }
    )
    db.execute(
        "update alerts set summary = ?, evidence = ?, company_evidence = ? where id = ?",
        [summary, packed["evidence"], packed["company_evidence"], alert_id],
    )
    return True
