"""Publication time: every window a user sees counts alerts by when their story happened.

- `alerts.happened` is the alert's publication time, or its fetch time (`created`) when the feed gave
  no date or a date after the fetch, as a UTC ISO stamp. storage.alerts.encode fills it for new
  alerts; rows stored before this migration are filled here with the same function
  (storage.alerts.happened), so there is one definition.
- Indexes: (ticker, happened) for a ticker's windows and story candidates, (happened) for windows
  and orders over every ticker; (ticker, created) goes, since no read windows a ticker by fetch time
  any more (retention and digests still read `created`, through its own index).
- `alerts_joined_story` finds the alerts that joined another alert's story (a later report that
  became a channel's alert where the story was never posted: bot.pipeline). It is partial: an alert
  that began its own story (story_id = id, nearly all of them, or none) is found by its id.
"""

from __future__ import annotations

import sqlite_utils

from storage.alerts import happened


def up(db: sqlite_utils.Database) -> None:
    db.execute("alter table alerts add column happened text")
    db.conn.create_function("riskwire_happened", 2, happened, deterministic=True)
    db.execute("update alerts set happened = riskwire_happened(published, created)")
    alerts = db.table("alerts")
    alerts.create_index(["ticker", "happened"], if_not_exists=True)
    alerts.create_index(["happened"], if_not_exists=True)
    db.execute("create index alerts_joined_story on alerts (story_id) where story_id != id")
    db.execute("drop index if exists idx_alerts_ticker_created")
