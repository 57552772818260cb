"""The console notifier: alerts printed to a stream (standard output by default)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.alerts import Alert
from bot.delivery.base import SendResult
from bot.render import render_text, topic_labels
from bot.targets import Target


class ConsoleNotifier:
    """Prints each alert as readable text, separated by blank lines."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._labels = topic_labels()
        self.count = 0

    async def send(self, alert: Alert, target: Target) -> SendResult:
        stream = self.stream or sys.stdout
        stream.write(render_text(alert, self._labels) + "\n\n")
        stream.flush()
        self.count += 1
        return SendResult.sent(f"console:{self.count}")

    async def send_text(self, text: str, target: Target) -> SendResult:
        """Print a plain message (a digest) the same way."""
        stream = self.stream or sys.stdout
        stream.write(text + "\n\n")
        stream.flush()
        self.count += 1
        return SendResult.sent(f"console:{self.count}")
