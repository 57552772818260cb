"""The leases several workers share the work through (storage.cluster), on a real database file with
one connection per worker: each claim has exactly one winner, a lease left by a dead worker runs out
and is taken over, and a send is claimed only under the channel lease's current token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from feeds.models import Article
from storage import alerts as alert_store
from storage import articles as article_store
from storage import cluster, deliveries
from storage import feeds as feed_store
from storage.db import open_db

A, B = "host:1:aaaa", "host:2:bbbb"


def now() -> datetime:
    return datetime.now(UTC)


def alert_row(article: Article) -> dict[str, object]:
    return {
        "id": "alert-1",
        "article_id": article.id,
        "ticker": "AMZN",
        "company": "Amazon",
        "topics": ["sanctions"],
        "severity": "high",
        "title": article.title,
        "link": article.link,
        "created": "2026-01-01T00:00:00+00:00",
    }


ARTICLE = Article(id="art-1", link="https://news.example.com/1", title="T", summary="S")


def two(db_path: Path) -> tuple[sqlite_utils.Database, sqlite_utils.Database]:
    return open_db(db_path), open_db(db_path)


def test_a_due_feed_is_claimed_by_one_worker_until_it_is_released_or_its_lease_runs_out(
    db_path: Path,
) -> None:
    a, b = two(db_path)
    for n in range(3):
        feed_store.add(a, f"https://example.com/{n}.xml", "2026-01-01T00:00:00+00:00")
    at = now()
    due = at.isoformat(timespec="seconds")
    mine = cluster.claim_feeds(a, A, due, at, at + timedelta(seconds=30), limit=2)
    theirs = cluster.claim_feeds(b, B, due, at, at + timedelta(seconds=30), limit=5)
    assert len(mine) == 2 and len(theirs) == 1
    assert {r["url"] for r in mine}.isdisjoint(r["url"] for r in theirs)
    assert cluster.claim_feeds(b, B, due, at, at + timedelta(seconds=30)) == []
    assert cluster.release_feed(a, mine[0]["url"], A) and not cluster.release_feed(b, mine[1]["url"], B)
    assert [r["url"] for r in cluster.claim_feeds(b, B, due, at, at)] == [mine[0]["url"]]
    later = at + timedelta(seconds=31)  # A died: its lease on the other feed ran out (and B's too)
    claimed = {r["url"] for r in cluster.claim_feeds(b, B, later.isoformat(), later, later)}
    assert claimed == {f"https://example.com/{n}.xml" for n in range(3)}


def test_one_request_per_host_across_workers_and_the_gap_after_it(db_path: Path) -> None:
    a, b = two(db_path)
    at = now()
    assert cluster.claim_host(a, "example.com", A, at, at + timedelta(seconds=30))
    assert not cluster.claim_host(b, "example.com", B, at, at + timedelta(seconds=30))
    cluster.release_host(a, "example.com", A, at + timedelta(seconds=2))
    assert not cluster.claim_host(b, "example.com", B, at + timedelta(seconds=1), at + timedelta(seconds=30))
    assert cluster.host_free_at(b, "example.com", at) == cluster.stamp(at + timedelta(seconds=2))
    assert cluster.claim_host(b, "example.com", B, at + timedelta(seconds=2), at + timedelta(seconds=30))


def test_a_channel_has_one_owner_and_a_send_is_claimed_only_under_its_current_token(db_path: Path) -> None:
    a, b = two(db_path)
    article_store.save_articles(a, [ARTICLE], "2026-01-01T00:00:00+00:00")
    alert_store.insert_alert(a, alert_row(ARTICLE))
    deliveries.enqueue(a, "alert-1", "slack:T1/C1", None, "2026-01-01T00:00:00+00:00")
    at = now()
    token = cluster.take_channel(a, "slack:T1/C1", A, at, at + timedelta(seconds=30))
    assert token is not None
    assert cluster.take_channel(b, "slack:T1/C1", B, at, at + timedelta(seconds=30)) is None
    # A is paused past its lease; B takes the channel over with a new token
    later = at + timedelta(seconds=31)
    newer = cluster.take_channel(b, "slack:T1/C1", B, later, later + timedelta(seconds=30))
    assert newer == token + 1
    stale = (A, token, cluster.stamp(later))
    assert not deliveries.claim(a, 1, f"{A}:x", later.isoformat(), fence=stale)  # A resumes: refused
    assert deliveries.claim(b, 1, f"{B}:y", later.isoformat(), fence=(B, newer, cluster.stamp(later)))
    # a rate limit holds the channel for every worker
    cluster.cool_channel(b, "slack:T1/C1", later + timedelta(seconds=60))
    assert cluster.release_channel(b, "slack:T1/C1", B, newer)
    assert cluster.take_channel(a, "slack:T1/C1", A, later, later + timedelta(seconds=30)) is None
    assert "slack:T1/C1" in cluster.busy_channels(a, A, later)


def test_heartbeats_renew_what_a_worker_holds_and_leaving_frees_it(db_path: Path) -> None:
    a, b = two(db_path)
    at = now()
    cluster.join(a, A, "host", 1, at)
    cluster.join(b, B, "host", 2, at)
    assert cluster.take_lease(a, "gateway", A, at, at + timedelta(seconds=3)) == 1
    assert cluster.take_lease(b, "gateway", B, at, at + timedelta(seconds=3)) is None
    held = cluster.heartbeat(a, A, at + timedelta(seconds=2), at + timedelta(seconds=5))
    assert held["leases"] == {"gateway"}
    assert cluster.take_lease(b, "gateway", B, at + timedelta(seconds=4), at + timedelta(seconds=7)) is None
    assert cluster.live_workers(b, at) == {A, B}
    assert cluster.live_workers(b, at + timedelta(milliseconds=1)) == {A}  # B's heartbeat is older
    cluster.leave(a, A)
    assert cluster.lease_holder(b, "gateway", at) is None
    assert cluster.take_lease(b, "gateway", B, at, at + timedelta(seconds=3)) == 2


def test_a_job_runs_once_per_period(db_path: Path) -> None:
    a, b = two(db_path)
    at = now()
    assert cluster.claim_job_run(a, "digest", "p1", A, at)
    assert not cluster.claim_job_run(b, "digest", "p1", B, at)
    assert cluster.claim_job_run(b, "digest", "p2", B, at)
    assert [r["worker"] for r in cluster.job_runs(a, "digest")] == [A, B]


def test_the_insert_decides_who_stores_an_article_and_an_alert(db_path: Path) -> None:
    a, b = two(db_path)
    article = ARTICLE
    assert article_store.save_articles(a, [article], "2026-01-01T00:00:00+00:00") == {"art-1"}
    assert article_store.save_articles(b, [article], "2026-01-01T00:00:00+00:00") == set()
    row = alert_row(article)
    assert alert_store.insert_alert(a, dict(row))
    assert not alert_store.insert_alert(b, dict(row))
    assert a.execute("select count(*) from alerts").fetchone() == (1,)
    assert feed_store.add(a, "https://example.com/x.xml", "2026-01-01T00:00:00+00:00")
    assert not feed_store.add(b, "https://example.com/x.xml", "2026-01-01T00:00:00+00:00")
