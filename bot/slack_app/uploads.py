"""Posting a summary chart to a channel with files_upload_v2 (files.getUploadURLExternal, the upload
URL, files.completeUploadExternal). Needs the files:write scope and the app in the channel; when the
upload cannot be done, the reason comes back as a sentence for the user and the summary text still
goes out."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.usecases.service import Chart

log = logging.getLogger(__name__)

PROBLEMS = {
    "missing_scope": "the app lacks the files:write scope (add it and reinstall the app)",
    "not_in_channel": "I am not in this channel; invite me with /invite @Riskwire",
    "channel_not_found": "I cannot post in this channel; invite me with /invite @Riskwire",
    "not_allowed_token_type": "the app's token cannot upload files",
    "ratelimited": "Slack is limiting uploads right now; try again in a minute",
}


async def upload_chart(client: AsyncWebClient, channel: str, chart: Chart, comment: str) -> str | None:
    """Share the chart PNG in `channel` with `comment` (our own mrkdwn); None when it worked, else
    why not (fit to show the user)."""
    try:
        await client.files_upload_v2(
            channel=channel,
            file=chart.png,
            filename=chart.filename,
            title=chart.title,
            alt_txt=chart.title,
            initial_comment=comment or None,
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        log.warning("uploading the %s chart to %s failed: %s", chart.ticker, channel, error)
        return PROBLEMS.get(error, f"Slack answered {error}")
    except SlackRequestError as exc:  # the upload URL refused the bytes
        log.warning("uploading the %s chart to %s failed: %s", chart.ticker, channel, exc)
        return "Slack did not accept the file"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning("uploading the %s chart to %s failed: %s", chart.ticker, channel, type(exc).__name__)
        return "Slack could not be reached"
    return None
