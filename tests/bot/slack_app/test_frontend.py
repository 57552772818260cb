"""How the Slack front-end connects: Socket Mode with an app token, HTTP mode with a signing secret
and port, bad tokens refused at start, and inside `riskwire run`."""

from __future__ import annotations

import asyncio
import socket

import pytest

from bot.core.settings import Secret, Settings, SettingsError
from bot.ops.frontends import load_frontends
from bot.ops.runner import run_service
from bot.slack_app.frontend import SlackFrontend
from tests.fakes.slack_api import FakeSlackApi
from tests.slackkit import SIGNING_SECRET, command_body, post_signed


def socket_settings(slack_api: FakeSlackApi, db_path, **extra) -> Settings:  # type: ignore[no-untyped-def]
    values = {
        "db_path": str(db_path),
        "slack_bot_token": Secret(slack_api.bot_token),
        "slack_app_token": Secret(slack_api.app_token),
        "slack_api_url": slack_api.api_url.rstrip("/"),  # without the slash: the front-end adds it
        **extra,
    }
    return Settings(**values)


def test_the_mode_follows_the_credentials(slack_api, http_settings, db, db_path) -> None:
    (socket_mode,) = load_frontends(socket_settings(slack_api, db_path), db)
    assert isinstance(socket_mode, SlackFrontend) and socket_mode.mode == "socket"
    # an app token wins even when HTTP mode is configured too
    both = socket_settings(slack_api, db_path, slack_signing_secret=Secret("s"), slack_port=0)
    assert load_frontends(both, db)[0].mode == "socket"  # type: ignore[attr-defined]
    (http_mode,) = load_frontends(http_settings, db)
    assert isinstance(http_mode, SlackFrontend) and http_mode.mode == "http"
    assert load_frontends(Settings(db_path=str(db_path), slack_bot_token=Secret("xoxb-1")), db) == []
    assert "xoxb" not in repr(http_mode) and "xoxb" not in repr(http_settings)


async def test_socket_mode_answers_a_slash_command(slack_api, db, db_path) -> None:
    front = SlackFrontend(socket_settings(slack_api, db_path), db)
    await front.start()
    try:
        (opened,) = slack_api.calls_to("apps.connections.open")
        assert opened.token == slack_api.app_token
        await slack_api.socket_send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": "T1",
                    "channel_id": "C1",
                    "user_id": "U1",
                    "command": "/riskwire",
                    "text": "watch AMZN",
                    "response_url": slack_api.response_url("sock"),
                    "trigger_id": "1.2.3",
                    "api_app_id": "A1",
                },
            }
        )
        ack = await slack_api.wait_for(
            lambda: next((a for a in slack_api.socket_acks if a.get("envelope_id") == "env-1"), None)
        )
        assert ack["envelope_id"] == "env-1"
        answer = await slack_api.wait_for(
            lambda: next((b for n, b in slack_api.responses if n == "sock"), None)
        )
        assert "AMZN" in answer["text"]
        assert [r["target"] for r in db["subscriptions"].rows] == ["slack:T1/C1"]
    finally:
        await front.stop()


async def test_refused_tokens_stop_the_start_with_a_clear_message(slack_api, db, db_path) -> None:
    bad_bot = Settings(
        db_path=str(db_path),
        slack_bot_token=Secret("xoxb-wrong"),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_port=0,
        slack_host="127.0.0.1",
        slack_api_url=slack_api.api_url,
    )
    with pytest.raises(SettingsError, match=r"SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\)") as err:
        await SlackFrontend(bad_bot, db).start()
    assert "xoxb-wrong" not in str(err.value)
    bad_app = socket_settings(slack_api, db_path, slack_app_token=Secret("xapp-wrong"))
    front = SlackFrontend(bad_app, db)
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN was refused") as err:
        await front.start()
    assert "xapp-wrong" not in str(err.value)
    await front.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_riskwire_run_serves_slack_commands(slack_api, db_path, capsys) -> None:
    port = _free_port()
    settings = Settings(
        db_path=str(db_path),
        slack_bot_token=Secret(slack_api.bot_token),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_port=port,
        slack_host="127.0.0.1",
        slack_api_url=slack_api.api_url,
    )
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, stop))
    try:
        await slack_api.wait_for(lambda: slack_api.calls_to("auth.test"))
        url = f"http://127.0.0.1:{port}/slack/events"
        for _ in range(500):  # the listener comes up right after auth.test; wait for it, not for a clock
            try:
                status, _ = await post_signed(
                    url, command_body("list", response_url=slack_api.response_url("run"))
                )
                break
            except OSError:
                await asyncio.sleep(0.01)
        assert status == 200
        answer = await slack_api.wait_for(
            lambda: next((b for n, b in slack_api.responses if n == "run"), None)
        )
        assert "watches nothing" in answer["text"]
    finally:
        stop.set()
        assert await asyncio.wait_for(service, 10) == 0
    assert "Riskwire stopped." in capsys.readouterr().out
