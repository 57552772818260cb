"""The "Listed parties" line on a Slack alert and digest: the seed story polled over local HTTP with a
list that holds VisionLabs, posted by the real slack_sdk client to the fake Web API."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.settings import Settings
from bot.delivery.targets import parse_target
from bot.pipeline.polling import poll_once
from bot.slack_app.digest_blocks import digest_blocks
from bot.usecases import service
from bot.usecases.digest import build_digest
from tests.feedkit import recent_pub, rss, seed_item
from tests.sanctions.listkit import load_team_list
from tests.slackkit import slack_notifier_for

TARGET = "slack:T1/C1"


async def _poll(db, slack_api, feed_server, settings: Settings):  # type: ignore[no-untyped-def]
    service.watch(db, service.Scope(parse_target(TARGET), user="U1"), ["AMZN"])
    url = feed_server.serve("/news.xml", rss([seed_item(pub=recent_pub())]))
    notifiers = {"slack": slack_notifier_for(slack_api.api_url, slack_api.bot_token)}
    report = await poll_once(db, replace(settings, feeds=(url,)), notifiers)
    assert report.delivered.sent == 1
    (post,) = slack_api.posted("C1")
    return post


async def test_the_alert_shows_the_listed_party(db, slack_api, feed_server, http_settings) -> None:  # type: ignore[no-untyped-def]
    load_team_list(db)
    post = await _poll(db, slack_api, feed_server, http_settings)
    blocks = post.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    texts = [e["text"] for b in blocks for e in b.get("elements", []) if isinstance(e.get("text"), str)]
    (line,) = [t for t in texts if t.startswith("*Listed parties:*")]
    assert "VisionLabs: team, Russia, listed 2023-02-24, exact match" in line
    assert "severity one step up for a listed counterparty" in line
    fallback = post.params["text"]
    assert "Listed parties: VisionLabs: team, Russia" in fallback

    start = datetime.now(UTC) - timedelta(days=1)
    digest = build_digest(db, TARGET, start, start + timedelta(days=2))
    sections = " ".join(str(b) for b in digest_blocks(digest))
    assert "listed parties: VisionLabs (team, Russia)" in sections


async def test_without_a_list_the_alert_has_no_such_line(db, slack_api, feed_server, http_settings) -> None:  # type: ignore[no-untyped-def]
    post = await _poll(db, slack_api, feed_server, http_settings)
    assert "Listed parties" not in str(post.params)
