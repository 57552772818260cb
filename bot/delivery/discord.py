"""Discord notifiers: alerts posted by the bot (`discord:GUILD/CHANNEL`) or through a channel webhook
(`discord:webhook:URL`, for servers that want alerts without inviting the bot).

Both send alerts as embeds, story updates ("also reported by ...") as a reply to the alert (a plain
follow-up message through a webhook, which cannot reply), notices and digests, always with
`allowed_mentions` that allow nothing. Outcomes map onto SendResult: a rate limit longer than the
client will wait is a retry after Retry-After; 403 Missing Access / Missing Permissions and 404
Unknown Channel / Unknown Webhook mark the target broken (not retried); other refusals fail that one
message; network trouble and 5xx are retried.

Exactly once (bot channels). Every message the bot posts for a delivery carries a nonce derived from
that delivery (`nonce_for`) with `enforce_nonce`, so a resend of the same delivery within Discord's
nonce window ("a few minutes") returns the first message instead of posting a second. A delivery
left `sending` by a crash is resolved by `find_sent`: it reads the channel's recent messages (Read
Message History) for the bot's message carrying the alert's buttons (or, for a story update, the
reply to the alert that links the report). Where the channel cannot be read, it answers "not
found": the resend then relies on the nonce, so an interruption longer than the window may post
twice. Webhooks take no nonce and cannot be asked what they posted: webhook deliveries are
at-least-once (a crash between Discord's answer and our record may post an alert twice).

Digests work the same way: the nonce comes from the target and the end of the digest's window
(`digest_nonce`, the same at every attempt), and `find_sent` recognises the bot's digest message by
its last embed (footer "Riskwire ... digest", timestamp the end of the window).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import sqlite_utils

from bot.core.settings import Settings, SettingsError
from bot.delivery.base import DeliveryRef, SendResult, current_delivery
from bot.delivery.targets import Target
from bot.discord_app import endpoints
from bot.discord_app.embeds import NO_MENTIONS, alert_embed, link
from bot.discord_app.messages import digest_message, marks_digest, notice_text, update_text
from bot.discord_app.views import alert_view, custom_id
from bot.pipeline.alerts import Alert
from bot.pipeline.stories import Report
from bot.usecases.digest import Digest
from storage import deliveries
from storage import reports as report_store

log = logging.getLogger(__name__)

SEND_TIMEOUT = 60.0
WEBHOOK_NAME = "Riskwire"
FIND_MARGIN = timedelta(minutes=5)  # clock skew between us and Discord
FIND_SCAN = 300  # recent messages read at most when looking for an interrupted post
_WEBHOOK_URL = re.compile(r"/api/(?:v\d+/)?webhooks/(\d{1,20})/([A-Za-z0-9._\-]{1,200})/?$")
_MESSAGE_REF = re.compile(r"(\d{1,20}):(\d{1,20})")
_BROKEN_CODES = {50027}  # Invalid Webhook Token (a 401)


def result_for(exc: BaseException) -> SendResult:
    """The SendResult for an exception raised while posting to Discord."""
    if isinstance(exc, discord.RateLimited):
        return SendResult.retry(f"rate limited for {exc.retry_after:.1f}s", exc.retry_after)
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        return SendResult.fail(_describe(exc), broken=True)
    if isinstance(exc, discord.DiscordServerError):
        return SendResult.retry(_describe(exc))
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            return SendResult.retry(_describe(exc), _retry_after(exc))
        if exc.code in _BROKEN_CODES:
            return SendResult.fail(_describe(exc), broken=True)
        if exc.status == 401:
            return SendResult.retry("Discord refused the bot token (401); check DISCORD_TOKEN")
        return SendResult.fail(_describe(exc))
    if isinstance(exc, aiohttp.ClientError | OSError | asyncio.TimeoutError):
        return SendResult.retry(f"{type(exc).__name__}: {exc}"[:300])
    raise exc


def _describe(exc: discord.HTTPException) -> str:
    # e.g. "403 Forbidden (error code: 50001): Missing Access"; never contains the token or webhook URL
    return str(exc)[:300]


def _retry_after(exc: discord.HTTPException) -> float | None:
    raw = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def parse_webhook(url: str) -> tuple[int, str] | None:
    """(webhook id, token) from a webhook URL such as https://discord.com/api/webhooks/ID/TOKEN."""
    m = _WEBHOOK_URL.search(url or "")
    return (int(m.group(1)), m.group(2)) if m else None


def parse_message_ref(ref: str | None) -> tuple[int, int] | None:
    """(channel id, message id) from the message_ref a send returned ("CHANNEL_ID:MESSAGE_ID")."""
    m = _MESSAGE_REF.fullmatch(ref or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def _nonce(key: str) -> str:
    return "rw" + hashlib.blake2b(key.encode(), digest_size=11).hexdigest()  # 24 characters


def nonce_for(ref: DeliveryRef | None) -> str | None:
    """The nonce of one delivery's message: the same at every attempt, different for every other
    delivery (Discord compares an author's nonces across channels, so the target is part of it)."""
    if ref is None:
        return None
    return _nonce(f"{ref.kind}:{ref.id}:{ref.alert_id}:{ref.report_id or ''}:{ref.target.key}")


def digest_nonce(digest: Digest) -> str:
    """The nonce of one digest (target and window end): a retried digest is not posted twice."""
    return _nonce(f"digest:{digest.target}:{digest.end.isoformat()}")


def _message_ref(message: discord.Message) -> str:
    return f"{message.channel.id}:{message.id}"


class DiscordWebhookNotifier:
    """Posts through channel webhooks (no buttons: a plain webhook cannot carry them).

    The webhook URL identifies the webhook; the request goes to the Discord API base in use
    (DISCORD_API_URL when set), like every other Discord request. With `keep_session` (the default)
    one HTTP session is kept until `close()`; without it each post opens and closes its own, for
    short-lived commands (`riskwire poll --once`) that never call `close()`.
    """

    platform = "discord"

    def __init__(self, session: aiohttp.ClientSession | None = None, *, keep_session: bool = True) -> None:
        self._session = session
        self._own_session = session is None
        self._keep = keep_session or session is not None

    def serves(self, target: Target) -> bool:
        """Webhook targets only: a `discord:GUILD/CHANNEL` target needs the bot."""
        return bool(target.webhook)

    async def send(self, alert: Alert, target: Target) -> SendResult:
        return await self._post(target, embed=alert_embed(alert))

    async def send_update(
        self, alert: Alert, report: Report, target: Target, message_ref: str | None
    ) -> SendResult:
        """A follow-up message "also reported by ..." (a webhook cannot reply to a message)."""
        return await self._post(target, content=update_text(alert, report), suppress_embeds=True)

    async def send_notice(self, target: Target, text: str) -> SendResult:
        return await self._post(target, content=notice_text(text), suppress_embeds=True)

    async def send_digest(self, digest: Digest, target: Target) -> SendResult:
        content, embeds = digest_message(digest)
        return await self._post(target, content=content, embeds=embeds)

    @contextlib.asynccontextmanager
    async def _http(self) -> AsyncIterator[aiohttp.ClientSession]:
        if not self._keep:
            async with aiohttp.ClientSession() as session:
                yield session
            return
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        yield self._session

    async def _post(self, target: Target, **kwargs: Any) -> SendResult:
        parsed = parse_webhook(target.webhook or "")
        if parsed is None:
            return SendResult.fail("not a Discord webhook URL (…/api/webhooks/ID/TOKEN)", broken=True)
        async with self._http() as session:
            webhook = discord.Webhook.partial(parsed[0], parsed[1], session=session)
            try:
                message = await asyncio.wait_for(
                    webhook.send(username=WEBHOOK_NAME, allowed_mentions=NO_MENTIONS, wait=True, **kwargs),
                    SEND_TIMEOUT,
                )
            except Exception as exc:
                return result_for(exc)
        return SendResult.sent(_message_ref(message))

    async def close(self) -> None:
        """Close the HTTP session this notifier opened (a session passed in belongs to the caller)."""
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None


class DiscordNotifier:
    """Posts as the bot: alert embeds with the review buttons, replies, notices and digests, through the
    client's REST connection (the gateway is not used for posting; the client only needs a login).

    Webhook targets go to a DiscordWebhookNotifier. `db` lets `find_sent` recognise an interrupted
    story update (the alert's message and the report's link); without it only alerts are looked up.
    """

    platform = "discord"

    def __init__(
        self,
        client: discord.Client,
        webhooks: DiscordWebhookNotifier | None = None,
        db: sqlite_utils.Database | None = None,
    ) -> None:
        self.client = client
        self.webhooks = webhooks or DiscordWebhookNotifier()
        self.db = db

    async def send(self, alert: Alert, target: Target) -> SendResult:
        if target.webhook:
            return await self.webhooks.send(alert, target)
        return await self._post(
            target, nonce_for(current_delivery.get()), embed=alert_embed(alert), view=alert_view(alert.id)
        )

    async def send_update(
        self, alert: Alert, report: Report, target: Target, message_ref: str | None
    ) -> SendResult:
        """A reply to the alert's message (posted plainly if that message is gone) naming the outlet."""
        if target.webhook:
            return await self.webhooks.send_update(alert, report, target, message_ref)
        reference = None
        parent = parse_message_ref(message_ref)
        if parent is not None and target.workspace and target.workspace.isdigit():
            reference = discord.MessageReference(
                message_id=parent[1],
                channel_id=parent[0],
                guild_id=int(target.workspace),
                fail_if_not_exists=False,
            )
        return await self._post(
            target,
            nonce_for(current_delivery.get()),
            content=update_text(alert, report),
            reference=reference,
            suppress_embeds=True,
        )

    async def send_notice(self, target: Target, text: str) -> SendResult:
        if target.webhook:
            return await self.webhooks.send_notice(target, text)
        return await self._post(target, None, content=notice_text(text), suppress_embeds=True)

    async def send_digest(self, digest: Digest, target: Target) -> SendResult:
        if target.webhook:
            return await self.webhooks.send_digest(digest, target)
        content, embeds = digest_message(digest)
        return await self._post(target, digest_nonce(digest), content=content, embeds=embeds)

    def _channel(self, target: Target) -> discord.PartialMessageable | SendResult:
        if not (target.workspace or "").isdigit() or not (target.channel or "").isdigit():
            return SendResult.fail("a Discord target is discord:GUILD_ID/CHANNEL_ID (numbers)", broken=True)
        if self.client.user is None or self.client.is_closed():
            return SendResult.retry("the Discord client is not logged in")
        return self.client.get_partial_messageable(
            int(target.channel or 0), guild_id=int(target.workspace or 0)
        )

    async def _post(self, target: Target, nonce: str | None, **kwargs: Any) -> SendResult:
        channel = self._channel(target)
        if isinstance(channel, SendResult):
            return channel
        if nonce is not None:
            kwargs["nonce"] = nonce  # discord.py sends it with enforce_nonce
        try:
            message = await asyncio.wait_for(
                channel.send(allowed_mentions=NO_MENTIONS, **kwargs), SEND_TIMEOUT
            )
        except Exception as exc:
            return result_for(exc)
        return SendResult.sent(_message_ref(message))

    # --- crash recovery ---------------------------------------------------------------------------

    async def find_sent(self, delivery: DeliveryRef) -> str | None:
        """The message_ref of the message this delivery posted before an interruption, or None.

        Raises when Discord cannot be asked now (not logged in, network, 5xx, rate limit): the
        delivery stays unresolved and is asked about again. A channel the bot cannot read answers
        None (the resend is covered by the nonce within Discord's window; see the module docstring).
        """
        target = delivery.target
        if target.webhook:
            return None  # webhooks cannot be asked: at-least-once
        channel = self._channel(target)
        if isinstance(channel, SendResult):
            if channel.permanent:
                return None  # the resend fails the same way and records why
            raise ConnectionError(channel.error or "Discord is not reachable")
        matches = self._matcher(delivery)
        if matches is None:
            return None
        since = _parse_time(delivery.started)
        since = since - FIND_MARGIN if since is not None else None
        try:
            async for message in channel.history(limit=FIND_SCAN):
                if since is not None and message.created_at < since:
                    break
                if matches(message):
                    return _message_ref(message)
        except discord.Forbidden as exc:
            log.warning(
                "cannot read %s to look for delivery %s (%s); it is sent again with the same nonce",
                target,
                delivery.id,
                exc,
            )
            return None
        except discord.NotFound:
            return None  # the channel is gone; the resend records that
        return None

    def _matcher(self, delivery: DeliveryRef) -> Any:
        """A test for "this is the bot's message for that delivery", or None when it cannot be told."""
        bot_id = self.client.user.id if self.client.user else None
        if delivery.kind == "digest":
            end = _parse_time(delivery.slot)
            if end is None:
                return None

            def is_digest(message: discord.Message) -> bool:
                return message.author.id == bot_id and any(marks_digest(e, end) for e in message.embeds)

            return is_digest
        if delivery.kind == "alert":
            wanted = custom_id("reviewed", delivery.alert_id)

            def is_alert(message: discord.Message) -> bool:
                return message.author.id == bot_id and any(
                    getattr(child, "custom_id", None) == wanted
                    for row in message.components
                    for child in getattr(row, "children", ())
                )

            return is_alert
        if self.db is None or delivery.report_id is None:
            return None
        report = report_store.get(self.db, delivery.report_id)
        parent = next(
            (
                parse_message_ref(d.get("message_ref"))
                for d in deliveries.for_alert(self.db, delivery.alert_id)
                if d["target"] == delivery.target.key
            ),
            None,
        )
        if report is None:
            return None
        shown = link(report.get("title") or report.get("link") or "", report.get("link"), 300)

        def is_update(message: discord.Message) -> bool:
            replied = message.reference.message_id if message.reference else None
            return (
                message.author.id == bot_id
                and (parent is None or replied == parent[1])
                and shown in message.content
            )

        return is_update

    async def close(self) -> None:
        """Close the webhook notifier's session (the client is closed by its front-end)."""
        await self.webhooks.close()


def _parse_time(stamp: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def webhooks_without_bot(settings: Settings) -> DiscordWebhookNotifier:
    """A notifier for `discord:webhook:URL` targets where no bot runs (no DISCORD_TOKEN, or
    `riskwire poll --once`): webhook targets only (bot channels wait for the bot), requests to
    DISCORD_API_URL when set, one HTTP session per post (nothing to close)."""
    try:
        endpoints.use_api_base(settings.discord_api_url)
    except endpoints.EndpointError as exc:
        raise SettingsError(str(exc)) from None
    return DiscordWebhookNotifier(keep_session=False)
