"""`riskwire run` as people deploy it: a subprocess against a fake Slack, killed with -9 in the middle of
a burst of deliveries and restarted (every alert posted exactly once), stopped with SIGTERM while a
send is in flight (it finishes; nothing new starts), and its health and metrics endpoint."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from bot.delivery.targets import parse_target
from bot.usecases import service
from storage import feeds as feed_store
from storage.db import open_db
from tests.fakes.fake_slack import FakeSlack
from tests.feedkit import rss
from tests.servicekit import (
    COMPANIES,
    delivery_rows,
    risk_item,
    service_env,
    start_service,
    states,
    wait_for,
    write_config,
)

CHANNELS = ("slack:T1/C1", "slack:T1/C2")


def prepare(tmp_path: Path, tickers: list[str], channels: tuple[str, ...] = CHANNELS) -> Path:
    """A database with one local feed carrying a risky item per ticker, watched by each channel."""
    db_path = tmp_path / "service.db"
    feed = tmp_path / "burst.xml"
    feed.write_text(rss([risk_item(t) for t in tickers]), encoding="utf-8")
    db = open_db(db_path)
    feed_store.add(db, str(feed), "2026-01-01T00:00:00+00:00")
    for channel in channels:
        service.watch(db, service.Scope(parse_target(channel)), tickers)
    db.close()
    return db_path


@pytest.fixture
def slack_factory():  # type: ignore[no-untyped-def]
    started: list[FakeSlack] = []

    def make(**kwargs: object) -> FakeSlack:
        fake = FakeSlack(**kwargs).start()  # type: ignore[arg-type]
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(30)


def kill_restart_and_check(tmp_path: Path, slack: FakeSlack, tickers: list[str]) -> None:
    db = prepare(tmp_path, tickers)
    # a short lease: the restarted service takes over the killed one's channels after 3 s, not 30
    env = service_env(
        db,
        write_config(tmp_path / "riskwire.toml"),
        slack,
        RISKWIRE_LEASE_SECONDS="3",
        RISKWIRE_HEARTBEAT_SECONDS="0.5",
    )
    log = tmp_path / "service.log"
    first = start_service(env, log)
    try:
        assert slack.reached.wait(60), log.read_text()
    finally:
        first.kill()  # SIGKILL: no cleanup of any kind
        first.wait(30)
    slack.release()
    before = states(db)
    held = slack.held
    assert held is not None
    # the hard case happened: a post reached Slack but its delivery was never recorded as sent
    assert before.get("sending", 0) >= 1, before
    assert before.get("pending", 0) + before.get("retrying", 0) >= 1, before

    second = start_service(env, log)
    try:
        total = len(tickers) * len(CHANNELS)
        assert wait_for(lambda: states(db).get("sent", 0) == total, 90), (states(db), log.read_text())
    finally:
        assert stop(second) == 0, log.read_text()

    posts = slack.snapshot()
    posted = Counter((p.channel, p.payload.get("alert_id")) for p in posts)
    rows = delivery_rows(db)
    expected = {(parse_target(target).channel, alert_id) for alert_id, target, _, _ in rows}
    assert set(posted) == expected
    assert [key for key, n in posted.items() if n != 1] == []  # none doubled
    assert {state for _, _, state, _ in rows} == {"sent"}  # none lost
    refs = {(parse_target(t).channel, a): ref for a, t, _, ref in rows}
    assert refs[(held.channel, held.payload["alert_id"])] == held.ts  # recovered, not re-posted
    assert "conversations.history" in slack.calls


def test_kill_9_mid_burst_then_restart_posts_each_alert_exactly_once(tmp_path: Path, slack_factory) -> None:
    slack = slack_factory(delay=0.05, hold_at=7)
    kill_restart_and_check(tmp_path, slack, list(COMPANIES)[:12])


def test_kill_9_during_a_429_storm_posts_each_alert_exactly_once(tmp_path: Path, slack_factory) -> None:
    slack = slack_factory(delay=0.02, rate_limit_every=3, retry_after=1, hold_at=5)
    kill_restart_and_check(tmp_path, slack, list(COMPANIES)[:8])
    assert slack.rate_limited >= 4


def test_sigterm_lets_the_send_in_flight_finish_and_starts_no_more(tmp_path: Path, slack_factory) -> None:
    slack = slack_factory(hold_at=1)
    db = prepare(tmp_path, ["AMZN", "AAPL", "MSFT"], channels=("slack:T1/C1",))
    log = tmp_path / "service.log"
    proc = start_service(service_env(db, write_config(tmp_path / "riskwire.toml"), slack), log)
    try:
        assert slack.reached.wait(60), log.read_text()
        proc.send_signal(signal.SIGTERM)
        wait_for(lambda: False, 0.5)  # the service is now waiting for its one send in flight
        slack.release()
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert states(db) == {"sent": 1, "pending": 2}
    assert len(slack.snapshot()) == 1
    assert "Riskwire stopped." in log.read_text()


def test_health_and_metrics_endpoint_then_sigterm(tmp_path: Path, feed_server) -> None:
    url = feed_server.serve("/risk.xml", rss([risk_item("AMZN")]))
    db_path = tmp_path / "h.db"
    db = open_db(db_path)
    feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    db.close()
    config = write_config(tmp_path / "riskwire.toml", fake_slack=False)
    env = service_env(db_path, config, RISKWIRE_HEALTH_PORT="0", RISKWIRE_HEALTH_HOST="127.0.0.1")
    log = tmp_path / "service.log"
    proc = start_service(env, log)
    try:
        assert wait_for(lambda: "Health and metrics on" in log.read_text(), 60), log.read_text()
        port = int(re.search(r"127\.0\.0\.1:(\d+)/healthz", log.read_text()).group(1))  # type: ignore[union-attr]
        assert wait_for(lambda: states(db_path).get("sent") == 1, 60), log.read_text()

        def get(path: str) -> tuple[int, str]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()

        status, body = get("/healthz")
        health = json.loads(body)
        assert status == 200 and health["ok"] and health["deliveries"] == {"sent": 1}
        assert health["worker"].split(":")[1] == str(proc.pid) and health["holds"] == []
        assert health["feeds"]["ok"] == 1
        status, text = get("/metrics")
        assert status == 200
        assert re.search(r'riskwire_polls_total\{outcome="ok"\} 1\.0', text)
        assert re.search(r"riskwire_alerts_total 1\.0", text)
        assert re.search(r'riskwire_deliveries\{kind="alert",state="sent"\} 1\.0', text)
        assert re.search(r'riskwire_sends_total\{kind="alert",outcome="sent"\} 1\.0', text)
        assert "riskwire_fetch_to_post_seconds_count 1.0" in text
        assert stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "AMZN" in log.read_text() and "Riskwire stopped." in log.read_text()
