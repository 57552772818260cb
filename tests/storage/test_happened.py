"""One "happened" time per alert: publication time, clamped to the fetch time. SQLite generates the
column from the stored times (alerts stored before the column existed have it at once) by the same
rule as storage.alerts.happened, and indexes it for the windows that read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ops.retention import prune
from bot.pipeline.alerts import Alert, alert_id
from bot.usecases import service
from storage import alerts as alert_store
from storage import deliveries
from storage.db import migrate, open_db
from tests.clock import ago


def _alert(n: int, published: str | None, created: str) -> Alert:
    return Alert(
        id=alert_id(f"art{n}", "AMZN"),
        article_id=f"art{n}",
        ticker="AMZN",
        company="Amazon.com, Inc.",
        topics=("sanctions",),
        severity="high",
        stage=None,
        denied=False,
        title=f"Amazon accused of breaching sanctions #{n}",
        link=f"https://news.example.com/{n}",
        source="Test Wire",
        published=published,
        summary="A former employee says the company breached sanctions.",
        created=created,
    )


@pytest.mark.parametrize(
    ("published", "fetched", "expected"),
    [
        ("2026-03-01T09:00:00+00:00", "2026-03-20T10:00:00+00:00", "2026-03-01T09:00:00+00:00"),
        ("2026-03-01T10:00:00+01:00", "2026-03-20T10:00:00+00:00", "2026-03-01T09:00:00+00:00"),
        ("2026-03-01T09:00:00", "2026-03-20T10:00:00+00:00", "2026-03-01T09:00:00+00:00"),
        ("2026-03-01T09:00:00.750Z", "2026-03-20T10:00:00+00:00", "2026-03-01T09:00:00+00:00"),
        (None, "2026-03-20T10:00:00+00:00", "2026-03-20T10:00:00+00:00"),
        ("not a date", "2026-03-20T10:00:00+00:00", "2026-03-20T10:00:00+00:00"),
        ("12345", "2026-03-20T10:00:00+00:00", "2026-03-20T10:00:00+00:00"),
        ("2026-03-20T20:00:00+00:00", "2026-03-20T10:00:00+00:00", "2026-03-20T10:00:00+00:00"),
    ],
    ids=[
        "published",
        "other-zone",
        "no-zone",
        "fraction-z",
        "undated",
        "unreadable",
        "a-number",
        "after-fetch",
    ],
)
def test_happened_is_publication_time_clamped_to_the_fetch_in_python_and_in_the_stored_column(
    db, published: str | None, fetched: str, expected: str
) -> None:
    alert = _alert(0, published, fetched)
    assert alert_store.happened(published, fetched) == alert.happened == expected
    db.table("articles").insert({"id": alert.article_id, "title": alert.title, "fetched": fetched})
    alert_store.insert_alert(db, alert.to_row())
    assert alert_store.get_alert(db, alert.id)["happened"] == expected  # type: ignore[index]


def test_alerts_stored_before_the_migration_have_happened_and_windows_use_it(
    new_location, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.db as storage_db

    before = [m for m in storage_db._migration_modules() if m < "0060"]
    monkeypatch.setattr(storage_db, "_migration_modules", lambda: before)
    db = open_db(new_location())
    fetched = ago(hours=1)
    stored = {
        "old news": _alert(1, ago(days=30), fetched),
        "this week": _alert(2, ago(days=2), fetched),
        "undated": _alert(3, None, fetched),
        "dated after the fetch": _alert(4, ago(hours=-12), fetched),
    }
    for alert in stored.values():
        db.table("articles").insert({"id": alert.article_id, "title": alert.title, "fetched": fetched})
        db.table("alerts").insert(alert_store.encode(alert.to_row()))
    monkeypatch.undo()

    assert migrate(db)[0] == "0060_happened"  # then any later ones

    got = {r["id"]: r["happened"] for r in db.table("alerts").rows}
    assert {name: got[a.id] for name, a in stored.items()} == {
        "old news": stored["old news"].published,
        "this week": stored["this week"].published,
        "undated": fetched,
        "dated after the fetch": fetched,
    }
    assert service.summary(db, None, "AMZN", 7).total == 3  # not the story published 30 days ago
    titles = [a.title for a in service.history(db, None, days=7)]  # the latest to happen first
    assert titles[-1] == stored["this week"].title
    assert set(titles[:2]) == {stored["undated"].title, stored["dated after the fetch"].title}
    indexes = {tuple(i.columns) for i in db.table("alerts").indexes}
    assert {("ticker", "happened"), ("happened",), ("story_id",)} <= indexes
    assert not {("ticker", "created"), ("created",)} & indexes


def test_retention_still_counts_from_the_fetch_time(db) -> None:
    old_story_fetched_lately = _alert(1, ago(days=400), ago(days=10))
    fetched_long_ago = _alert(2, ago(days=401), ago(days=400))
    for alert in (old_story_fetched_lately, fetched_long_ago):
        db.table("articles").insert({"id": alert.article_id, "title": alert.title, "fetched": alert.created})
        alert_store.insert_alert(db, alert.to_row())
        deliveries.enqueue(db, alert.id, "console", None, alert.created, "skipped")

    assert prune(db, 365, datetime.now(UTC)).alerts == 1
    assert [r["id"] for r in db.table("alerts").rows] == [old_story_fetched_lately.id]
