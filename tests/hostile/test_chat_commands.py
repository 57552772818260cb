"""Every `/riskwire` subcommand, on Slack (signed requests through the real Bolt app) and on Discord
(interactions through the real discord.py command tree), given empty, huge, look-alike, invisible,
mention-laden and SQL/full-text-search input: the answer is a clear private message or a sensible
result, never a traceback or a generic "something went wrong", and a refusal changes nothing."""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import pytest

from tests.discord.interactions import MANAGE_CHANNELS, MANAGE_GUILD, VIEW_AND_SEND, send, slash
from tests.fakes.discord_api import APP_ID
from tests.hostile.chatkit import (
    BROKEN,
    INPUT_IDS,
    INPUT_VALUES,
    Allowed,
    discord_problems,
    slack_command,
    slack_problems,
    slack_texts,
    snapshot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
inputs = pytest.mark.parametrize("given", INPUT_VALUES, ids=INPUT_IDS)
_channels = itertools.count(500)
EPHEMERAL = 64
SLACK_LIMIT = 3000  # a section's text; a longer answer is not "clear"
REFUSAL_MAX = 600  # a refusal says what is wrong and how to write it, it does not repeat the input

SLACK_COMMANDS = [
    "watch {}",
    "unwatch {}",
    "list {}",
    "summary {}",
    "summary AMZN {}",
    "history {}",
    "search {}",
    "digest {}",
    "digest daily 08:00 {}",
    "topics {}",
    "help {}",
    "feeds {}",
    "feeds add {}",
    "feeds remove {}",
    "{}",  # as the subcommand itself
]


def _no_crash_logged(caplog: pytest.LogCaptureFixture) -> None:
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot")]
    assert crashes == [], [r.getMessage() for r in crashes]


@pytest.mark.parametrize("command", SLACK_COMMANDS)
@inputs
async def test_slack_command_holds(slack_rig, caplog, command: str, given: str) -> None:
    channel = f"CC{next(_channels)}"
    before = snapshot(slack_rig.db)
    answer = await slack_command(
        slack_rig.events_url, slack_rig.fake, command.format(given), channel=channel, user="UADMIN"
    )
    texts = slack_texts(answer)
    shown = "\n".join(texts)
    assert answer.get("text"), answer
    assert not any(b in shown for b in BROKEN), shown[:500]
    assert all(len(t) <= SLACK_LIMIT for t in texts), [len(t) for t in texts]
    assert slack_problems(texts, Allowed(users={"UADMIN"})) == []
    refused = answer["text"].startswith(":warning:")
    assert not refused or len(answer["text"]) <= REFUSAL_MAX, "a refusal should be a short line"
    if refused or snapshot(slack_rig.db) != before:
        assert answer["response_type"] == "ephemeral" or not refused
    if refused:
        assert snapshot(slack_rig.db) == before, "a refused command changed the database"
    _no_crash_logged(caplog)


DISCORD_COMMANDS: list[tuple[str, dict[str, str], str]] = [
    ("watch", {}, "tickers"),
    ("unwatch", {}, "tickers"),
    ("summary", {}, "ticker"),
    ("summary", {"ticker": "AMZN"}, "window"),
    ("history", {}, "ticker"),
    ("history", {}, "topic"),
    ("search", {}, "text"),
    ("search", {"text": "sanctions"}, "ticker"),
    ("digest", {"cadence": "daily"}, "time"),
    ("digest", {"cadence": "daily", "time": "08:00"}, "tz"),
    ("feeds", {"action": "add"}, "urls"),
    ("feeds", {"action": "remove"}, "urls"),
]
DISCORD_IDS = [f"{sub} {option}" for sub, _, option in DISCORD_COMMANDS]
GUILD = "2000000000000000001"
ADMIN = VIEW_AND_SEND | MANAGE_CHANNELS | MANAGE_GUILD


async def _answers(fake: Any, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """What the user sees: the interaction response, and the follow-up when it was deferred."""
    (first, *_) = await send(fake, payload)
    if first.json["type"] != 5:
        return [first.json["data"]]
    follow = await fake.wait_for(lambda: fake.requests("POST", rf"/webhooks/{APP_ID}/{payload['token']}"))
    return [c.json for c in follow]


@pytest.mark.parametrize(("sub", "fixed", "option"), DISCORD_COMMANDS, ids=DISCORD_IDS)
@inputs
async def test_discord_command_holds(
    discord_rig, caplog, sub: str, fixed: dict[str, str], option: str, given: str
) -> None:
    channel = str(3100000000000000000 + next(_channels))
    before = snapshot(discord_rig.db)
    payload = slash(sub, {**fixed, option: given}, channel_id=channel, permissions=ADMIN)
    answers = await _answers(discord_rig.fake, payload)
    changed = snapshot(discord_rig.db) != before
    for data in answers:
        shown = (data.get("content") or "") + "".join(
            (e.get("title") or "") + (e.get("description") or "") for e in data.get("embeds") or []
        )
        assert shown, data
        assert not any(b in shown for b in BROKEN), shown[:500]
        assert len(data.get("content") or "") <= 2000
        assert discord_problems(data, Allowed(users=set())) == []
        if (data.get("flags") or 0) & EPHEMERAL and data.get("content"):  # a refusal: one short line
            assert len(data["content"]) <= REFUSAL_MAX, data["content"][:200]
        if changed:  # only a public answer saying what was done may go with a change
            assert not (data.get("flags") or 0) & EPHEMERAL, f"refused, yet the database changed: {shown}"
    _no_crash_logged(caplog)


@pytest.mark.parametrize("sub", ["list", "topics", "help", "digest", "feeds"])
async def test_discord_commands_without_input_hold(discord_rig, caplog, sub: str) -> None:
    payload = slash(sub, channel_id=str(3100000000000000000 + next(_channels)), permissions=ADMIN)
    (data,) = await _answers(discord_rig.fake, payload)
    assert (data.get("flags") or 0) & EPHEMERAL
    assert not any(b in str(data) for b in BROKEN)
    _no_crash_logged(caplog)


async def test_slack_apostrophe_is_a_letter_not_a_quote(slack_rig) -> None:
    channel = f"CC{next(_channels)}"
    answer = await slack_command(
        slack_rig.events_url, slack_rig.fake, "watch MCDX names:McDonald's", channel=channel, user="UADMIN"
    )
    assert "MCDX" in answer["text"] and not answer["text"].startswith(":warning:"), answer["text"]
    (row,) = [r for r in slack_rig.db["subscriptions"].rows if r["channel"] == channel]
    assert json.loads(row["names"]) == ["McDonald's"]
    sql = await slack_command(slack_rig.events_url, slack_rig.fake, "watch ' OR 1=1 --", channel=channel)
    assert '"\'" is not a ticker symbol' in sql["text"]  # read as words, not as an open quote
