"""The console notifier: alerts printed to a stream (standard output by default)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.delivery.base import Report, SendResult
from bot.delivery.targets import Target
from bot.pipeline.alerts import Alert
from bot.rendering.text import render_text, render_update_text, topic_labels


class ConsoleNotifier:
    """Prints each alert as readable text, separated by blank lines; story updates and notices too."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._labels = topic_labels()
        self.count = 0

    def _write(self, text: str) -> str:
        stream = self.stream or sys.stdout
        stream.write(text + "\n\n")
        stream.flush()
        self.count += 1
        return f"console:{self.count}"

    async def send(self, alert: Alert, target: Target) -> SendResult:
        return SendResult.sent(self._write(render_text(alert, self._labels)))

    async def send_update(
        self, alert: Alert, report: Report, target: Target, message_ref: str | None
    ) -> SendResult:
        """Prints "also reported by SOURCE: headline" under the story's alert (or a listing follow-up)."""
        if report.is_listing_of(alert.article_id):
            return SendResult.sent(self._write(f"↳ {alert.ticker} · {alert.title}\n  {report.title}"))
        return SendResult.sent(
            self._write(render_update_text(alert, report.source, report.title, report.link))
        )

    async def send_notice(self, target: Target, text: str) -> SendResult:
        return SendResult.sent(self._write(f"riskwire: {text}"))

    async def send_text(self, text: str, target: Target) -> SendResult:
        """Print a plain message (a digest) the same way."""
        return SendResult.sent(self._write(text))
