"""The Bolt AsyncApp: `/riskwire` commands and the alert buttons, thin over the service layer.

Every handler acks first (Slack wants an answer within 3 seconds), then does the work and answers
through the response URL or by updating the alert message.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlite_utils
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings
from bot.delivery.targets import TargetError, parse_target
from bot.rendering.text import topic_labels
from bot.slack_app import blocks as render
from bot.slack_app.commands import COMMAND, CommandContext, Reply, run_command
from bot.slack_app.escape import escape_text
from bot.slack_app.permissions import bot_in_channel, is_feed_admin
from bot.slack_app.uploads import upload_chart
from bot.usecases import interactions, service
from rules.directory import CompanyDirectory

log = logging.getLogger(__name__)

BUTTON_PATTERN = re.compile("^(" + "|".join(map(re.escape, render.BUTTON_ACTIONS)) + ")$")
OOPS = ":warning: Something went wrong on our side; it has been logged. Please try again."


def scope_from(team_id: Any, channel_id: Any, user_id: Any) -> service.Scope:
    """The Scope of a Slack request: its workspace and channel (and user); ServiceError if malformed."""
    try:
        target = parse_target(f"slack:{team_id}/{channel_id}")
    except TargetError:
        raise service.ServiceError("This command only works in a channel of a Slack workspace.") from None
    return service.Scope(target, user=str(user_id) if user_id else None)


def build_app(
    settings: Settings,
    db: sqlite_utils.Database,
    client: AsyncWebClient,
    *,
    directory: CompanyDirectory | None = None,
) -> AsyncApp:
    """The Bolt app with Riskwire's command and button handlers registered."""
    app = AsyncApp(
        name="riskwire",
        client=client,
        signing_secret=settings.slack_signing_secret.value,
        raise_error_for_unhandled_request=False,
    )
    labels = topic_labels()

    async def answer(body: dict[str, Any]) -> Reply:
        scope = scope_from(body.get("team_id"), body.get("channel_id"), body.get("user_id"))
        channel = scope.target.channel or ""
        ctx = CommandContext(
            db=db,
            scope=scope,
            settings=settings,
            is_admin=lambda: is_feed_admin(client, settings, scope.user, scope.target.workspace),
            bot_in_channel=lambda: bot_in_channel(client, channel),
            directory=directory,
            labels=labels,
        )
        reply = await run_command(str(body.get("text") or ""), ctx)
        if reply.chart is not None:
            await attach_chart(reply, reply.chart, channel)
        return reply

    async def attach_chart(reply: Reply, chart: service.Chart, channel: str) -> None:
        """Post the chart in the channel; say in the reply whether that worked."""
        problem = await upload_chart(client, channel, chart, reply.chart_comment)
        note = (
            f":warning: The chart could not be attached: {escape_text(problem)}."
            if problem
            else ":bar_chart: The chart is posted in this channel."
        )
        reply.text += "\n" + note
        reply.blocks = (reply.blocks or []) + render.text_blocks(note)

    @app.command(COMMAND)
    async def on_command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        try:
            reply = await answer(body)
        except service.ServiceError as exc:
            reply = Reply(f":warning: {escape_text(str(exc))}")
        except Exception:
            log.exception("/riskwire %r failed", str(body.get("text") or "")[:100])
            reply = Reply(OOPS)
        try:
            await respond(
                text=reply.text,
                blocks=reply.blocks,
                response_type="in_channel" if reply.in_channel else "ephemeral",
                unfurl_links=False,
                unfurl_media=False,
            )
        except Exception as exc:  # the response URL is Slack's; nothing more we can do but say so
            log.warning("could not answer /riskwire: %s: %s", type(exc).__name__, exc)

    @app.action(BUTTON_PATTERN)
    async def on_button(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        try:
            await click(body)
        except service.ServiceError as exc:
            await _ephemeral(respond, f":warning: {escape_text(str(exc))}")
        except Exception:
            log.exception("button click failed")
            await _ephemeral(respond, OOPS)

    async def click(body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        verb = render.BUTTON_ACTIONS[action.get("action_id", "")]
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        scope = scope_from(team, channel, (body.get("user") or {}).get("id"))
        ts = container.get("message_ts")
        ref = f"{channel}:{ts}" if ts else None
        alert_id = str(action.get("value") or "")
        posted = interactions.posted_message(db, scope, alert_id)
        if posted is not None and ref is not None and posted != ref:
            # Another workspace's copy of the alert (a channel id shared through Slack Connect, or a
            # copied payload): acting would record here but edit their message.
            raise service.ServiceError(
                "This button is not on this channel's alert message; nothing was changed."
            )
        alert, _done = interactions.act_on_alert(db, scope, alert_id, verb)
        if not ts:
            return
        history = interactions.actions_on(db, scope, alert.id)
        try:
            await client.chat_update(
                channel=scope.target.channel or "",
                ts=ts,
                text=render.alert_fallback(alert, labels),
                blocks=render.alert_blocks(alert, labels, history),
            )
        except SlackApiError as exc:
            log.warning("chat.update of %s failed: %s", ref, exc.response.get("error"))
            raise service.ServiceError("Saved, but the message could not be updated.") from None

    return app


async def _ephemeral(respond: Any, text: str) -> None:
    try:
        await respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as exc:
        log.warning("could not answer a button click: %s: %s", type(exc).__name__, exc)
