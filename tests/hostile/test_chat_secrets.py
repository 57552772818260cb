"""Tokens stay out of logs and chat on the front-ends' failure paths.

With SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, DISCORD_TOKEN and a Discord webhook target set as a
deployment sets them (the environment, loaded by Settings, the log scrubber installed as `riskwire
run` installs it), the Slack and Discord front-ends go through the paths that log: a bad signature,
429s, a broken channel, a failed upload, a revoked token, a crash inside a command handler, a
webhook that is gone. Every log record (formatted, with its traceback), every payload the fake
servers received, every answer shown in chat and every error stored in the database is searched
for each token value. `riskwire watch list` and `/riskwire list` never show a webhook's token.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from bot.cli import main as cli
from bot.core import redact
from bot.core.settings import Settings
from bot.delivery.outbox import deliver_due
from bot.delivery.targets import Target, parse_target
from bot.discord_app import endpoints
from bot.discord_app.frontend import DiscordFrontend
from bot.slack_app.frontend import SlackFrontend
from bot.usecases import service
from storage import subscriptions
from storage.db import open_db
from tests.discord.interactions import MANAGE_CHANNELS, VIEW_AND_SEND, send, slash
from tests.fakes.discord_api import APP_ID, FakeDiscord
from tests.fakes.slack_api import FakeSlackApi
from tests.hostile.chatkit import hostile_alert, slack_command
from tests.slackkit import command_body, post_signed

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLACK_BOT_TOKEN = "xoxb-111111111111-222222222222-SeCrEtBoTtOkEnVaLuE"
SIGNING_SECRET = "8f3c1e2d4b5a69788f3c1e2d4b5a6978"
DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GsEcRt.DiScOrDtOkEnVaLuE_0123456789"
HOOK_TOKEN = "WeBhOoKsEcReT-abcdefghijklmnopqrstuvwxyz0123456789"
SECRETS = [SLACK_BOT_TOKEN, SIGNING_SECRET, DISCORD_TOKEN, HOOK_TOKEN]
_ids = itertools.count(1)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture(scope="module")
def installed_scrubber() -> Iterator[None]:
    """The log scrubber as `riskwire run` installs it (cli.main), taken out again after the module."""
    before = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(before)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rigs(
    tmp_path_factory: pytest.TempPathFactory, installed_scrubber: None
) -> AsyncIterator[dict[str, Any]]:
    slack_fake = await FakeSlackApi(bot_token=SLACK_BOT_TOKEN).start()
    discord_fake = await FakeDiscord(token=DISCORD_TOKEN).start()
    home = tmp_path_factory.mktemp("secrets")
    (home / "riskwire.toml").write_text("")
    env = {
        "RISKWIRE_DB": str(home / "riskwire.db"),
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "RISKWIRE_SLACK_PORT": "0",
        "RISKWIRE_SLACK_HOST": "127.0.0.1",
        "SLACK_API_URL": slack_fake.api_url,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": discord_fake.api_url,
    }
    settings = Settings.load(env, config=home / "riskwire.toml")
    assert sorted(settings.secrets()) == sorted([SLACK_BOT_TOKEN, SIGNING_SECRET, DISCORD_TOKEN])
    redact.install(settings.secrets())
    db = open_db(settings.db_path)
    slack = SlackFrontend(settings, db)
    slack.slack_notifier.min_interval = 0.0
    discord_front = DiscordFrontend(settings, db, guild_ready_timeout=0.01)
    await slack.start()
    await discord_front.start()
    await discord_front.wait_until_ready(10)
    try:
        yield {
            "db": db,
            "env": env,
            "slack_fake": slack_fake,
            "discord_fake": discord_fake,
            "slack": slack,
            "discord": discord_front,
            "events_url": f"http://127.0.0.1:{slack.port}/slack/events",
        }
    finally:
        await discord_front.stop()
        await slack.stop()
        await slack_fake.stop()
        await discord_fake.stop()
        endpoints.reset()
        db.close()


def everything(rigs: dict[str, Any], caplog: pytest.LogCaptureFixture) -> str:
    """Every log line (formatted, tracebacks included), payload, chat answer and stored error so far."""
    logs = "\n".join(caplog.handler.format(r) for r in caplog.records)
    slack_fake, discord_fake = rigs["slack_fake"], rigs["discord_fake"]
    sent = [
        json.dumps({k: v for k, v in c.params.items() if k != "token"}, default=str) for c in slack_fake.calls
    ]
    sent += [json.dumps(body) for _, body in slack_fake.responses]
    sent += [
        json.dumps(c.json, default=str) + json.dumps(c.response, default=str) for c in discord_fake.calls
    ]
    db = rigs["db"]
    stored = [
        json.dumps(db.execute(f"select {cols} from {table}").fetchall())
        for table, cols in [
            ("deliveries", "last_error"),
            ("subscriptions", "broken_reason"),
            ("notices", "last_error"),
            ("digests", "last_error"),
        ]
    ]
    return "\n".join([logs, *sent, *stored])


def _no_leak(rigs: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    found = everything(rigs, caplog)
    assert leaks(found) == [], [line for line in found.splitlines() if leaks(line)][:5]


async def _slack(rigs: dict[str, Any], text: str, channel: str) -> dict[str, Any]:
    return await slack_command(
        rigs["events_url"], rigs["slack_fake"], text, secret=SIGNING_SECRET, channel=channel
    )


def _slack_channel(rigs: dict[str, Any]) -> service.Scope:
    scope = service.Scope(parse_target(f"slack:T1/CS{next(_ids)}"), user="U1")
    service.watch(rigs["db"], scope, ["AMZN"])
    return scope


def _discord_channel(rigs: dict[str, Any]) -> service.Scope:
    scope = service.Scope(
        Target("discord", "2000000000000000001", str(3300000000000000000 + next(_ids))), user="U"
    )
    service.watch(rigs["db"], scope, ["AMZN"])
    return scope


def _alone(rigs: dict[str, Any], scope: service.Scope) -> None:
    """Only this target watches AMZN from now on."""
    for row in subscriptions.all_subscriptions(rigs["db"]):
        if row["target"] != scope.key:
            subscriptions.remove(rigs["db"], row["target"], row["ticker"])


def _hook() -> tuple[str, service.Scope]:
    """A webhook of its own (each test breaks its webhook its own way), with the one token."""
    url = f"https://discord.com/api/webhooks/{123456789 + next(_ids)}/{HOOK_TOKEN}"
    return url, service.Scope(parse_target(f"discord:webhook:{url}"))


async def _deliver(rigs: dict[str, Any]) -> Any:
    return await deliver_due(
        rigs["db"], {"slack": rigs["slack"].notifier, "discord": rigs["discord"].notifier}
    )


# --- Slack ---------------------------------------------------------------------------------------


async def test_slack_bad_signature(rigs, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    body = command_body("watch AMZN", response_url=rigs["slack_fake"].response_url("sig"))
    assert (await post_signed(rigs["events_url"], body, secret=SIGNING_SECRET, bad_signature=True))[0] == 401
    assert (await post_signed(rigs["events_url"], body, secret="not-" + SIGNING_SECRET))[0] == 401
    assert "bad or stale Slack signature" in caplog.text
    _no_leak(rigs, caplog)


@pytest.mark.parametrize(
    ("error", "status", "outcome"),
    [
        ("ratelimited", 429, "retrying"),
        ("channel_not_found", 200, "failed"),
        ("invalid_auth", 200, "failed"),
        ("internal_error", 500, "retrying"),
    ],
)
async def test_slack_failed_posts(rigs, caplog, error: str, status: int, outcome: str) -> None:
    caplog.set_level(logging.DEBUG)
    scope = _slack_channel(rigs)
    _alone(rigs, scope)
    rigs["slack_fake"].fail_next(
        "chat.postMessage", error, status=status, retry_after=30, channel=scope.target.channel
    )
    alert, _ = hostile_alert(rigs["db"], "story")
    await _deliver(rigs)
    (row,) = (
        rigs["db"]
        .execute("select state from deliveries where alert_id = ? and target = ?", [alert.id, scope.key])
        .fetchall()
    )
    assert row[0] == outcome
    listed = await _slack(rigs, "list", scope.target.channel or "")  # shows BROKEN and why
    assert outcome == "retrying" or "BROKEN" in listed["text"]
    _no_leak(rigs, caplog)


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel", "ratelimited"])
async def test_slack_failed_chart_upload(rigs, caplog, error: str) -> None:
    caplog.set_level(logging.DEBUG)
    scope = _slack_channel(rigs)
    _alone(rigs, scope)
    hostile_alert(rigs["db"], "story")
    rigs["slack_fake"].fail_next(
        "files.getUploadURLExternal", error, status=429 if error == "ratelimited" else 200
    )
    answer = await _slack(rigs, "summary AMZN", scope.target.channel or "")
    assert "The chart could not be attached" in answer["text"]
    _no_leak(rigs, caplog)


async def test_slack_crash_inside_a_handler(rigs, caplog, monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"upstream said no to {SLACK_BOT_TOKEN} signed {SIGNING_SECRET} via /api/webhooks/1/{HOOK_TOKEN}"
        )

    monkeypatch.setattr(service, "history", crash)
    answer = await _slack(rigs, "history", f"CS{next(_ids)}")
    assert "Something went wrong on our side" in answer["text"]
    assert "RuntimeError" in caplog.text and "upstream said no" in caplog.text  # logged, with its traceback
    _no_leak(rigs, caplog)


# --- Discord -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (429, {"message": "You are being rate limited.", "retry_after": 120, "global": False}, "retrying"),
        (403, {"message": "Missing Access", "code": 50001}, "failed"),
        (404, {"message": "Unknown Channel", "code": 10003}, "failed"),
        (401, {"message": "401: Unauthorized", "code": 0}, "retrying"),
    ],
)
async def test_discord_failed_posts(rigs, caplog, status: int, body: dict[str, Any], outcome: str) -> None:
    caplog.set_level(logging.DEBUG)
    scope = _discord_channel(rigs)
    _alone(rigs, scope)
    fake = rigs["discord_fake"]
    headers = {"Retry-After": "120", "X-RateLimit-Scope": "user"} if status == 429 else None
    fake.fail_next("POST", rf"/channels/{scope.target.channel}/messages", status, body, headers, times=5)
    alert, _ = hostile_alert(rigs["db"], "story")
    await _deliver(rigs)
    (row,) = (
        rigs["db"]
        .execute("select state from deliveries where alert_id = ? and target = ?", [alert.id, scope.key])
        .fetchall()
    )
    assert row[0] == outcome
    payload = slash("list", guild_id=scope.target.workspace or "", channel_id=scope.target.channel or "")
    (listing,) = await send(fake, payload)
    assert outcome == "retrying" or "BROKEN" in json.dumps(listing.json)
    _no_leak(rigs, caplog)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"message": "Unknown Webhook", "code": 10015}),
        (401, {"message": "Invalid Webhook Token", "code": 50027}),
        (429, {"message": "You are being rate limited.", "retry_after": 120, "global": False}),
    ],
)
async def test_discord_failed_webhook(rigs, caplog, status: int, body: dict[str, Any]) -> None:
    caplog.set_level(logging.DEBUG)
    url, scope = _hook()
    service.watch(rigs["db"], scope, ["AMZN"])
    _alone(rigs, scope)
    hook_id = url.split("/")[-2]
    headers = {"Retry-After": "0.01"} if status == 429 else None
    # discord.py retries a 429 a few times itself before giving up (a 5xx too, but sleeping 25 s)
    rigs["discord_fake"].fail_next("POST", rf"/webhooks/{hook_id}/[^/]+", status, body, headers, times=6)
    alert, _ = hostile_alert(rigs["db"], "story")
    await _deliver(rigs)
    (state,) = rigs["db"].execute("select state from deliveries where alert_id = ?", [alert.id]).fetchone()
    assert state == ("failed" if status in (401, 404) else "retrying")
    assert hook_id in caplog.text  # the webhook's requests were logged (debug), so there was a chance to leak
    _no_leak(rigs, caplog)


async def test_discord_crash_inside_a_handler(rigs, caplog, monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"upstream said no to {DISCORD_TOKEN} via /api/webhooks/1/{HOOK_TOKEN}")

    monkeypatch.setattr(service, "history", crash)
    fake = rigs["discord_fake"]
    payload = slash("history", channel_id=str(3300000000000000000 + next(_ids)))
    await send(fake, payload)
    (note,) = await fake.wait_for(lambda: fake.requests("POST", rf"/webhooks/{APP_ID}/{payload['token']}"))
    assert "Something went wrong" in note.json["content"]
    assert "RuntimeError" in caplog.text and "upstream said no" in caplog.text
    _no_leak(rigs, caplog)


# --- where a webhook target could be shown ----------------------------------------------------------


async def test_list_never_shows_a_webhook_token(rigs, caplog, capsys, monkeypatch, tmp_path) -> None:
    db = rigs["db"]
    url, scope = _hook()
    service.watch(db, scope, ["AMZN", "AAPL"])
    # a library error that quotes the whole URL, stored as the reason the webhook is broken
    subscriptions.mark_broken(db, scope.key, f"InvalidURL: {url}")
    shown = [await _slack(rigs, "list", f"CS{next(_ids)}")]
    fake = rigs["discord_fake"]
    (listing,) = await send(fake, slash("list", channel_id=str(3300000000000000000 + next(_ids))))
    shown.append(listing.json)
    (listing,) = await send(
        fake,
        slash(
            "feeds",
            channel_id=str(3300000000000000000 + next(_ids)),
            permissions=VIEW_AND_SEND | MANAGE_CHANNELS,
        ),
    )
    shown.append(listing.json)
    for var, value in rigs["env"].items():
        monkeypatch.setenv(var, value)
    monkeypatch.chdir(tmp_path)
    with contextlib.suppress(SystemExit):
        cli.main(["watch", "list"])
    out, err = capsys.readouterr()
    assert "discord:webhook:(hidden)" in out and "BROKEN" in out
    assert leaks(out + err + json.dumps(shown)) == []


# --- tokens planted in the platform's error bodies ---------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "code"),
    [
        (404, "Unknown Webhook (POST /webhooks/{hook_id}/{token}?wait=true)", 10015),
        (400, "Invalid Form Body: token {token} is not valid here", 50035),
        (400, "Cannot send: bot " + DISCORD_TOKEN + " via " + SLACK_BOT_TOKEN, 50006),
    ],
    ids=["request-path", "bare-webhook-token", "configured-tokens"],
)
async def test_tokens_in_error_bodies_are_stored_scrubbed_and_shown_nowhere(
    rigs, caplog, capsys, monkeypatch, tmp_path, status: int, message: str, code: int
) -> None:
    caplog.set_level(logging.DEBUG)
    db = rigs["db"]
    url, scope = _hook()
    service.watch(db, scope, ["AMZN"])
    _alone(rigs, scope)
    hook_id = url.split("/")[-2]
    body = {"message": message.format(hook_id=hook_id, token=HOOK_TOKEN), "code": code}
    rigs["discord_fake"].fail_next("POST", rf"/webhooks/{hook_id}/[^/]+", status, body)
    alert, _ = hostile_alert(db, "story")
    await _deliver(rigs)
    ((state, error),) = db.execute(
        "select state, last_error from deliveries where alert_id = ?", [alert.id]
    ).fetchall()
    assert state == "failed" and f"error code: {code}" in error and "***" in error  # stored, masked
    for var, value in rigs["env"].items():
        monkeypatch.setenv(var, value)
    monkeypatch.chdir(tmp_path)
    shown = []
    for argv in (
        ["export", "--format", "csv"],
        ["export", "--format", "jsonl"],
        ["history"],
        ["history", "--format", "jsonl"],
        ["watch", "list"],
    ):
        with contextlib.suppress(SystemExit):
            cli.main(argv)
        out, err = capsys.readouterr()
        shown.append(out + err)
    assert f"error code: {code}" in shown[0] and f"error code: {code}" in shown[1]  # the error is exported
    assert leaks("\n".join(shown)) == []
    _no_leak(rigs, caplog)
