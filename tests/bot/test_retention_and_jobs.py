"""Retention prunes only what is old and final; other modules' jobs run on the service's scheduler;
the new settings load from the environment and riskwire.toml."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.settings import Settings, SettingsError
from bot.ops.jobs import ServiceContext, register_job, registered_jobs, unregister_job
from bot.ops.retention import prune
from bot.ops.runner import run_service
from storage import deliveries, notices
from storage import reports as report_store

NOW = datetime(2026, 11, 25, tzinfo=UTC)
OLD = (NOW - timedelta(days=400)).isoformat()
RECENT = (NOW - timedelta(days=10)).isoformat()


def alert(db, alert_id: str, created: str, state: str = "sent") -> None:  # type: ignore[no-untyped-def]
    db["articles"].insert({"id": f"art-{alert_id}", "title": "t", "fetched": created})
    db["alerts"].insert(
        {"id": alert_id, "article_id": f"art-{alert_id}", "ticker": "AMZN", "created": created}
    )
    deliveries.enqueue(db, alert_id, "console", None, created, state)


def test_prune_forgets_old_final_rows_and_keeps_the_rest(db) -> None:
    alert(db, "old-sent", OLD)
    alert(db, "old-pending", OLD, "pending")  # still on its way out: kept
    alert(db, "recent", RECENT)
    db["articles"].insert({"id": "copy", "title": "t", "fetched": OLD})
    report_id = report_store.add(
        db,
        alert_id="old-sent",
        article_id="copy",
        ticker="AMZN",
        source="s",
        title="t",
        summary="",
        link="l",
        published=None,
        similarity=0.5,
        created=OLD,
    )
    assert report_id is not None
    report_store.enqueue_update(db, report_id, "old-sent", "console", OLD, "sent")
    db["articles"].insert({"id": "no-alert-old", "title": "t", "fetched": OLD})
    db["articles"].insert({"id": "no-alert-new", "title": "t", "fetched": RECENT})
    notices.add(db, "console", "feed_paused", "u", "x", OLD)
    db.execute("update notices set state = 'sent'")

    done = prune(db, 365, NOW)
    assert done.alerts == 1 and done.articles == 3 and done.notices == 1
    assert {r["id"] for r in db["alerts"].rows} == {"old-pending", "recent"}
    assert {r["id"] for r in db["articles"].rows} == {"art-old-pending", "art-recent", "no-alert-new"}
    assert db["reports"].count == 0 and db["report_deliveries"].count == 0
    assert prune(db, 0, NOW).alerts == 0  # 0 keeps everything


def test_prune_keeps_what_a_table_it_does_not_know_still_refers_to(db, caplog) -> None:  # type: ignore[no-untyped-def]
    for name in ("old-free", "old-pinned"):
        alert(db, name, OLD)
    db["articles"].insert({"id": "old-cited", "title": "t", "fetched": OLD})
    db.execute(
        "create table pins (alert_id text references alerts(id), article_id text references articles(id))"
    )
    db.execute("insert into pins values ('old-pinned', 'old-cited')")

    done = prune(db, 365, NOW)
    assert done.alerts == 1 and done.kept == 1  # the batch failed, then one by one
    assert {r["id"] for r in db["alerts"].rows} == {"old-pinned"}
    assert done.articles == 0 and "old articles kept" in caplog.text  # one delete for all articles
    assert db["articles"].count == 3


async def test_a_registered_job_runs_on_the_service_scheduler(tmp_path: Path) -> None:
    seen: list[ServiceContext] = []
    stop = asyncio.Event()

    async def job(ctx: ServiceContext) -> None:
        seen.append(ctx)
        ctx.kick_delivery()
        stop.set()

    register_job("test-digest", job, "interval", hours=1, next_run_time=datetime.now(UTC))
    try:
        assert [j.id for j in registered_jobs()][-1] == "test-digest"
        code = await asyncio.wait_for(run_service(Settings(db_path=str(tmp_path / "j.db")), stop), 30)
    finally:
        unregister_job("test-digest")
    assert code == 0 and len(seen) == 1 and "console" in seen[0].notifiers
    with pytest.raises(ValueError):
        register_job("poll", job)
    with pytest.raises(ValueError, match="async"):
        register_job("sync-job", lambda ctx: None)  # type: ignore[arg-type,return-value]


def test_service_settings_from_environment_and_file(tmp_path: Path) -> None:
    config = tmp_path / "riskwire.toml"
    config.write_text(
        "health_port = 9102\nretention_days = 30\nfeed_failure_limit = 4\nhost_gap = 0.5\n"
        'poll_concurrency = 8\nstory_hours = 48\nfrontends = ["mod:factory"]\n',
        encoding="utf-8",
    )
    s = Settings.load({"RISKWIRE_HEALTH_PORT": "9200", "RISKWIRE_FEED_FAILURE_LIMIT": "7"}, config)
    assert (s.health_port, s.retention_days, s.feed_failure_limit, s.host_gap) == (9200, 30, 7, 0.5)
    assert (s.poll_concurrency, s.story_hours, s.frontends) == (8, 48, ("mod:factory",))
    with pytest.raises(SettingsError, match="RISKWIRE_HEALTH_PORT"):
        Settings.load({"RISKWIRE_HEALTH_PORT": "http"}, config)
    config.write_text('frontends = "nope"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="module:factory"):
        Settings.load({}, config)


def test_the_digest_job_is_registered_for_the_service() -> None:
    from bot.ops.jobs import JOB_MODULES, load_job_modules

    load_job_modules(JOB_MODULES)
    (spec,) = [j for j in registered_jobs() if j.id == "digest"]
    assert spec.trigger == "interval" and spec.trigger_args == {"minutes": 1}
