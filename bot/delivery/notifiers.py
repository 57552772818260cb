"""The notifiers a process posts with, built from credentials alone: no chat front-end needed.

Posting needs less than answering: Slack alerts, story updates, digests and notices need only
SLACK_BOT_TOKEN (Socket Mode or HTTP mode are for slash commands and buttons), and Discord webhook
targets need no token at all. `riskwire poll --once` and `riskwire run` both start from these; in
`run`, a front-end that is on replaces its platform's notifier with its own.
"""

from __future__ import annotations

from bot.core.settings import Settings
from bot.delivery.base import Notifier
from bot.delivery.console import ConsoleNotifier


def posting_notifiers(settings: Settings, *, discord_webhooks: bool) -> dict[str, Notifier]:
    """The console always; Slack when a bot token is set; Discord webhook targets when asked for
    (`discord_webhooks`: no Discord bot runs here, and webhook targets exist or may be added)."""
    notifiers: dict[str, Notifier] = {"console": ConsoleNotifier()}
    if settings.slack_bot_token:
        from bot.delivery.slack import slack_notifier

        notifiers["slack"] = slack_notifier(settings)
    if discord_webhooks:
        from bot.delivery.discord import webhooks_without_bot

        notifiers["discord"] = webhooks_without_bot(settings)  # (the bot's channels wait for one)
    return notifiers
