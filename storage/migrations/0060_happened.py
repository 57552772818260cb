"""Publication time: every window a user sees counts alerts by when their story happened.

- `alerts.happened` is the alert's publication time, or its fetch time (`created`) when the feed gave
  no date or a date after the fetch, as a UTC ISO stamp. It is a virtual generated column: SQLite
  computes it from `published` and `created` (HAPPENED_SQL; storage.alerts.happened is the same rule
  in Python), so no row grows and no stored alert needs rewriting, and it is indexed like any column.
- Indexes: (ticker, happened) for a ticker's windows and story candidates, (happened) for windows
  and orders over every ticker. (ticker, created) and (created) go: no read windows alerts by fetch
  time alone any more (retention walks the happened index, since an alert happened no later than it
  was fetched; a digest reads its window of fetch times through the target's deliveries).
- `alerts_joined_story` finds the alerts that joined another alert's story (a later report that
  became a channel's alert where the story was never posted: bot.pipeline.process). It is partial: an alert
  that began its own story (story_id = id, nearly all of them, or none) is found by its id.
"""

from __future__ import annotations

import sqlite_utils

# `published` is read only when it starts with a date (strftime would take a bare number for a day
# count); strftime gives it in UTC, whole seconds, in the format of every stored stamp, so min()
# keeps the earlier of it and the fetch time.
HAPPENED_SQL = (
    "min(coalesce(case when published glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
    "then strftime('%Y-%m-%dT%H:%M:%S+00:00', published) end, created), created)"
)


# PostgreSQL's form of the rule: a stored generated column through an immutable function (the text
# is parsed with the time zone pinned to UTC, so a stamp without a zone is UTC, as in SQLite); a
# `published` PostgreSQL cannot read counts as no date
HAPPENED_FUNCTION = """
create function riskwire_happened(published text, created text) returns text
language plpgsql immutable parallel safe set timezone = 'UTC' as $$
declare
    stamp text;
begin
    if published ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' then
        begin
            stamp := to_char(published::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"');
        exception when others then
            stamp := null;
        end;
    end if;
    return least(coalesce(stamp, created) collate "C", created collate "C");
end
$$
"""


def up(db: sqlite_utils.Database) -> None:
    db.execute(f"alter table alerts add column happened text generated always as ({HAPPENED_SQL}) virtual")
    _indexes(db)


def up_postgres(db: sqlite_utils.Database) -> None:
    db.execute(HAPPENED_FUNCTION)
    db.execute(
        'alter table alerts add column happened text collate "C" '
        "generated always as (riskwire_happened(published, created)) stored"
    )
    _indexes(db)


def _indexes(db: sqlite_utils.Database) -> None:
    # plain SQL: sqlite-utils does not list generated columns among a table's columns
    db.execute("create index idx_alerts_ticker_happened on alerts (ticker, happened)")
    db.execute("create index idx_alerts_happened on alerts (happened)")
    db.execute("create index alerts_joined_story on alerts (story_id) where story_id != id")
    db.execute("drop index if exists idx_alerts_ticker_created")
    db.execute("drop index if exists idx_alerts_created")
