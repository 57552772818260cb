"""`riskwire run` with only SLACK_BOT_TOKEN: no Socket Mode, no HTTP mode, yet Slack alerts are posted
(posting needs only the bot token), and the start says what is on and what is missing for the rest."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.delivery.notifiers import posting_notifiers
from bot.delivery.targets import parse_target
from bot.ops.frontends import startup_lines
from bot.usecases import service
from storage import feeds as feed_store
from storage.db import open_db
from tests.fakes.fake_slack import FakeSlack
from tests.feedkit import rss
from tests.servicekit import risk_item, service_env, start_service, states, wait_for, write_config


def test_run_with_only_a_bot_token_posts_slack_alerts_and_says_what_is_off(tmp_path: Path) -> None:
    slack = FakeSlack().start()
    try:
        db_path = tmp_path / "run.db"
        feed = tmp_path / "risk.xml"
        feed.write_text(rss([risk_item("AMZN")]), encoding="utf-8")
        db = open_db(db_path)
        feed_store.add(db, str(feed), "2026-01-01T00:00:00+00:00")
        service.watch(db, service.Scope(parse_target("slack:T1/C1")), ["AMZN"])
        db.close()
        config = write_config(tmp_path / "riskwire.toml", fake_slack=False)  # the real Slack notifier
        log = tmp_path / "service.log"
        proc = start_service(service_env(db_path, config, slack), log)
        try:
            assert wait_for(lambda: states(db_path).get("sent") == 1, 30), (states(db_path), log.read_text())
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
        (post,) = slack.snapshot()
        assert post.channel == "C1" and post.payload["delivery_id"] is not None
        assert "Amazon" in post.text
    finally:
        slack.stop()
    lines = log.read_text().splitlines()
    front = next(line for line in lines if line.startswith("Front-ends:"))
    posting = next(line for line in lines if line.startswith("Posting to:"))
    assert "Slack commands off" in front and "SLACK_APP_TOKEN" in front and "SLACK_SIGNING_SECRET" in front
    assert "Discord gateway off" in front and "DISCORD_TOKEN" in front
    assert "slack" in posting.split(";")[0] and "console" in posting.split(";")[0]
    assert "discord bot channels off (set DISCORD_TOKEN)" in posting


@pytest.mark.parametrize(
    ("env", "front", "posting"),
    [
        (
            {},
            "Slack commands off (set SLACK_BOT_TOKEN, and SLACK_APP_TOKEN for Socket Mode, or "
            "SLACK_SIGNING_SECRET and RISKWIRE_SLACK_PORT for HTTP mode); "
            "Discord gateway off (set DISCORD_TOKEN)",
            "console, discord webhooks; slack off (set SLACK_BOT_TOKEN); "
            "discord bot channels off (set DISCORD_TOKEN)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
            "Slack commands off (set SLACK_APP_TOKEN for Socket Mode, or RISKWIRE_SLACK_PORT for HTTP mode)",
            "console, slack, discord webhooks; discord bot channels off (set DISCORD_TOKEN)",
        ),
        (
            {"SLACK_APP_TOKEN": "xapp-1"},
            "Slack commands off (set SLACK_BOT_TOKEN)",
            "console, discord webhooks; slack off (set SLACK_BOT_TOKEN)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DISCORD_TOKEN": "d"},
            "Slack Socket Mode on; Discord gateway on",
            "console, slack, discord bot and webhooks",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "RISKWIRE_SLACK_PORT": "3000"},
            "Slack HTTP mode on (port 3000)",
            "console, slack, discord webhooks",
        ),
    ],
)
def test_startup_lines_name_what_is_on_and_the_variables_the_rest_need(
    env: dict[str, str], front: str, posting: str, tmp_path: Path
) -> None:
    settings = Settings.load(env, config=write_config(tmp_path / "riskwire.toml", fake_slack=False))
    notifiers = posting_notifiers(settings, discord_webhooks=not settings.discord_enabled)
    if settings.discord_enabled:
        notifiers["discord"] = notifiers["console"]  # what the running Discord front-end would add
    lines = startup_lines(settings, [], notifiers)
    assert lines[0].startswith(f"Front-ends: {front}")
    assert lines[1].startswith(f"Posting to: {posting}")
