"""Delivery targets: where alerts go. `slack:TEAM/CHANNEL`, `discord:GUILD/CHANNEL`,
`discord:webhook:URL` or `console`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ID = r"[A-Za-z0-9_\-]{1,40}"


class TargetError(ValueError):
    """A target string is malformed."""


@dataclass(frozen=True)
class Target:
    """A parsed target. `key` is the canonical string stored in the database."""

    platform: str  # slack, discord, console
    workspace: str | None = None
    channel: str | None = None
    webhook: str | None = field(default=None, repr=False)  # the URL carries the webhook's token

    @property
    def key(self) -> str:
        if self.platform == "console":
            return "console"
        if self.webhook:
            return f"discord:webhook:{self.webhook}"
        return f"{self.platform}:{self.workspace}/{self.channel}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Parts of the target that must never be shown or stored in an error: a webhook's token."""
        return (self.webhook.rstrip("/").rsplit("/", 1)[-1],) if self.webhook else ()

    def __str__(self) -> str:
        if self.webhook:
            return "discord:webhook:(hidden)"
        return self.key


def parse_target(text: str) -> Target:
    """Parse a target string; raises TargetError with the accepted forms."""
    text = (text or "").strip()
    if text == "console":
        return Target("console")
    if text.startswith("discord:webhook:"):
        url = text[len("discord:webhook:") :]
        if not re.match(r"^https://[^\s/]+/api/webhooks/\d+/[\w\-]+$", url) and not url.startswith(
            "http://127."
        ):
            raise TargetError(
                "a Discord webhook target is discord:webhook:https://discord.com/api/webhooks/ID/TOKEN"
            )
        return Target("discord", webhook=url)
    m = re.fullmatch(rf"(slack|discord):({_ID})/({_ID})", text)
    if not m:
        raise TargetError(
            f"{text[:60]!r} is not a target: use slack:TEAM_ID/CHANNEL_ID, "
            "discord:GUILD_ID/CHANNEL_ID, discord:webhook:URL or console"
        )
    return Target(m.group(1), m.group(2), m.group(3))
