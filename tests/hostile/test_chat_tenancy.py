"""Tenancy through the chat front-ends: a Slack workspace or Discord server never sees or changes
another's subscriptions, history, search results, summaries, reviews, digests or feeds.

The intruder is as close as a real one could get: the same channel id in another workspace or
server, a button click carrying a copied message payload (the owner's message timestamp and alert
id) from another workspace, a Discord button's custom id replayed from another server or channel,
and the feed commands. Everything goes through the real Bolt app (signed requests) and the real
discord.py client (interactions through the fake gateway)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.delivery.outbox import deliver_due
from bot.delivery.targets import Target, parse_target
from bot.usecases import feeds as feed_service
from bot.usecases import service
from bot.usecases.digest import run_due_digests
from storage import feeds as feed_store
from tests.discord.interactions import (
    MANAGE_CHANNELS,
    MANAGE_GUILD,
    VIEW_AND_SEND,
    buttons,
    click,
    send,
    slash,
)
from tests.fakes.discord_api import APP_ID
from tests.hostile.chatkit import hostile_alert, marker, slack_command, snapshot
from tests.slackkit import action_body, action_payload, post_signed

pytestmark = pytest.mark.asyncio(loop_scope="module")
_ids = itertools.count(1)
EPHEMERAL = 64
FEED = "https://feeds.example.com/owner-{}.xml"


def _everything(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


# --- Slack ---------------------------------------------------------------------------------------


def _slack_pair() -> tuple[service.Scope, service.Scope]:
    """The owner's channel in workspace T1, and the same channel id in workspace T2."""
    channel = f"CT{next(_ids)}"
    return (
        service.Scope(parse_target(f"slack:T1/{channel}"), user="UOWNER"),
        service.Scope(parse_target(f"slack:T2/{channel}"), user="UINTRUDER"),
    )


async def _as(rig: Any, scope: service.Scope, text: str) -> dict[str, Any]:
    target = scope.target
    return await slack_command(
        rig.events_url,
        rig.fake,
        text,
        team=target.workspace or "",
        channel=target.channel or "",
        user=scope.user or "",
    )


async def test_slack_subscriptions_stay_in_their_workspace(slack_rig) -> None:
    owner, intruder = _slack_pair()
    await _as(slack_rig, owner, "watch AMZN AAPL topics:sanctions min:high")
    listed = await _as(slack_rig, intruder, "list")
    assert "watches nothing" in listed["text"] and "*AMZN*" not in _everything(listed)
    removed = await _as(slack_rig, intruder, "unwatch AMZN AAPL")
    assert "were not watched here" in removed["text"]
    await _as(slack_rig, intruder, "watch AMZN min:low")  # its own subscription, not a change to T1's
    mine = {w["ticker"]: (w["topics"], w["min_severity"]) for w in service.list_watches(slack_rig.db, owner)}
    assert mine == {"AMZN": (["sanctions"], "high"), "AAPL": (["sanctions"], "high")}


@pytest.mark.parametrize("command", ["history", "history AMZN", "search {mark}", "summary AMZN 30d"])
async def test_slack_alerts_stay_in_their_workspace(slack_rig, command: str) -> None:
    owner, intruder = _slack_pair()
    service.watch(slack_rig.db, owner, ["AMZN"])
    alert, n = hostile_alert(slack_rig.db, "owner's story")
    service.unwatch(slack_rig.db, owner, ["AMZN"])
    text = command.format(mark=marker(n))
    assert alert.link in _everything(await _as(slack_rig, owner, text))  # the owner sees it...
    seen = await _as(slack_rig, intruder, text)
    assert alert.link not in _everything(seen)  # ...the same channel id elsewhere does not
    assert "No alerts" in seen["text"] or "no alerts" in seen["text"]


async def _slack_alert_posted(rig: Any, *scopes: service.Scope) -> tuple[Any, dict[str, str]]:
    """An alert queued for each scope and posted; its message timestamp per scope."""
    for scope in scopes:
        service.watch(rig.db, scope, ["AMZN"])
    alert, _ = hostile_alert(rig.db, "owner's story")
    for scope in scopes:
        service.unwatch(rig.db, scope, ["AMZN"])
    await deliver_due(rig.db, {"slack": rig.front.notifier})
    rows = rig.db.execute("select target, message_ref from deliveries where alert_id = ?", [alert.id])
    refs = {target: ref.split(":")[1] for target, ref in rows}
    return alert, refs


async def _slack_click(rig: Any, scope: service.Scope, action: str, alert_id: str, ts: str) -> dict[str, Any]:
    name = f"t{next(_ids)}"
    target = scope.target
    payload = action_payload(
        action,
        alert_id,
        team=target.workspace or "",
        channel=target.channel or "",
        user=scope.user or "",
        message_ts=ts,
        response_url=rig.fake.response_url(name),
    )
    status, _ = await post_signed(rig.events_url, action_body(payload))
    assert status == 200
    return await rig.fake.wait_for(lambda: next((b for n, b in rig.fake.responses if n == name), None))


SLACK_BUTTONS = ["riskwire_reviewed", "riskwire_false_positive", "riskwire_mute"]


@pytest.mark.parametrize("action", SLACK_BUTTONS)
async def test_slack_button_from_another_workspace_on_a_copied_message(slack_rig, action: str) -> None:
    owner, intruder = _slack_pair()
    alert, refs = await _slack_alert_posted(slack_rig, owner)
    before, updates = snapshot(slack_rig.db), len(slack_rig.fake.calls_to("chat.update"))
    answer = await _slack_click(slack_rig, intruder, action, alert.id, refs[owner.key])
    assert answer["response_type"] == "ephemeral" and "No such alert" in answer["text"]
    assert snapshot(slack_rig.db) == before
    assert len(slack_rig.fake.calls_to("chat.update")) == updates  # the owner's message is untouched


@pytest.mark.parametrize("action", SLACK_BUTTONS)
async def test_slack_button_cannot_update_another_workspaces_copy_of_the_alert(
    slack_rig, action: str
) -> None:
    # Both workspaces got the alert (Slack Connect shares a channel id between workspaces); the
    # intruder clicks with the owner's message timestamp: its own review would land on T1's message.
    owner, intruder = _slack_pair()
    alert, refs = await _slack_alert_posted(slack_rig, owner, intruder)
    before, updates = snapshot(slack_rig.db), len(slack_rig.fake.calls_to("chat.update"))
    answer = await _slack_click(slack_rig, intruder, action, alert.id, refs[owner.key])
    assert answer["response_type"] == "ephemeral" and "not on this channel's alert message" in answer["text"]
    assert snapshot(slack_rig.db) == before
    assert len(slack_rig.fake.calls_to("chat.update")) == updates
    # on its own copy the same click works
    await _slack_click_ok(slack_rig, intruder, action, alert.id, refs[intruder.key])


async def _slack_click_ok(rig: Any, scope: service.Scope, action: str, alert_id: str, ts: str) -> None:
    target = scope.target
    payload = action_payload(
        action,
        alert_id,
        team=target.workspace or "",
        channel=target.channel or "",
        user=scope.user or "",
        message_ts=ts,
    )
    assert (await post_signed(rig.events_url, action_body(payload)))[0] == 200
    await rig.fake.wait_for(lambda: any(c.params["ts"] == ts for c in rig.fake.calls_to("chat.update")))


async def test_slack_digests_stay_in_their_workspace(slack_rig) -> None:
    owner, intruder = _slack_pair()
    await _as(slack_rig, owner, "digest daily 08:00 UTC")
    shown = await _as(slack_rig, intruder, "digest")
    assert "No digest in this channel" in shown["text"]
    assert "no digest" in (await _as(slack_rig, intruder, "digest off"))["text"].lower()
    assert service.digest_status(slack_rig.db, owner) is not None
    await _as(slack_rig, intruder, "digest daily 08:00 UTC")  # its own digest, of its own alerts
    alert, _ = await _slack_alert_posted(slack_rig, owner)
    posted = len(slack_rig.fake.posted(owner.target.channel))
    due = datetime.now(UTC) + timedelta(days=1, hours=1)
    report = await run_due_digests(slack_rig.db, {"slack": slack_rig.front.notifier}, due)
    assert report.sent == 1 and report.empty >= 1  # the owner's digest; the intruder's had nothing
    (digest,) = slack_rig.fake.posted(owner.target.channel)[posted:]
    assert alert.link in json.dumps(digest.params["blocks"])


async def test_slack_feeds_stay_in_their_workspace(slack_rig) -> None:
    owner, intruder = _slack_pair()
    slack_rig.fake.users.update(
        {"UOWNER": {"is_admin": True, "team_id": "T1"}, "UINTRUDER": {"is_admin": True, "team_id": "T2"}}
    )
    url = FEED.format(next(_ids))
    assert "Added feed" in (await _as(slack_rig, owner, f"feeds add {url}"))["text"]
    listed = await _as(slack_rig, intruder, "feeds")
    assert url not in _everything(listed)
    refused = await _as(slack_rig, intruder, f"feeds remove {url}")
    assert "not a feed this workspace added" in refused["text"]
    assert feed_store.get(slack_rig.db, url) is not None
    # an admin of T1 is not an admin of T2's channels
    visitor = service.Scope(parse_target(f"slack:T2/{intruder.target.channel}"), user="UOWNER")
    before = snapshot(slack_rig.db)
    answer = await _as(slack_rig, visitor, f"feeds add {FEED.format(next(_ids))}")
    assert "workspace admin" in answer["text"] and snapshot(slack_rig.db) == before


async def test_slack_workspaces_share_a_feed_without_learning_of_each_other(slack_rig) -> None:
    owner, intruder = _slack_pair()
    slack_rig.fake.users.update(
        {"UOWNER": {"is_admin": True, "team_id": "T1"}, "UINTRUDER": {"is_admin": True, "team_id": "T2"}}
    )
    url = FEED.format(next(_ids))
    await _as(slack_rig, owner, f"feeds add {url}")
    added = await _as(slack_rig, intruder, f"feeds add {url}")
    assert added["text"] == f"Added feed {url}"  # as for a URL nobody polls
    again = await _as(slack_rig, intruder, f"feeds add {url}")
    assert again["text"] == f"{url} is already on this workspace's feed list"
    listed = await _as(slack_rig, intruder, "feeds")
    assert (
        url in _everything(listed) and "T1" not in _everything(listed) and "UOWNER" not in _everything(listed)
    )
    assert "Removed feed" in (await _as(slack_rig, owner, f"feeds remove {url}"))["text"]
    assert url not in _everything(await _as(slack_rig, owner, "feeds"))
    assert url in _everything(await _as(slack_rig, intruder, "feeds"))  # still polled for T2
    assert feed_store.get(slack_rig.db, url) is not None
    assert "Removed feed" in (await _as(slack_rig, intruder, f"feeds remove {url}"))["text"]
    assert feed_store.get(slack_rig.db, url) is None  # its last owner removed it


# --- Discord -------------------------------------------------------------------------------------

GUILD_A, GUILD_B = "2000000000000000001", "2000000000000000002"
OWNER, INTRUDER = "4000000000000000001", "4000000000000000009"
ADMIN = VIEW_AND_SEND | MANAGE_CHANNELS | MANAGE_GUILD


def _discord_pair() -> tuple[dict[str, str], dict[str, str]]:
    """Where the owner works (server A), and the same channel id in server B."""
    channel = str(3200000000000000000 + next(_ids))
    return (
        {"guild_id": GUILD_A, "channel_id": channel, "user_id": OWNER},
        {"guild_id": GUILD_B, "channel_id": channel, "user_id": INTRUDER},
    )


def _scope(where: dict[str, str]) -> service.Scope:
    return service.Scope(Target("discord", where["guild_id"], where["channel_id"]), user=where["user_id"])


async def _ask(rig: Any, sub: str, options: dict[str, str] | None, where: dict[str, str]) -> dict[str, Any]:
    payload = slash(sub, options, permissions=ADMIN, **where)
    (first, *_) = await send(rig.fake, payload)
    if first.json["type"] != 5:
        return dict(first.json["data"])
    (follow,) = await rig.fake.wait_for(
        lambda: rig.fake.requests("POST", rf"/webhooks/{APP_ID}/{payload['token']}")
    )
    return dict(follow.json)


async def test_discord_subscriptions_stay_in_their_server(discord_rig) -> None:
    owner, intruder = _discord_pair()
    await _ask(
        discord_rig, "watch", {"tickers": "AMZN AAPL", "topic": "sanctions", "min_severity": "high"}, owner
    )
    assert "Nothing yet" in _everything(await _ask(discord_rig, "list", None, intruder))
    assert (
        "Not watched here: AMZN, AAPL"
        in (await _ask(discord_rig, "unwatch", {"tickers": "AMZN AAPL"}, intruder))["content"]
    )
    await _ask(discord_rig, "watch", {"tickers": "AMZN"}, intruder)
    mine = {
        w["ticker"]: (w["topics"], w["min_severity"])
        for w in service.list_watches(discord_rig.db, _scope(owner))
    }
    assert mine == {"AMZN": (["sanctions"], "high"), "AAPL": (["sanctions"], "high")}


@pytest.mark.parametrize(
    ("sub", "options"),
    [
        ("history", None),
        ("history", {"ticker": "AMZN"}),
        ("search", {"text": "{mark}"}),
        ("summary", {"ticker": "AMZN"}),
    ],
    ids=["history", "history AMZN", "search", "summary"],
)
async def test_discord_alerts_stay_in_their_server(
    discord_rig, sub: str, options: dict[str, str] | None
) -> None:
    owner, intruder = _discord_pair()
    service.watch(discord_rig.db, _scope(owner), ["AMZN"])
    alert, n = hostile_alert(discord_rig.db, "owner's story")
    service.unwatch(discord_rig.db, _scope(owner), ["AMZN"])
    asked = {k: v.format(mark=marker(n)) for k, v in (options or {}).items()}
    assert alert.link in _everything(await _ask(discord_rig, sub, asked, owner))
    seen = _everything(await _ask(discord_rig, sub, asked, intruder))
    assert alert.link not in seen and "1 alert" not in seen


async def _discord_alert_posted(rig: Any, where: dict[str, str]) -> tuple[Any, dict[str, Any]]:
    scope = _scope(where)
    service.watch(rig.db, scope, ["AMZN"])
    alert, _ = hostile_alert(rig.db, "owner's story")
    service.unwatch(rig.db, scope, ["AMZN"])
    await deliver_due(rig.db, {"discord": rig.front.notifier})
    (post,) = rig.fake.posted(where["channel_id"])
    return alert, post.response


@pytest.mark.parametrize("label", ["Mark reviewed", "False positive", "Mute 24h"])
@pytest.mark.parametrize("crossing", ["other server, same channel id", "same server, other channel"])
async def test_discord_button_custom_id_replayed_elsewhere(discord_rig, label: str, crossing: str) -> None:
    owner, intruder = _discord_pair()
    if crossing == "same server, other channel":
        intruder = {**owner, "channel_id": str(int(owner["channel_id"]) + 7_000_000), "user_id": INTRUDER}
    alert, message = await _discord_alert_posted(discord_rig, owner)
    before = snapshot(discord_rig.db)
    replay = click(message, buttons(message)[label], permissions=ADMIN, **intruder)
    (answer,) = await send(discord_rig.fake, replay)
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] & EPHEMERAL
    assert "No such alert" in answer.json["data"]["content"]
    assert alert.title not in _everything(answer.json)
    assert snapshot(discord_rig.db) == before


async def test_discord_digests_stay_in_their_server(discord_rig) -> None:
    owner, intruder = _discord_pair()
    await _ask(discord_rig, "digest", {"cadence": "daily", "time": "08:00"}, owner)
    assert "No digest in this channel" in (await _ask(discord_rig, "digest", None, intruder))["content"]
    assert "had no digest" in (await _ask(discord_rig, "digest", {"cadence": "off"}, intruder))["content"]
    assert service.digest_status(discord_rig.db, _scope(owner)) is not None
    await _ask(discord_rig, "digest", {"cadence": "daily", "time": "08:00"}, intruder)
    alert, _ = await _discord_alert_posted(discord_rig, owner)
    posted = len(discord_rig.fake.posted(owner["channel_id"]))
    due = datetime.now(UTC) + timedelta(days=1, hours=1)
    report = await run_due_digests(discord_rig.db, {"discord": discord_rig.front.notifier}, due)
    assert report.sent == 1 and report.empty >= 1
    (digest,) = discord_rig.fake.posted(owner["channel_id"])[posted:]
    assert alert.link in json.dumps(digest.json)


async def test_discord_feeds_stay_in_their_server(discord_rig) -> None:
    owner, intruder = _discord_pair()
    url = FEED.format(next(_ids))
    feed_service.add_feeds(
        discord_rig.db, _scope(owner), [url], "2026-11-27T00:00:00+00:00", allow_private=False
    )
    assert url not in _everything(await _ask(discord_rig, "feeds", None, intruder))
    assert url in _everything(await _ask(discord_rig, "feeds", None, owner))
    refused = await _ask(discord_rig, "feeds", {"action": "remove", "urls": url}, intruder)
    assert "not a feed this server added" in refused["content"]
    assert feed_store.get(discord_rig.db, url) is not None


async def test_discord_servers_share_a_feed_without_learning_of_each_other(discord_rig) -> None:
    owner, intruder = _discord_pair()
    url = FEED.format(next(_ids))
    await _ask(discord_rig, "feeds", {"action": "add", "urls": url}, owner)
    added = await _ask(discord_rig, "feeds", {"action": "add", "urls": url}, intruder)
    assert added["content"].startswith(f"Added feed {url}") and "already" not in added["content"]
    again = await _ask(discord_rig, "feeds", {"action": "add", "urls": url}, intruder)
    assert again["content"] == f"{url} is already on this server's feed list"
    listed = _everything(await _ask(discord_rig, "feeds", None, intruder))
    assert url in listed and GUILD_A not in listed and OWNER not in listed
    removed = await _ask(discord_rig, "feeds", {"action": "remove", "urls": url}, owner)
    assert removed["content"] == f"Removed feed {url}"
    assert url not in _everything(await _ask(discord_rig, "feeds", None, owner))
    assert url in _everything(await _ask(discord_rig, "feeds", None, intruder))  # still polled for B
    await _ask(discord_rig, "feeds", {"action": "remove", "urls": url}, intruder)
    assert feed_store.get(discord_rig.db, url) is None  # its last owner removed it
