"""The Slack notifier: alerts, story updates (thread replies), notices and digests through
chat.postMessage, and crash recovery through message metadata.

Slack's answers map onto SendResult: `ratelimited` is retried after Retry-After; errors that mean
the channel can never be posted to (gone, bot not in it, token revoked) mark the target broken so
it is not retried forever; server trouble is retried with backoff by the outbox. Posts to one
channel are paced (Slack allows about one message per second per channel).

Exactly once: the client makes no retries of its own (`retry_handlers=[]`: a POST retried after a
dropped connection may post twice; the outbox retries instead). Every alert and update carries
metadata `{"event_type": "riskwire_alert" | "riskwire_update", "event_payload": {"alert_id",
"delivery_id"[, "report_id"]}}`, every digest `{"event_type": "riskwire_digest", "event_payload":
{"target", "start", "end", "alerts", "delivery_id"}}` (the delivery id is the digest run's). After
a crash the outbox (or the digest runner) asks `find_sent`, which reads the channel
(conversations.history, or conversations.replies under the story's alert for an update) with
`include_all_metadata` in a narrow window around the interrupted attempt, and returns the message
found. Reading needs the channels:history (public channels) and groups:history (private channels)
scopes; without them `find_sent` says "not found" (the delivery is sent again, at least once, as
before) and logs that once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings
from bot.delivery.base import DeliveryRef, Report, SendResult, current_delivery
from bot.delivery.outbox import SEND_TIMEOUT
from bot.delivery.targets import Target
from bot.pipeline.alerts import Alert
from bot.rendering.text import topic_labels
from bot.slack_app.blocks import (
    alert_blocks,
    alert_fallback,
    notice_text,
    text_blocks,
    update_blocks,
    update_fallback,
)
from bot.slack_app.digest_blocks import digest_blocks, digest_fallback
from bot.slack_app.escape import escape_text, truncate
from bot.usecases.digest import Digest

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

ALERT_EVENT = "riskwire_alert"
UPDATE_EVENT = "riskwire_update"
DIGEST_EVENT = "riskwire_digest"
HISTORY_SCOPES = "channels:history (public channels) and groups:history (private channels)"
# The window searched around an interrupted attempt: our clock and Slack's may differ a little, and a
# send lasts at most the outbox's SEND_TIMEOUT before its outcome is unknown.
FIND_BEFORE = 300.0
FIND_AFTER = FIND_BEFORE + SEND_TIMEOUT
FIND_PAGE = 200  # Slack may return fewer (15 for some non-Marketplace apps); cursors page on
FIND_MAX_PAGES = 40
# "not there": the message cannot exist (no history to read, channel or thread gone, bot not in it)
NOT_THERE = {"missing_scope", "not_in_channel", "channel_not_found", "thread_not_found", "is_archived"}


class CannotTell(RuntimeError):
    """Slack cannot say now whether a message was posted (rate limited, down, too much to read)."""


def message_ref(channel: str, ts: str) -> str:
    """How a posted message is remembered ('CHANNEL:TS'), so buttons and threads can find it."""
    return f"{channel}:{ts}"


def parse_message_ref(ref: str | None, channel: str | None = None) -> tuple[str, str] | None:
    """('CHANNEL', 'TS') from 'CHANNEL:TS' (a bare 'TS' is taken to be in `channel`); None if unusable."""
    if not ref:
        return None
    where, sep, ts = ref.rpartition(":")
    if not sep:
        where, ts = channel or "", ref
    if not where or not ts or not ts.replace(".", "", 1).isdigit():
        return None
    return where, ts


def _retry_after(exc: SlackApiError) -> float | None:
    headers: Mapping[str, Any] = getattr(exc.response, "headers", None) or {}
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            try:
                return max(float(value if not isinstance(value, list) else value[0]), 0.0)
            except (TypeError, ValueError):
                return None
    return None


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")


def _metadata(event: str, **payload: Any) -> dict[str, Any]:
    """Message metadata naming the delivery being worked on (see bot/delivery/base.py)."""
    ref = current_delivery.get()
    body = {k: v for k, v in payload.items() if v is not None}
    body["delivery_id"] = ref.id if ref else None
    return {"event_type": event, "event_payload": body}


def _is_for(meta: Mapping[str, Any], delivery: DeliveryRef) -> bool:
    """Whether a message's metadata names this delivery: its alert (and report), or for a digest its
    target and the end of its window (any attempt at that digest counts)."""
    payload = meta.get("event_payload") or {}
    if delivery.kind == "digest":
        return (
            meta.get("event_type") == DIGEST_EVENT
            and payload.get("target") == delivery.target.key
            and _same_time(payload.get("end"), delivery.slot)
        )
    event = UPDATE_EVENT if delivery.kind == "update" else ALERT_EVENT
    if meta.get("event_type") != event or payload.get("alert_id") != delivery.alert_id:
        return False
    return delivery.report_id is None or payload.get("report_id") == delivery.report_id


def _same_time(a: Any, b: str | None) -> bool:
    try:
        return datetime.fromisoformat(str(a)) == datetime.fromisoformat(str(b))
    except ValueError:
        return False


class SlackNotifier:
    """Posts to Slack channels through the real AsyncWebClient (its base URL is a setting)."""

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
        self._history_blocked_until = 0.0
        self._scope_warned = False

    # --- posting ------------------------------------------------------------------------------------

    async def wait_turn(self, target: Target) -> None:
        """Wait until a post to the target's channel would not be paced (the outbox waits here
        without holding a send slot; `_post` still checks, so a caller that skips this is paced)."""
        wait = self._last_post.get(target.key, float("-inf")) + self.min_interval - self._clock()
        if wait > 0:
            await self._sleep(wait)

    async def send(self, alert: Alert, target: Target) -> SendResult:
        """Post `alert` to the target's channel; never raises for Slack or network trouble."""
        return await self._post(
            target,
            text=alert_fallback(alert, self._labels),
            blocks=alert_blocks(alert, self._labels),
            metadata=_metadata(ALERT_EVENT, alert_id=alert.id),
        )

    async def send_update(
        self, alert: Alert, report: Report, target: Target, message_ref: str | None
    ) -> SendResult:
        """Post "also reported by SOURCE: headline" as a thread reply under the story's alert
        (`message_ref`, 'CHANNEL:TS'); a top-level message naming the story when that is unknown."""
        parent = parse_message_ref(message_ref, target.channel)
        threaded = parent is not None and parent[0] == target.channel
        return await self._post(
            target,
            text=update_fallback(alert, report, threaded=threaded),
            blocks=update_blocks(alert, report, threaded=threaded),
            metadata=_metadata(UPDATE_EVENT, alert_id=alert.id, report_id=report.id),
            thread_ts=parent[1] if threaded and parent else None,
        )

    async def send_notice(self, target: Target, text: str) -> SendResult:
        """Post a one-off notice (a feed this channel added was paused or works again)."""
        shown = notice_text(text)
        return await self._post(target, text=shown, blocks=text_blocks(shown))

    async def send_digest(self, digest: Digest, target: Target) -> SendResult:
        """Post a digest as Block Kit: grouped by ticker and topic, one linked line per story."""
        return await self._post(
            target,
            text=digest_fallback(digest, self._labels),
            blocks=digest_blocks(digest, self._labels),
            metadata=_metadata(
                DIGEST_EVENT,
                target=digest.target,
                start=digest.start.isoformat(),
                end=digest.end.isoformat(),
                alerts=digest.total,
            ),
        )

    async def send_text(self, text: str, target: Target) -> SendResult:
        """Post plain text (escaped: it is never read as Slack markup)."""
        return await self._post(target, text=truncate(escape_text(text), 3900))

    async def _post(
        self,
        target: Target,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> SendResult:
        """One chat.postMessage, paced per channel, link previews off; never raises for Slack or
        network trouble."""
        if target.platform != "slack" or not target.channel:
            return SendResult.fail(f"not a Slack channel target: {target}")
        key = target.key
        blocked = self._blocked_until.get(key, 0.0) - self._clock()
        if blocked > 0:  # Slack told us to wait; asking again early only extends the penalty
            return SendResult.retry("ratelimited", retry_after=blocked)
        wait = self._last_post.get(key, float("-inf")) + self.min_interval - self._clock()
        if wait > 0:
            await self._sleep(wait)
        extra: dict[str, Any] = {}
        if blocks is not None:
            extra["blocks"] = blocks
        if metadata is not None:
            extra["metadata"] = metadata
        if thread_ts:
            extra["thread_ts"] = thread_ts
        try:
            response = await self.client.chat_postMessage(
                channel=target.channel, text=text, unfurl_links=False, unfurl_media=False, **extra
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
        error = _error(exc)
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

    # --- crash recovery -----------------------------------------------------------------------------

    async def find_sent(self, delivery: DeliveryRef) -> str | None:
        """The message ('CHANNEL:TS') an interrupted delivery posted, found by its metadata; None when
        it certainly is not there (or the app may not read the channel: then it is sent again).

        Raises CannotTell when Slack cannot answer now (rate limited, down, too many messages in
        the window); the outbox then asks again later and never sends blindly.
        """
        channel = delivery.target.channel
        if delivery.target.platform != "slack" or not channel:
            return None
        wait = self._history_blocked_until - self._clock()
        if wait > 0:
            raise CannotTell(f"Slack asked us to wait {wait:.0f}s before reading history")
        parent = parse_message_ref(delivery.parent_ref, channel) if delivery.kind == "update" else None
        try:
            async for message in self._messages(channel, parent[1] if parent else None, delivery.started):
                if _is_for(message.get("metadata") or {}, delivery):
                    return message_ref(channel, str(message.get("ts")))
        except SlackApiError as exc:
            return self._find_failure(exc, delivery)
        return None

    async def _messages(
        self, channel: str, thread_ts: str | None, started: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        """The channel's top-level messages (or one thread's) posted around `started`, page by page."""
        window: dict[str, Any] = {"include_all_metadata": True, "limit": FIND_PAGE}
        if started:
            try:
                begun = datetime.fromisoformat(started).timestamp()
            except ValueError:
                begun = None
            if begun is not None:
                window.update(
                    oldest=f"{begun - FIND_BEFORE:.6f}", latest=f"{begun + FIND_AFTER:.6f}", inclusive=True
                )
        cursor: str | None = None
        for _ in range(FIND_MAX_PAGES):
            if thread_ts:
                response = await self.client.conversations_replies(
                    channel=channel, ts=thread_ts, cursor=cursor, **window
                )
            else:
                response = await self.client.conversations_history(channel=channel, cursor=cursor, **window)
            for message in response.get("messages") or []:
                yield message
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return
        raise CannotTell(f"more than {FIND_MAX_PAGES} pages of messages in the window")

    def _find_failure(self, exc: SlackApiError, delivery: DeliveryRef) -> str | None:
        error = _error(exc)
        if error == "ratelimited" or exc.response.status_code == 429:
            wait = _retry_after(exc)
            self._history_blocked_until = self._clock() + (60.0 if wait is None else wait)
            raise CannotTell("ratelimited reading the channel history") from None
        if error == "missing_scope" and not self._scope_warned:
            self._scope_warned = True
            log.warning(
                "Slack: cannot read channel history to check interrupted posts (missing_scope); add "
                "the %s scopes, or an interrupted post may be posted twice",
                HISTORY_SCOPES,
            )
        if error in NOT_THERE:
            log.info("Slack: %s to %s treated as not posted (%s)", delivery.kind, delivery.target, error)
            return None
        raise CannotTell(f"reading the channel history failed: {error}") from None


def slack_client(settings: Settings) -> AsyncWebClient:
    """The AsyncWebClient for the bot token and Web API base URL in `settings`, without client-side
    retries (a POST retried after a dropped connection can post twice; the outbox retries)."""
    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return AsyncWebClient(token=settings.slack_bot_token.value, base_url=base, retry_handlers=[])


def slack_notifier(settings: Settings) -> SlackNotifier:
    """A notifier using the bot token and Web API base URL from `settings` (no app token needed)."""
    return SlackNotifier(slack_client(settings))
