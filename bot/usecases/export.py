"""Audit export: every stored alert with what an auditor needs, as CSV or JSON Lines.

Each record holds the alert (ticker, company, topics, severity, stage, denial, headline, summary,
source and link, times), the rules that fired with their evidence (matched text, sentence, field),
the company evidence, every delivery (target, state, attempts, when queued and sent, last error)
and every review action (who, what, when, why), plus the current review state. Records are read in
batches, so an export of any size runs in constant memory.

In CSV, list and object fields are JSON text in their cell; `read_csv` turns them back, so CSV and
JSONL round-trip to the same records. Feed text in a CSV cell never becomes a spreadsheet formula: a
cell that Excel or LibreOffice would evaluate (starting with =, +, -, @, a tab or a carriage return)
is written with a leading single quote, which spreadsheets show as text and `read_csv` removes.
Discord webhook URLs hold a secret token and are written as `discord:webhook:(hidden)`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import sqlite_utils

from bot.delivery.targets import TargetError, parse_target
from storage import deliveries, reviews
from storage import history as hist

FIELDS = [
    "id",
    "created",
    "ticker",
    "company",
    "topics",
    "severity",
    "stage",
    "denied",
    "title",
    "link",
    "source",
    "published",
    "summary",
    "article_id",
    "story_id",
    "rules",
    "evidence",
    "company_evidence",
    "deliveries",
    "reviews",
    "review_state",
    "parties",
]
JSON_FIELDS = {"topics", "rules", "evidence", "company_evidence", "deliveries", "reviews", "parties"}
NULLABLE = {"stage", "published", "story_id", "review_state"}
BATCH = 500
# A cell a spreadsheet would run as a formula, also behind quotes that an earlier pass added: quoting
# those too keeps the mapping reversible, so `read_csv` gives back exactly what was written.
_FORMULA_CELL = re.compile(r"'*[=+\-@\t\r]")


def spreadsheet_safe(text: str) -> str:
    """`text` as a CSV cell no spreadsheet evaluates: a leading quote before a formula-like start."""
    return "'" + text if _FORMULA_CELL.match(text) else text


def from_spreadsheet_safe(text: str) -> str:
    """The text `spreadsheet_safe` was given."""
    return text[1:] if text.startswith("'") and _FORMULA_CELL.match(text[1:]) else text


def shown_target(key: str | None) -> str | None:
    """A target as it may be shown or exported: webhook tokens hidden."""
    if not key:
        return key
    try:
        return str(parse_target(key))
    except TargetError:
        return "(unreadable target)"


def _deliveries(db: sqlite_utils.Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    return {
        alert_id: [
            {
                "target": shown_target(d["target"]),
                "state": d["state"],
                "attempts": d["attempts"],
                "queued": d["created"],
                "sent": d["sent"],
                "last_error": d["last_error"],
                "message_ref": d["message_ref"],
            }
            for d in sent
        ]
        for alert_id, sent in deliveries.delivery_log(db, ids).items()
    }


def _record(row: dict[str, Any], sent: list[dict[str, Any]], log: list[dict[str, Any]]) -> dict[str, Any]:
    evidence = [
        {k: e.get(k) for k in ("rule", "topic", "text", "sentence", "field")}
        for e in row.get("evidence") or []
    ]
    actions = [
        {
            "target": shown_target(r.get("target")) or "*",
            "action": r["action"],
            "user": r.get("user"),
            "at": r["at"],
            "reason": r.get("reason"),
        }
        for r in log
    ]
    return {
        "id": row["id"],
        "created": row["created"],
        "ticker": row["ticker"],
        "company": row.get("company") or "",
        "topics": list(row.get("topics") or []),
        "severity": row.get("severity") or "",
        "stage": row.get("stage"),
        "denied": bool(row.get("denied")),
        "title": row.get("title") or "",
        "link": row.get("link") or "",
        "source": row.get("source") or "",
        "published": row.get("published"),
        "summary": row.get("summary") or "",
        "article_id": row.get("article_id") or "",
        "story_id": row.get("story_id"),
        "rules": list(dict.fromkeys(e["rule"] for e in evidence if e.get("rule"))),
        "evidence": evidence,
        "company_evidence": [
            {k: e.get(k) for k in ("rule", "text", "sentence", "field")}
            for e in row.get("company_evidence") or []
        ],
        "deliveries": sent,
        "reviews": actions,
        "review_state": actions[-1]["action"] if actions else None,
        "parties": [p for p in row.get("parties") or [] if isinstance(p, dict)],
    }


def export_records(db: sqlite_utils.Database, f: hist.AlertFilter) -> Iterator[dict[str, Any]]:
    """Every alert matching `f`, oldest first, as an audit record."""
    batch: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        ids = [r["id"] for r in batch]
        sent = _deliveries(db, ids)
        log = reviews.review_log(db, ids)
        for r in batch:
            yield _record(r, sent.get(r["id"], []), log.get(r["id"], []))
        batch.clear()

    for row in hist.iter_alerts(db, f, batch=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from flush()
    if batch:
        yield from flush()


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One JSON object per line; returns how many were written."""
    n = 0
    for r in records:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A header and one row per record (lists and objects as JSON text, formula-like text quoted, see
    `spreadsheet_safe`); returns how many rows."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for r in records:
        cells = {}
        for k in FIELDS:
            v = r.get(k)
            if k in JSON_FIELDS:
                cells[k] = json.dumps(v, ensure_ascii=False)
            elif isinstance(v, bool):
                cells[k] = "true" if v else "false"
            else:
                cells[k] = "" if v is None else spreadsheet_safe(str(v))
        writer.writerow(cells)
        n += 1
    return n


def read_csv(text: str) -> list[dict[str, Any]]:
    """Records back from `write_csv` output, with the same values the JSONL export holds."""
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        record: dict[str, Any] = {}
        for k in FIELDS:
            v = row.get(k, "")
            if k in JSON_FIELDS:
                record[k] = json.loads(v) if v else []
            elif k == "denied":
                record[k] = v == "true"
            elif k in NULLABLE and v == "":
                record[k] = None
            else:
                record[k] = from_spreadsheet_safe(v)
        out.append(record)
    return out
