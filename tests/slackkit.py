"""Drive the real Bolt app like Slack does: signed slash commands and button clicks over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

SIGNING_SECRET = "test-signing-secret"


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 scheme: HMAC-SHA256 of 'v0:{timestamp}:{body}' with the signing secret."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def command_body(
    text: str, *, team: str = "T1", channel: str = "C1", user: str = "U1", response_url: str = ""
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "risk",
            "user_id": user,
            "user_name": "analyst",
            "command": "/riskwire",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def action_payload(
    action_id: str,
    value: str,
    *,
    team: str = "T1",
    channel: str = "C1",
    user: str = "U1",
    message_ts: str = "",
    response_url: str = "",
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "example"},
        "user": {"id": user, "username": "analyst", "team_id": team},
        "api_app_id": "A1",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "trigger_id": "1.2.3",
        "channel": {"id": channel, "name": "risk"},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "riskwire_review",
                "value": value,
                "type": "button",
                "action_ts": "1.0",
            }
        ],
    }


def action_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


async def post_signed(
    url: str,
    body: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    bad_signature: bool = False,
) -> tuple[int, str]:
    """POST a form body to the app as Slack would; returns (status, body text)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = signature(secret, ts, body)
    if bad_signature:
        sig = sig[:-4] + ("0000" if not sig.endswith("0000") else "1111")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    }
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.text()


def queue_alert(db: Any, n: int = 1, ticker: str = "AMZN", at: str = "2026-11-27T12:00:00+00:00") -> str:
    """Store an article and its alert and queue it for every subscribed target, as a poll would."""
    from bot.pipeline.alerts import build_alert
    from bot.pipeline.process import fan_out
    from feeds.models import Article
    from rules.models import Match
    from storage import alerts as alert_store
    from storage import articles as article_store

    article = Article(
        id=f"a{n}",
        link=f"https://n.example.com/a{n}",
        title=f"Amazon accused of sanctions breach, report {n}",
        summary="A former employee says Amazon breached sanctions.",
    )
    article_store.save_articles(db, [article], at)
    alert = build_alert(article, Match(ticker, "Amazon.com, Inc.", ("sanctions",), "high"), at)
    alert_store.insert_alert(db, alert.to_row())
    fan_out(db, alert, at)
    return alert.id


def slack_notifier_for(api_url: str, token: str) -> Any:
    """The production SlackNotifier (as `riskwire run` and `poll --once` build it) for the fake, unpaced."""
    from bot.core.settings import Secret, Settings
    from bot.delivery.slack import slack_notifier

    made = slack_notifier(Settings(slack_bot_token=Secret(token), slack_api_url=api_url))
    made.min_interval = 0.0
    return made
