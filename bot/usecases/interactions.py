"""What people do to an alert from a chat message (the buttons), shared by Slack and Discord.

Each action goes through the service layer (a review, or a mute of the alert's ticker) and is kept in
the alert's review history (`reviews`) with who and when, so the message can show it and `history`,
`export` and `rules stats` see it. Scoped like everything else: an alert can only be acted on in a
target it was delivered to.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bot.pipeline.alerts import Alert
from bot.usecases import service
from storage import deliveries, reviews

ACTIONS = ("reviewed", "false_positive", "mute")
MUTE_HOURS = 24


@dataclass(frozen=True)
class AlertAction:
    """One action on an alert: what, who, when, and a detail (the end of a mute)."""

    action: str
    user: str | None
    at: str
    detail: str | None = None


def act_on_alert(
    db: sqlite_utils.Database,
    scope: service.Scope,
    alert_id: str,
    action: str,
    *,
    mute_hours: int = MUTE_HOURS,
) -> tuple[Alert, AlertAction]:
    """Do `action` on an alert delivered to the scope's target and record it; all or nothing.

    Raises ServiceError (user-facing) for an unknown action or an alert not in the scope.
    """
    if action not in ACTIONS:
        raise service.ServiceError(f"Unknown action; use one of {', '.join(ACTIONS)}.")
    with db.atomic():
        if action == "mute":
            done = service.mute_alert(db, scope, alert_id, mute_hours)
        else:
            done = service.review(db, scope, alert_id, action)
    return done.alert, _action(done.action, done.user, done.at, done.reason)


def _action(action: str, user: str | None, at: str, reason: str | None) -> AlertAction:
    if action == "muted":  # the review history says 'muted', with 'until <time>' as its reason
        until = reason[len("until ") :] if reason and reason.startswith("until ") else None
        return AlertAction("mute", user, at, until)
    return AlertAction(action, user, at, reason)


def actions_on(db: sqlite_utils.Database, scope: service.Scope, alert_id: str) -> list[AlertAction]:
    """The actions taken on an alert in the scope's target, oldest first."""
    return [
        _action(r["action"], r["user"], r["at"], r["reason"])
        for r in reviews.for_alert(db, alert_id, scope.key)
    ]


def delivery_state(db: sqlite_utils.Database, scope: service.Scope, alert_id: str) -> tuple[str, str | None]:
    """How the alert's delivery to the scope's target stands: (state, last error or skip reason).

    States are the outbox's (pending, retrying, sent, failed, skipped); ('none', None) when the
    alert was never queued for this target.
    """
    row = next((d for d in deliveries.for_alert(db, alert_id) if d["target"] == scope.key), None)
    return (row["state"], row.get("last_error")) if row else ("none", None)


def posted_message(db: sqlite_utils.Database, scope: service.Scope, alert_id: str) -> str | None:
    """The message_ref ('CHANNEL:TS') of the alert's message in the scope's target, when it was posted
    there; None otherwise (never delivered here, or no message recorded)."""
    row = next((d for d in deliveries.for_alert(db, alert_id) if d["target"] == scope.key), None)
    return row.get("message_ref") if row else None
