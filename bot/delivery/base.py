"""What every notifier promises: send one alert to one target and say how it went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.alerts import Alert
from bot.targets import Target


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send.

    ok: posted (message_ref identifies the message). Otherwise: `broken` means the target can never
    be posted to until someone fixes it (channel gone, bot removed, bad credentials); `permanent`
    means this message will never go through; else it is worth retrying, after `retry_after` seconds
    when the platform said so.
    """

    ok: bool
    message_ref: str | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    broken: bool = False

    @classmethod
    def sent(cls, message_ref: str | None = None) -> SendResult:
        return cls(True, message_ref)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> SendResult:
        return cls(False, error=error, retry_after=retry_after)

    @classmethod
    def fail(cls, error: str, *, broken: bool = False) -> SendResult:
        return cls(False, error=error, permanent=True, broken=broken)


class Notifier(Protocol):
    """Posts alerts to one platform."""

    platform: str

    async def send(self, alert: Alert, target: Target) -> SendResult: ...
