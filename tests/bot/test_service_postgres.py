"""`riskwire run` on a PostgreSQL database: it polls, posts, reports health, lets a second worker join
on the same database, never shows the URL's password, and stops cleanly on SIGTERM."""

from __future__ import annotations

import http.client
import json
import re
import signal
from pathlib import Path

from bot.delivery.targets import parse_target
from bot.usecases import service
from storage import deliveries
from storage import feeds as feed_store
from storage.db import open_db
from tests.fakes.feed_server import FeedServer
from tests.feedkit import rss
from tests.servicekit import risk_item, service_env, start_service, wait_for, write_config


def _sent(url: str) -> int:
    db = open_db(url)
    try:
        return deliveries.counts_by_state(db).get("sent", 0)
    finally:
        db.close()


def test_the_service_runs_on_postgresql(tmp_path: Path, feed_server: FeedServer, pg_url: str) -> None:
    # trust authentication takes any password: this one must never be shown
    url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:not-shown-anywhere@")
    feed = feed_server.serve("/risk.xml", rss([risk_item("AMZN")]))
    db = open_db(url)
    feed_store.add(db, feed, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    db.close()
    config = write_config(tmp_path / "riskwire.toml", fake_slack=False)
    env = service_env(url, config, RISKWIRE_HEALTH_PORT="0", RISKWIRE_HEALTH_HOST="127.0.0.1")
    log = tmp_path / "service.log"
    proc = start_service(env, log)
    try:
        assert wait_for(lambda: "Health and metrics on" in log.read_text(), 60), log.read_text()
        assert wait_for(lambda: _sent(url) == 1, 60), log.read_text()
        port = int(re.search(r"127\.0\.0\.1:(\d+)/healthz", log.read_text()).group(1))  # type: ignore[union-attr]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        health = json.loads(response.read())
        assert response.status == 200 and health["ok"] and health["deliveries"] == {"sent": 1}

        # a second worker joins (without a health port of its own): the two share the database
        second_log = tmp_path / "second.log"
        second = start_service({**env, "RISKWIRE_HEALTH_PORT": ""}, second_log)
        try:
            assert wait_for(lambda: "Riskwire running" in second_log.read_text(), 60), second_log.read_text()
            assert _sent(url) == 1  # nothing posted twice
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0, second_log.read_text()
        finally:
            if second.poll() is None:
                second.kill()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert "AMZN" in text and "Riskwire stopped." in text
    assert "postgresql://postgres:***@" in text and "postgresql://postgres:***@" in second_log.read_text()
    assert "not-shown-anywhere" not in text + second_log.read_text()
