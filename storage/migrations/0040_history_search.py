"""History, search and review state: full-text search over alerts, review state per target, and the
index that scoped history reads use.

- `alerts.terms` holds an alert's distinct evidence terms as plain text (storage.alerts.encode fills
  it), so they can be searched.
- `alerts_fts` is an external-content FTS5 table over alerts (title, summary, company, ticker, terms):
  the text is stored once, in `alerts`; triggers keep the index in step with every insert, update
  and delete.
- `review_state` keeps the latest review action per (alert, target), and under target '*' the latest
  action in any target (what the unscoped command line and auditors see). A trigger keeps it in step
  with the `reviews` log, which stays the full record of who did what when.
"""

from __future__ import annotations

import sqlite_utils

# The evidence terms of a stored row, in SQL (used once, to fill rows stored before this migration);
# storage.alerts.terms_text is the same in Python.
TERMS_SQL = (
    "(case when json_valid(evidence) then (select group_concat(t, ' ') from "
    "(select distinct json_extract(e.value, '$.text') as t from json_each(evidence) e)) end)"
)
COLUMNS = "title, summary, company, ticker, terms"


def _values(x: str) -> str:
    return ", ".join([f"{x}.rowid"] + [f"{x}.{c.strip()}" for c in COLUMNS.split(",")])


# PostgreSQL: the same words searchable through an expression index (no stored copy of the text).
# Words are stemmed like FTS5's porter tokenizer does, and no word is dropped as a stop word.
SEARCH_CONFIG = [
    "create text search dictionary riskwire_stem (template = snowball, language = english)",
    "create text search configuration riskwire_search (copy = simple)",
    "alter text search configuration riskwire_search alter mapping for asciiword, asciihword, "
    "hword_asciipart, word, hword, hword_part with riskwire_stem",
    "create function riskwire_alert_text(title text, summary text, company text, ticker text, terms text) "
    "returns tsvector language sql immutable parallel safe as "
    "$$ select to_tsvector('riskwire_search', concat_ws(' ', title, summary, company, ticker, terms)) $$",
    "create index alerts_fts on alerts using gin "
    "(riskwire_alert_text(title, summary, company, ticker, terms))",
]
TERMS_POSTGRES = (
    "(select string_agg(t, ' ' order by o) from (select e.value ->> 'text' as t, min(e.ordinality) as o "
    "from jsonb_array_elements(alerts.evidence::jsonb) with ordinality as e(value, ordinality) "
    "group by 1) as x where t is not null)"
)
REVIEW_STATE_TRIGGER = [
    """create function riskwire_review_state() returns trigger language plpgsql as $$
begin
    insert into review_state (alert_id, target, action, "user", at, reason)
    values (new.alert_id, '*', new.action, new."user", new.at, new.reason)
    on conflict (alert_id, target) do update set action = excluded.action, "user" = excluded."user",
        at = excluded.at, reason = excluded.reason;
    if new.target is not null then
        insert into review_state (alert_id, target, action, "user", at, reason)
        values (new.alert_id, new.target, new.action, new."user", new.at, new.reason)
        on conflict (alert_id, target) do update set action = excluded.action, "user" = excluded."user",
            at = excluded.at, reason = excluded.reason;
    end if;
    return new;
end
$$""",
    "create trigger reviews_state_ai after insert on reviews for each row execute function "
    "riskwire_review_state()",
]


def up_postgres(db: sqlite_utils.Database) -> None:
    db.execute('alter table alerts add column terms text collate "C"')
    db.execute(f"update alerts set terms = {TERMS_POSTGRES} where left(ltrim(evidence), 1) = '['")
    for sql in SEARCH_CONFIG:
        db.execute(sql)
    db.table("deliveries").create_index(["target"], if_not_exists=True)
    _review_state(db)
    for sql in REVIEW_STATE_TRIGGER:
        db.execute(sql)
    _fill_review_state(db)


def _review_state(db: sqlite_utils.Database) -> None:
    db.table("review_state").create(
        {"alert_id": str, "target": str, "action": str, "user": str, "at": str, "reason": str},
        pk=("alert_id", "target"),
        not_null={"action", "at"},
    )


def _fill_review_state(db: sqlite_utils.Database) -> None:
    for row in db.execute(
        "select alert_id, target, action, user, at, reason from reviews order by id"
    ).fetchall():
        for target in ("*", row[1]) if row[1] else ("*",):
            db.table("review_state").upsert(
                {"alert_id": row[0], "target": target, "action": row[2], "user": row[3], "at": row[4],
                 "reason": row[5]},
                pk=("alert_id", "target"),
            )  # fmt: skip


def up(db: sqlite_utils.Database) -> None:
    db.execute("alter table alerts add column terms text")
    db.execute(f"update alerts set terms = {TERMS_SQL}")
    db.execute(
        f"create virtual table alerts_fts using fts5({COLUMNS}, content='alerts', content_rowid='rowid', "
        "columnsize=0, tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.execute(
        "create trigger alerts_fts_ai after insert on alerts begin "
        f"insert into alerts_fts(rowid, {COLUMNS}) values ({_values('new')}); end"
    )
    db.execute(
        "create trigger alerts_fts_ad after delete on alerts begin "
        f"insert into alerts_fts(alerts_fts, rowid, {COLUMNS}) values ('delete', {_values('old')}); end"
    )
    db.execute(
        f"create trigger alerts_fts_au after update of {COLUMNS} on alerts begin "
        f"insert into alerts_fts(alerts_fts, rowid, {COLUMNS}) values ('delete', {_values('old')}); "
        f"insert into alerts_fts(rowid, {COLUMNS}) values ({_values('new')}); end"
    )
    db.execute("insert into alerts_fts(alerts_fts) values ('rebuild')")

    # scoped reads start from a target's deliveries when the target has few of them
    db.table("deliveries").create_index(["target"], if_not_exists=True)

    _review_state(db)
    on_conflict = (
        "on conflict (alert_id, target) do update set action = excluded.action, user = excluded.user, "
        "at = excluded.at, reason = excluded.reason"
    )
    columns = "alert_id, target, action, user, at, reason"
    db.execute(
        "create trigger reviews_state_ai after insert on reviews begin "
        f"insert into review_state ({columns}) select new.alert_id, '*', new.action, new.user, new.at, "
        f"new.reason where true {on_conflict}; "
        f"insert into review_state ({columns}) select new.alert_id, new.target, new.action, new.user, "
        f"new.at, new.reason where new.target is not null {on_conflict}; end"
    )
    for row in db.execute(
        "select alert_id, target, action, user, at, reason from reviews order by id"
    ).fetchall():
        for target in ("*", row[1]) if row[1] else ("*",):
            db.execute(
                "insert or replace into review_state (alert_id, target, action, user, at, reason) "
                "values (?, ?, ?, ?, ?, ?)",
                [row[0], target, row[2], row[3], row[4], row[5]],
            )
