"""A minimal Slack notifier for the service's delivery tests, on the real slack_sdk AsyncWebClient.

It follows the outbox's recovery protocol (bot/delivery/base.py): every message carries metadata
{event_type, event_payload: {alert_id, delivery_id[, report_id]}} (a digest's: {slot}), and
`find_sent` looks for it with conversations.history(include_all_metadata=True).
`frontend(settings, db)` plugs it into `riskwire run` through the `frontends` setting, so a
subprocess test can run the real command against tests/fakes/fake_slack.py. (The Slack
front-end's own notifier is built elsewhere.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import sqlite_utils
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings
from bot.delivery.base import DeliveryRef, Report, SendResult, current_delivery
from bot.delivery.targets import Target
from bot.pipeline.alerts import Alert
from bot.rendering.text import render_text, render_update_text

ALERT_EVENT = "riskwire_alert"
UPDATE_EVENT = "riskwire_update"
DIGEST_EVENT = "riskwire_digest"
LOOKBACK_SECONDS = 120


def _result(exc: Exception) -> SendResult:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or status)
        if status == 429:
            after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            return SendResult.retry(f"rate limited ({error})", float(after) if after else None)
        if error in ("channel_not_found", "not_in_channel", "is_archived", "invalid_auth"):
            return SendResult.fail(error, broken=True)
        return SendResult.retry(error)
    return SendResult.retry(f"{type(exc).__name__}: {exc}"[:200])


class MiniSlackNotifier:
    """Posts alerts with chat.postMessage; thread replies for story updates; finds interrupted posts."""

    platform = "slack"

    def __init__(self, base_url: str, token: str) -> None:
        # no client-side retries: a retried POST could post twice; the outbox retries instead
        self.client = AsyncWebClient(token=token, base_url=base_url, retry_handlers=[], timeout=10)

    def _metadata(self, event: str, alert_id: str, report_id: int | None = None) -> dict[str, Any]:
        ref = current_delivery.get()
        payload: dict[str, Any] = {"alert_id": alert_id, "delivery_id": ref.id if ref else None}
        if report_id is not None:
            payload["report_id"] = report_id
        return {"event_type": event, "event_payload": payload}

    async def send(self, alert: Alert, target: Target) -> SendResult:
        try:
            response = await self.client.chat_postMessage(
                channel=target.channel or "",
                text=render_text(alert),
                metadata=self._metadata(ALERT_EVENT, alert.id),
            )
        except (SlackApiError, aiohttp.ClientError) as exc:
            return _result(exc)
        return SendResult.sent(str(response.get("ts")))

    async def send_update(
        self, alert: Alert, report: Report, target: Target, message_ref: str | None
    ) -> SendResult:
        try:
            response = await self.client.chat_postMessage(
                channel=target.channel or "",
                thread_ts=message_ref,
                text=render_update_text(alert, report.source, report.title, report.link),
                metadata=self._metadata(UPDATE_EVENT, alert.id, report.id),
            )
        except (SlackApiError, aiohttp.ClientError) as exc:
            return _result(exc)
        return SendResult.sent(str(response.get("ts")))

    async def send_text(self, text: str, target: Target) -> SendResult:
        """A digest, as plain text; its metadata names the digest's slot."""
        ref = current_delivery.get()
        meta = {"event_type": DIGEST_EVENT, "event_payload": {"slot": ref.slot if ref else None}}
        try:
            response = await self.client.chat_postMessage(
                channel=target.channel or "", text=text, metadata=meta
            )
        except (SlackApiError, aiohttp.ClientError) as exc:
            return _result(exc)
        return SendResult.sent(str(response.get("ts")))

    async def find_sent(self, delivery: DeliveryRef) -> str | None:
        """The ts of the message this delivery posted before an interruption, or None."""
        oldest = 0.0
        if delivery.started:
            oldest = datetime.fromisoformat(delivery.started).timestamp() - LOOKBACK_SECONDS
        event = {"digest": DIGEST_EVENT, "update": UPDATE_EVENT}.get(delivery.kind, ALERT_EVENT)
        cursor = None
        while True:
            response = await self.client.conversations_history(
                channel=delivery.target.channel or "",
                oldest=str(oldest),
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in response.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") != event:
                    continue
                if event == DIGEST_EVENT:
                    if payload.get("slot") == delivery.slot:
                        return str(message.get("ts"))
                    continue
                if payload.get("alert_id") != delivery.alert_id:
                    continue
                if delivery.report_id is None or payload.get("report_id") == delivery.report_id:
                    return str(message.get("ts"))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None


class MiniSlackFrontend:
    """Just the notifier: no commands, no socket."""

    platform = "slack"

    def __init__(self, notifier: MiniSlackNotifier) -> None:
        self.notifier = notifier

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None  # the client opens a session per call


def frontend(settings: Settings, db: sqlite_utils.Database) -> MiniSlackFrontend:
    """The `frontends` plugin factory: posts to SLACK_API_URL with SLACK_BOT_TOKEN."""
    return MiniSlackFrontend(MiniSlackNotifier(settings.slack_api_url, settings.slack_bot_token.value))
