"""The Slack notifier: one chat.postMessage per alert, Block Kit with a plain-text fallback.

Slack's answers map onto SendResult: `ratelimited` is retried after Retry-After; errors that mean
the channel can never be posted to (gone, bot not in it, token revoked) mark the target broken so
it is not retried forever; server trouble is retried with backoff by the outbox. Posts to one
channel are paced (Slack allows about one message per second per channel).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import Alert
from bot.delivery.base import SendResult
from bot.render import topic_labels
from bot.settings import Settings
from bot.slack_app.blocks import alert_blocks, alert_fallback
from bot.targets import Target

log = logging.getLogger(__name__)

# error -> what the person fixing it should know (stored as the subscription's broken reason)
BROKEN: dict[str, str] = {
    "channel_not_found": "the channel is gone, or private and the app was never added",
    "not_in_channel": "the app is not in the channel; invite it with /invite @Riskwire",
    "is_archived": "the channel is archived",
    "channel_is_archived": "the channel is archived",
    "invalid_auth": "Slack refused the bot token",
    "not_authed": "no bot token was sent",
    "account_inactive": "the bot token belongs to a deleted app or user",
    "token_revoked": "the bot token was revoked",
    "token_expired": "the bot token expired",
    "missing_scope": "the app lacks the chat:write scope",
    "team_access_not_granted": "the app is not installed in this workspace",
    "restricted_action": "the workspace does not let the app post here",
}
TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
MIN_INTERVAL = 1.0


def message_ref(channel: str, ts: str) -> str:
    """How a posted message is remembered ('CHANNEL:TS'), so buttons and threads can find it."""
    return f"{channel}:{ts}"


def _retry_after(exc: SlackApiError) -> float | None:
    headers: Mapping[str, Any] = getattr(exc.response, "headers", None) or {}
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            try:
                return max(float(value if not isinstance(value, list) else value[0]), 0.0)
            except (TypeError, ValueError):
                return None
    return None


class SlackNotifier:
    """Posts alerts to Slack channels through the real AsyncWebClient (its base URL is a setting)."""

    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        min_interval: float = MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._labels = topic_labels()
        self._last_post: dict[str, float] = {}
        self._blocked_until: dict[str, float] = {}

    async def send(self, alert: Alert, target: Target) -> SendResult:
        """Post `alert` to the target's channel; never raises for Slack or network trouble."""
        if target.platform != "slack" or not target.channel:
            return SendResult.fail(f"not a Slack channel target: {target}")
        key = target.key
        blocked = self._blocked_until.get(key, 0.0) - self._clock()
        if blocked > 0:  # Slack told us to wait; asking again early only extends the penalty
            return SendResult.retry("ratelimited", retry_after=blocked)
        wait = self._last_post.get(key, float("-inf")) + self.min_interval - self._clock()
        if wait > 0:
            await self._sleep(wait)
        try:
            response = await self.client.chat_postMessage(
                channel=target.channel,
                text=alert_fallback(alert, self._labels),
                blocks=alert_blocks(alert, self._labels),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            return self._failure(exc, key)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return SendResult.retry(f"network error: {type(exc).__name__}")
        finally:
            self._last_post[key] = self._clock()
        return SendResult.sent(
            message_ref(str(response.get("channel") or target.channel), str(response["ts"]))
        )

    def _failure(self, exc: SlackApiError, key: str) -> SendResult:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        status = exc.response.status_code
        if error == "ratelimited" or status == 429:
            wait = _retry_after(exc)
            wait = 30.0 if wait is None else wait
            self._blocked_until[key] = self._clock() + wait
            return SendResult.retry("ratelimited", retry_after=wait)
        if error in BROKEN:
            return SendResult.fail(f"{error}: {BROKEN[error]}", broken=True)
        if error in TRANSIENT or status >= 500:
            return SendResult.retry(error)
        return SendResult.fail(error)


def slack_notifier(settings: Settings) -> SlackNotifier:
    """A notifier using the bot token and Web API base URL from `settings` (no app token needed)."""
    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return SlackNotifier(AsyncWebClient(token=settings.slack_bot_token.value, base_url=base))
