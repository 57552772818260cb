"""Feed text in chat: nothing in it can ping anyone, link anywhere but the story, disguise a link, or
change the message's formatting, on every path feed text takes to Slack and Discord.

Each hostile string (chatkit.HOSTILE) goes into an alert's headline, summary, source and evidence,
a story update's outlet and headline, a digest, and a feed notice's error text; then the real
notifiers, the real Bolt app (signed slash commands and button clicks) and the real discord.py client
(interactions through the fake gateway) send it, and the payloads the fake servers received are
checked. Every Discord payload must also carry allowed_mentions that allow nothing.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.delivery.outbox import deliver_due
from bot.delivery.targets import Target, parse_target
from bot.pipeline.stories import Report
from bot.usecases import service
from bot.usecases.digest import Digest, TickerGroup
from tests.discord.interactions import buttons, click, send, slash
from tests.fakes.discord_api import APP_ID
from tests.hostile.chatkit import (
    CASE_IDS,
    CASES,
    Allowed,
    Case,
    discord_problems,
    hostile_alert,
    marker,
    slack_command,
    slack_problems,
    slack_texts,
)
from tests.slackkit import action_body, action_payload, post_signed

pytestmark = pytest.mark.asyncio(loop_scope="module")
cases = pytest.mark.parametrize(("name", "case"), CASES, ids=CASE_IDS)

_channels = itertools.count(100)
REPORT_LINK = "https://other.example.com/copy"
HOOK = "https://discord.com/api/webhooks/1234567890/hooktoken-abc"


def _digest(target: str, alert: Any) -> Digest:
    end = datetime.now(UTC)
    group = TickerGroup("AMZN", "Amazon.com, Inc.", 1, [("sanctions", [alert])])
    return Digest(target, "daily", "UTC", end - timedelta(days=1), end, 1, [group])


def _notice(text: str, n: int) -> str:
    feed = f"https://feeds.example.com/{n}.xml"
    return f"feed {feed} is paused after 5 failures in a row; last: {text} {marker(n)}"


def _report(alert: Any, text: str, n: int) -> Report:
    return Report(n, alert.id, f"copy{n}", f"{text} {marker(n)}", f"{marker(n)} {text}", f"{REPORT_LINK}-{n}")


# --- Slack ---------------------------------------------------------------------------------------


class SlackChannel:
    """A fresh channel of workspace T1 watching AMZN (the previous one stops: alerts queue here only)."""

    last: service.Scope | None = None

    def __init__(self, rig: Any) -> None:
        self.rig = rig
        self.id = f"CH{next(_channels)}"
        self.scope = service.Scope(parse_target(f"slack:T1/{self.id}"), user="U1")
        if SlackChannel.last is not None:
            service.unwatch(rig.db, SlackChannel.last, ["AMZN"])
        service.watch(rig.db, self.scope, ["AMZN"])
        SlackChannel.last = self.scope

    def check(self, texts: list[str], case: Case, n: int, *links: str, users: tuple[str, ...] = ()) -> None:
        assert marker(n) in "".join(texts), "the hostile text never reached the payload"
        problems = slack_problems(texts, Allowed(set(links), set(users)), case)
        assert problems == [], "\n".join(problems)


async def _slack_alert_posted(rig: Any, text: str) -> tuple[SlackChannel, Any, int, Any]:
    here = SlackChannel(rig)
    alert, n = hostile_alert(rig.db, text)
    await deliver_due(rig.db, {"slack": rig.front.notifier})
    (post,) = rig.fake.posted(here.id)
    return here, alert, n, post


@cases
async def test_slack_alert_message(slack_rig, name: str, case: Case) -> None:
    here, alert, n, post = await _slack_alert_posted(slack_rig, case.text)
    here.check(slack_texts(post.params), case, n, alert.link)


@cases
async def test_slack_story_update(slack_rig, name: str, case: Case) -> None:
    here, alert, n, post = await _slack_alert_posted(slack_rig, case.text)
    notifier = slack_rig.front.notifier
    ref = f"{here.id}:{post.response['ts']}"
    for parent in (ref, None):  # in the alert's thread, and on its own naming the story
        assert (await notifier.send_update(alert, _report(alert, case.text, n), here.scope.target, parent)).ok
        texts = slack_texts(slack_rig.fake.posted(here.id)[-1].params)
        here.check(texts, case, n, alert.link, f"{REPORT_LINK}-{n}")


@cases
async def test_slack_digest(slack_rig, name: str, case: Case) -> None:
    here = SlackChannel(slack_rig)
    alert, n = hostile_alert(slack_rig.db, case.text)
    assert (await slack_rig.front.notifier.send_digest(_digest(here.scope.key, alert), here.scope.target)).ok
    here.check(slack_texts(slack_rig.fake.posted(here.id)[-1].params), case, n, alert.link)


@cases
async def test_slack_feed_notice(slack_rig, name: str, case: Case) -> None:
    here = SlackChannel(slack_rig)
    n = 10_000 + next(_channels)
    assert (await slack_rig.front.notifier.send_notice(here.scope.target, _notice(case.text, n))).ok
    here.check(slack_texts(slack_rig.fake.posted(here.id)[-1].params), case, n)


@pytest.mark.parametrize("command", ["summary AMZN", "history", "search {mark}"])
@cases
async def test_slack_command_answers(slack_rig, command: str, name: str, case: Case) -> None:
    here = SlackChannel(slack_rig)
    alert, n = hostile_alert(slack_rig.db, case.text)
    answer = await slack_command(
        slack_rig.events_url, slack_rig.fake, command.format(mark=marker(n)), channel=here.id
    )
    texts = slack_texts(answer)
    uploads = [
        c.params
        for c in slack_rig.fake.calls_to("files.completeUploadExternal")
        if c.params["channel_id"] == here.id
    ]
    for upload in uploads:  # the summary's chart and its comment
        texts += slack_texts(upload)
    here.check(texts, case, n, alert.link, users=("U1",))


@cases
async def test_slack_message_updated_by_a_button(slack_rig, name: str, case: Case) -> None:
    here, alert, n, post = await _slack_alert_posted(slack_rig, case.text)
    ts = post.response["ts"]
    payload = action_payload(
        "riskwire_reviewed",
        alert.id,
        channel=here.id,
        user="U1",
        message_ts=ts,
        response_url=slack_rig.fake.response_url(f"b{n}"),
    )
    status, _ = await post_signed(slack_rig.events_url, action_body(payload))
    assert status == 200
    update = await slack_rig.fake.wait_for(
        lambda: next((c for c in slack_rig.fake.calls_to("chat.update") if c.params["ts"] == ts), None)
    )
    here.check(slack_texts(update.params), case, n, alert.link, users=("U1",))


# --- Discord -------------------------------------------------------------------------------------

GUILD = "2000000000000000001"
USER = "4000000000000000001"


class DiscordChannel:
    """A fresh channel of one server that watches AMZN (the previous one stops)."""

    last: service.Scope | None = None

    def __init__(self, rig: Any) -> None:
        self.rig = rig
        self.id = str(3000000000000000000 + next(_channels))
        self.scope = service.Scope(Target("discord", GUILD, self.id), user=USER)
        if DiscordChannel.last is not None:
            service.unwatch(rig.db, DiscordChannel.last, ["AMZN"])
        service.watch(rig.db, self.scope, ["AMZN"])
        DiscordChannel.last = self.scope

    def check(
        self, payload: dict[str, Any], case: Case, n: int, *links: str, users: tuple[str, ...] = ()
    ) -> None:
        from tests.hostile.chatkit import discord_texts

        assert marker(n) in "".join(discord_texts(payload)), "the hostile text never reached the payload"
        problems = discord_problems(payload, Allowed(set(links), set(users)), case)
        assert problems == [], "\n".join(problems)


def _hook_posts(rig: Any) -> list[Any]:
    return [c for c in rig.fake.requests("POST", r"/webhooks/1234567890/[^/]+") if c.status == 200]


HOW = pytest.mark.parametrize("via", ["bot", "webhook"])


async def _discord_alert_posted(rig: Any, text: str) -> tuple[DiscordChannel, Any, int, Any]:
    here = DiscordChannel(rig)
    alert, n = hostile_alert(rig.db, text)
    await deliver_due(rig.db, {"discord": rig.front.notifier})
    (post,) = rig.fake.posted(here.id)
    return here, alert, n, post


@HOW
@cases
async def test_discord_alert_message(discord_rig, via: str, name: str, case: Case) -> None:
    if via == "bot":
        here, alert, n, post = await _discord_alert_posted(discord_rig, case.text)
        here.check(post.json, case, n, alert.link)
        return
    here = DiscordChannel(discord_rig)
    alert, n = hostile_alert(discord_rig.db, case.text)
    assert (await discord_rig.front.notifier.send(alert, parse_target(f"discord:webhook:{HOOK}"))).ok
    here.check(_hook_posts(discord_rig)[-1].json, case, n, alert.link)


@HOW
@cases
async def test_discord_story_update(discord_rig, via: str, name: str, case: Case) -> None:
    here, alert, n, post = await _discord_alert_posted(discord_rig, case.text)
    report = _report(alert, case.text, n)
    notifier = discord_rig.front.notifier
    if via == "bot":
        ref = f"{here.id}:{post.response['id']}"
        assert (await notifier.send_update(alert, report, here.scope.target, ref)).ok
        sent = discord_rig.fake.posted(here.id)[-1].json
    else:
        assert (await notifier.send_update(alert, report, parse_target(f"discord:webhook:{HOOK}"), None)).ok
        sent = _hook_posts(discord_rig)[-1].json
    here.check(sent, case, n, alert.link, f"{REPORT_LINK}-{n}")


@HOW
@cases
async def test_discord_digest(discord_rig, via: str, name: str, case: Case) -> None:
    here = DiscordChannel(discord_rig)
    alert, n = hostile_alert(discord_rig.db, case.text)
    target = here.scope.target if via == "bot" else parse_target(f"discord:webhook:{HOOK}")
    assert (await discord_rig.front.notifier.send_digest(_digest(target.key, alert), target)).ok
    sent = discord_rig.fake.posted(here.id)[-1] if via == "bot" else _hook_posts(discord_rig)[-1]
    here.check(sent.json, case, n, alert.link)


@HOW
@cases
async def test_discord_feed_notice(discord_rig, via: str, name: str, case: Case) -> None:
    here = DiscordChannel(discord_rig)
    n = 10_000 + next(_channels)
    target = here.scope.target if via == "bot" else parse_target(f"discord:webhook:{HOOK}")
    assert (await discord_rig.front.notifier.send_notice(target, _notice(case.text, n))).ok
    sent = discord_rig.fake.posted(here.id)[-1] if via == "bot" else _hook_posts(discord_rig)[-1]
    here.check(sent.json, case, n)


@pytest.mark.parametrize("command", ["summary", "history", "search"])
@cases
async def test_discord_command_answers(discord_rig, command: str, name: str, case: Case) -> None:
    here = DiscordChannel(discord_rig)
    alert, n = hostile_alert(discord_rig.db, case.text)
    options = {"summary": {"ticker": "AMZN"}, "history": {}, "search": {"text": marker(n)}}[command]
    payload = slash(command, options, channel_id=here.id)
    fake = discord_rig.fake
    await send(fake, payload)
    (follow,) = await fake.wait_for(lambda: fake.requests("POST", rf"/webhooks/{APP_ID}/{payload['token']}"))
    here.check(follow.json, case, n, alert.link)


@cases
async def test_discord_message_updated_by_a_button(discord_rig, name: str, case: Case) -> None:
    here, alert, n, post = await _discord_alert_posted(discord_rig, case.text)
    message = post.response
    (answer,) = await send(
        discord_rig.fake, click(message, buttons(message)["Mark reviewed"], channel_id=here.id)
    )
    assert answer.json["type"] == 7, answer.json
    here.check(answer.json["data"], case, n, alert.link, users=(USER, "t:"))
