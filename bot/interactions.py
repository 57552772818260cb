"""What people do to an alert from a chat message (the buttons), shared by Slack and Discord.

Each action is done through the service layer (a review, a mute) and logged with who and when in
`alert_actions`, so the message can show it and the history keeps it. Scoped like everything else:
an alert can only be acted on in a target it was delivered to.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bot import service
from bot.alerts import Alert
from storage import alert_actions, deliveries

ACTIONS = ("reviewed", "false_positive", "mute")
MUTE_HOURS = 24


@dataclass(frozen=True)
class AlertAction:
    """One logged action on an alert: what, who, when, and a detail (the end of a mute)."""

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
    message_ref: str | None = None,
    mute_hours: int = MUTE_HOURS,
) -> tuple[Alert, AlertAction]:
    """Do `action` on an alert delivered to the scope's target and log it; all or nothing.

    Raises ServiceError (user-facing) for an unknown action or an alert not in the scope.
    """
    if action not in ACTIONS:
        raise service.ServiceError(f"Unknown action; use one of {', '.join(ACTIONS)}.")
    with db.atomic():
        if action == "mute":
            alert = service.alert_in_scope(db, scope, alert_id)
            if alert is None:
                raise service.ServiceError("No such alert in this channel.")
            detail: str | None = service.mute(db, scope, alert.ticker, hours=mute_hours)
            at = service._now().isoformat(timespec="seconds")
        else:
            done = service.review(db, scope, alert_id, action)
            alert, at, detail = done.alert, done.at, None
        alert_actions.add(
            db,
            alert_id=alert_id,
            target=scope.key,
            action=action,
            user=scope.user,
            at=at,
            detail=detail,
            message_ref=message_ref,
        )
    return alert, AlertAction(action, scope.user, at, detail)


def actions_on(db: sqlite_utils.Database, scope: service.Scope, alert_id: str) -> list[AlertAction]:
    """The actions taken on an alert in the scope's target, oldest first."""
    return [
        AlertAction(r["action"], r["user"], r["at"], r["detail"])
        for r in alert_actions.for_alert(db, alert_id, scope.key)
    ]


def delivery_state(db: sqlite_utils.Database, scope: service.Scope, alert_id: str) -> tuple[str, str | None]:
    """How the alert's delivery to the scope's target stands: (state, last error or skip reason).

    States are the outbox's (pending, retrying, sent, failed, skipped); ('none', None) when the
    alert was never queued for this target.
    """
    row = next((d for d in deliveries.for_alert(db, alert_id) if d["target"] == scope.key), None)
    return (row["state"], row.get("last_error")) if row else ("none", None)
