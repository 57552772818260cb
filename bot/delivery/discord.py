"""Discord notifiers: alerts posted by the bot (`discord:GUILD/CHANNEL`) or through a channel webhook
(`discord:webhook:URL`, for servers that want alerts without inviting the bot).

Both send an embed and `allowed_mentions` that allow nothing. Outcomes map onto SendResult: a rate
limit longer than the client will wait is a retry after Retry-After; 403 Missing Access / Missing
Permissions and 404 Unknown Channel / Unknown Webhook mark the target broken (not retried); other
refusals fail that one message; network trouble and 5xx are retried.
"""

from __future__ import annotations

import asyncio
import logging
import re

import aiohttp
import discord

from bot.alerts import Alert
from bot.delivery.base import SendResult
from bot.discord_app.embeds import NO_MENTIONS, alert_embed
from bot.discord_app.views import alert_view
from bot.targets import Target

log = logging.getLogger(__name__)

SEND_TIMEOUT = 60.0
WEBHOOK_NAME = "Riskwire"
_WEBHOOK_URL = re.compile(r"/api/(?:v\d+/)?webhooks/(\d{1,20})/([A-Za-z0-9._\-]{1,200})/?$")
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


class DiscordWebhookNotifier:
    """Posts alerts through channel webhooks (no buttons: a plain webhook cannot carry them).

    The webhook URL identifies the webhook; the request goes to the Discord API base in use
    (DISCORD_API_URL when set), like every other Discord request.
    """

    platform = "discord"

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session
        self._own_session = session is None

    async def send(self, alert: Alert, target: Target) -> SendResult:
        parsed = parse_webhook(target.webhook or "")
        if parsed is None:
            return SendResult.fail("not a Discord webhook URL (…/api/webhooks/ID/TOKEN)", broken=True)
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        webhook = discord.Webhook.partial(parsed[0], parsed[1], session=self._session)
        try:
            message = await asyncio.wait_for(
                webhook.send(
                    embed=alert_embed(alert), username=WEBHOOK_NAME, allowed_mentions=NO_MENTIONS, wait=True
                ),
                SEND_TIMEOUT,
            )
        except Exception as exc:
            return result_for(exc)
        return SendResult.sent(f"{message.channel.id}:{message.id}")

    async def close(self) -> None:
        """Close the HTTP session this notifier opened (a session passed in belongs to the caller)."""
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None


class DiscordNotifier:
    """Posts alerts as the bot: an embed and the review buttons, through the client's REST connection.

    Webhook targets go to a DiscordWebhookNotifier. The client only needs to be logged in; the
    gateway connection is not used for posting.
    """

    platform = "discord"

    def __init__(self, client: discord.Client, webhooks: DiscordWebhookNotifier | None = None) -> None:
        self.client = client
        self.webhooks = webhooks or DiscordWebhookNotifier()

    async def send(self, alert: Alert, target: Target) -> SendResult:
        if target.webhook:
            return await self.webhooks.send(alert, target)
        if not (target.workspace or "").isdigit() or not (target.channel or "").isdigit():
            return SendResult.fail("a Discord target is discord:GUILD_ID/CHANNEL_ID (numbers)", broken=True)
        if self.client.user is None or self.client.is_closed():
            return SendResult.retry("the Discord client is not logged in")
        channel = self.client.get_partial_messageable(
            int(target.channel or 0), guild_id=int(target.workspace or 0)
        )
        try:
            message = await asyncio.wait_for(
                channel.send(
                    embed=alert_embed(alert), view=alert_view(alert.id), allowed_mentions=NO_MENTIONS
                ),
                SEND_TIMEOUT,
            )
        except Exception as exc:
            return result_for(exc)
        return SendResult.sent(f"{message.channel.id}:{message.id}")

    async def close(self) -> None:
        """Close the webhook notifier's session (the client is closed by its front-end)."""
        await self.webhooks.close()
