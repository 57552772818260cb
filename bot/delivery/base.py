"""What every notifier promises: send one alert to one target and say how it went.

The outbox (bot/delivery/outbox.py) calls notifiers. Required: `platform` and `send`. Optional
methods (looked up with getattr, so a notifier without them keeps working):

- `async def find_sent(self, delivery: DeliveryRef) -> str | None` -- crash recovery. A delivery is
  marked `sending` (committed) before `send` is called; if the process dies before the outcome is
  recorded, the next run calls `find_sent` to ask the platform whether that message exists. Return
  its message ref when it does, None when it certainly does not (it is then sent again). Raise when
  you cannot tell now (the delivery stays unresolved and is asked about again later; it is never
  sent blindly). Without `find_sent` an interrupted delivery is sent again (at-least-once).
  To make messages findable, tag them with `delivery.alert_id` (and, for updates,
  `delivery.report_id`): Slack `chat.postMessage(metadata={"event_type": "riskwire_alert",
  "event_payload": {"alert_id": ..., "delivery_id": ...}})` found again through
  `conversations.history(include_all_metadata=True, oldest=delivery.started - margin)` (an update is
  a thread reply: `conversations.replies` under `delivery.parent_ref`);
  Discord `nonce` (<= 25 chars, e.g. the alert id) with `enforce_nonce: true`, which makes a repeated
  create return the first message for a few minutes. (alert_id, target) is unique: the outbox
  writes one delivery per alert and target. While `send`, `send_update` or `find_sent` runs,
  `current_delivery.get()` gives the DeliveryRef (delivery id, attempt id) being worked on.
  Digests (bot/usecases/digest.py) use the same protocol: `delivery.kind == "digest"`, `delivery.id` is the
  attempt's digest_runs row and `delivery.slot` the end of the digest's window; tag the message with
  the target and that slot (Slack metadata `riskwire_digest`; Discord a nonce from target and slot),
  so that any attempt at the same digest is found.
- `async def send_update(self, alert: Alert, report: Report, target: Target,
  message_ref: str | None) -> SendResult` -- one alert per story: `report` is another outlet's copy
  of the story `alert` was posted about (`message_ref` is what `send` returned for it). Slack: a
  thread reply; Discord: a reply or an edit; console: an "also reported by ..." line. Without it,
  updates to that platform are recorded as skipped.
- `async def send_notice(self, target: Target, text: str) -> SendResult` -- a one-off message to a
  channel (a feed it owns was paused or has recovered). Without it, the notice is logged instead.
- `def serves(self, target: Target) -> bool` -- False when this notifier cannot post to that target
  in this process (e.g. Discord webhooks posted without a bot token, while `discord:GUILD/CHANNEL`
  targets need the bot): the target's work then waits as if its platform were not running.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core import redact
from bot.delivery.targets import Target
from bot.pipeline.alerts import Alert
from bot.pipeline.stories import Report

__all__ = ["DeliveryRef", "Notifier", "Report", "SendResult", "current_delivery", "notifier_for"]


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

    def __post_init__(self) -> None:
        # every send error is stored (deliveries, notices, digests, broken subscriptions) and shown
        # (export, history, logs): a platform's error text may quote a token, so it never gets that far
        if self.error:
            object.__setattr__(self, "error", redact.scrub(self.error))

    @classmethod
    def sent(cls, message_ref: str | None = None) -> SendResult:
        return cls(True, message_ref)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> SendResult:
        return cls(False, error=error, retry_after=retry_after)

    @classmethod
    def fail(cls, error: str, *, broken: bool = False) -> SendResult:
        return cls(False, error=error, permanent=True, broken=broken)


@dataclass(frozen=True)
class DeliveryRef:
    """One send as a notifier sees it: an alert, a story update (report_id set) or a digest (slot
    set; alert_id is empty and id is the digest run)."""

    id: int
    alert_id: str
    target: Target
    attempt_id: str
    started: str | None = None  # ISO time the (interrupted) attempt began
    report_id: int | None = None
    parent_ref: str | None = None  # an update's story alert message in that target (where to look)
    slot: str | None = None  # a digest's: the end of its window (UTC ISO)

    @property
    def kind(self) -> str:
        if self.slot is not None:
            return "digest"
        return "update" if self.report_id is not None else "alert"


current_delivery: contextvars.ContextVar[DeliveryRef | None] = contextvars.ContextVar(
    "riskwire_current_delivery", default=None
)


class Notifier(Protocol):
    """Posts alerts to one platform (optional methods: see the module docstring)."""

    platform: str

    async def send(self, alert: Alert, target: Target) -> SendResult: ...


def notifier_for(notifiers: Mapping[str, Any], target: Target) -> Any | None:
    """The notifier that posts to `target` here: its platform's, unless that one `serves` not it."""
    notifier = notifiers.get(target.platform)
    serves = getattr(notifier, "serves", None)
    if notifier is not None and serves is not None and not serves(target):
        return None
    return notifier
