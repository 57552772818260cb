"""The "Listed parties" line on a Slack alert and digest: the seed story polled over local HTTP with a
list that holds VisionLabs, posted by the real slack_sdk client to the fake Web API."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.cli.main import main as cli_main
from bot.core.settings import Settings
from bot.delivery.outbox import deliver_due
from bot.delivery.targets import parse_target
from bot.pipeline.alerts import Alert
from bot.pipeline.polling import poll_once
from bot.slack_app.digest_blocks import digest_blocks
from bot.usecases import service
from bot.usecases.digest import build_digest
from bot.usecases.sanctions import RECHECK_DAYS, recheck_alerts
from storage import alerts as alert_store
from tests.feedkit import recent_pub, rss, seed_item
from tests.sanctions.listkit import TEAM_LIST, load_team_list
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


async def test_a_party_listed_later_gets_one_follow_up_in_the_thread(
    db, db_path, slack_api, feed_server, http_settings, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    alert_post = await _poll(db, slack_api, feed_server, http_settings)
    thread_ts = alert_post.response["ts"]
    monkeypatch.setenv("RISKWIRE_DB", str(db_path))
    notifiers = {"slack": slack_notifier_for(slack_api.api_url, slack_api.bot_token)}

    assert cli_main(["sanctions", "import", "team", str(TEAM_LIST)]) == 0
    assert "1 name a newly listed party; 1 follow-up(s) queued" in capsys.readouterr().out
    assert (await deliver_due(db, notifiers)).updates_sent == 1
    reply = slack_api.posted("C1")[-1]
    assert reply.params["thread_ts"] == thread_ts
    assert "Now on a sanctions list: VisionLabs: team, Russia, listed 2023-02-24, exact match" in str(
        reply.params["blocks"]
    )

    # the same list again, or a recheck with nothing new: no second follow-up
    assert cli_main(["sanctions", "import", "team", str(TEAM_LIST)]) == 0
    assert "no newly listed party" in capsys.readouterr().out
    assert (await deliver_due(db, notifiers)).updates_sent == 0
    assert len(slack_api.posted("C1")) == 2

    # the stored alert now names the party, one step more severe (and only one step)
    (alert,) = [Alert.from_row(alert_store.decode(r)) for r in db.table("alerts").rows]
    assert [p.listed_name for p in alert.parties] == ["VisionLabs"] and alert.severity == "critical"

    # another list naming it too: the alert names both, severity unchanged, the thread has its one
    # follow-up already
    assert cli_main(["sanctions", "import", "second", str(TEAM_LIST)]) == 0
    assert "1 name a newly listed party; 0 follow-up(s) queued" in capsys.readouterr().out
    assert (await deliver_due(db, notifiers)).updates_sent == 0
    (alert,) = [Alert.from_row(alert_store.decode(r)) for r in db.table("alerts").rows]
    assert [p.list for p in alert.parties] == ["team", "second"] and alert.severity == "critical"


async def test_alerts_older_than_ninety_days_are_not_rechecked(
    db, slack_api, feed_server, http_settings
) -> None:  # type: ignore[no-untyped-def]
    await _poll(db, slack_api, feed_server, http_settings)
    load_team_list(db)
    later = datetime.now(UTC) + timedelta(days=RECHECK_DAYS + 1)
    assert recheck_alerts(db, later).checked == 0
    report = recheck_alerts(db)
    assert (report.checked, len(report.newly_listed), report.queued) == (1, 1, 1)
