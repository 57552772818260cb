"""Whether anything is meant for a Discord webhook: decides if `riskwire poll --once` loads the
webhook notifier (and discord.py with it). One storage query, so asking costs no import."""

from __future__ import annotations

import sqlite_utils

from storage import targets

PREFIX = "discord:webhook:%"


def webhook_targets_exist(db: sqlite_utils.Database) -> bool:
    """True when a subscription or digest names a webhook target, or a delivery, story update or
    notice to one is still to be sent."""
    return targets.in_use(db, PREFIX)
