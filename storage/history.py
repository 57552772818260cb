"""Reading the alert history at scale: filtered and scoped queries, counts in SQL, full-text search.

Every read takes an AlertFilter. Its window (`since`, `until`) and every order count by when an alert's
story happened (`alerts.happened`: publication time, or fetch time where the feed gave no usable date;
see storage.alerts.happened); `queued_since` and `queued_until` bound instead when alerts were queued
for their target (their fetch time; digests read such windows). `target` scopes it to the alerts
delivered (or queued) to one target;
None reads every alert (the command line). A scoped read starts from the target's deliveries when the
target has few of them, and from the alerts' own indexes otherwise, so both a quiet channel and one
that sees everything answer in milliseconds over a million alerts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from storage.alerts import decode

ALL_TARGETS = "*"  # review_state key: the latest action in any target
CLOSED = ("reviewed", "false_positive")
SPARSE_MAX = 5000  # a target with at most this many deliveries is read starting from them

# raised by `search` when the database rejects a full-text query
QueryRejected = sqlite3.OperationalError


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to read. Times are UTC ISO 8601 strings; `until` and `queued_until` are exclusive.

    `since`/`until` bound when the story happened; `queued_since`/`queued_until` when the alert was
    queued for the target (the outbox row's `created`: when the alert was fetched)."""

    ticker: str | None = None
    tickers: tuple[str, ...] = ()  # any of these (a channel's watched tickers)
    topic: str | None = None
    severities: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    queued_since: str | None = None
    queued_until: str | None = None
    reviewed: bool | None = None  # True: reviewed or false positive; False: still open
    false_positive: bool | None = None  # True: only reviewed false positives; False: leave them out
    target: str | None = None
    posted_only: bool = False  # with a target: leave out deliveries skipped (muted, filtered, old)

    @property
    def review_key(self) -> str:
        return self.target or ALL_TARGETS


def _conditions(f: AlertFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if f.ticker:
        where.append("a.ticker = ?")
        params.append(f.ticker.upper())
    if f.tickers:
        where.append(f"a.ticker in ({','.join('?' * len(f.tickers))})")
        params.extend(t.upper() for t in f.tickers)
    if f.since:
        where.append("a.happened >= ?")
        params.append(f.since)
    if f.until:
        where.append("a.happened < ?")
        params.append(f.until)
    if f.topic:
        # topics is a JSON list of ids; instr on the quoted id avoids LIKE's wildcards (money_laundering)
        where.append("instr(a.topics, ?) > 0")
        params.append(f'"{f.topic}"')
    if f.severities:
        where.append(f"a.severity in ({','.join('?' * len(f.severities))})")
        params.extend(f.severities)
    if f.reviewed is not None:
        closed = (
            "exists (select 1 from review_state s where s.alert_id = a.id and s.target = ? "
            "and s.action in ('reviewed', 'false_positive'))"
        )
        where.append(closed if f.reviewed else f"not {closed}")
        params.append(f.review_key)
    if f.false_positive is not None:
        flagged = (
            "exists (select 1 from review_state s where s.alert_id = a.id and s.target = ? "
            "and s.action = 'false_positive')"
        )
        where.append(flagged if f.false_positive else f"not {flagged}")
        params.append(f.review_key)
    return where, params


def _sparse(db: sqlite_utils.Database, f: AlertFilter) -> bool:
    """Whether to read starting from the target's deliveries: few of them and no ticker to narrow by,
    or a window of queue times (a digest: only the outbox rows have them)."""
    if not f.target:
        return False
    if f.queued_since or f.queued_until:
        return True
    if f.ticker:
        return False
    row = db.execute(
        "select count(*) from (select 1 from deliveries where target = ? limit ?) as few",
        [f.target, SPARSE_MAX + 1],
    ).fetchone()
    return int(row[0]) <= SPARSE_MAX


def _outbox(f: AlertFilter) -> tuple[str, list[Any]]:
    """Conditions on a target's outbox row `d` (' and ...'): posted, not skipped (`posted_only`, with a
    target), and queued in the window of `queued_since`/`queued_until`."""
    sql, params = "", []
    if f.posted_only and f.target:
        sql += " and d.state != 'skipped'"
    if f.queued_since:
        sql += " and d.created >= ?"
        params.append(f.queued_since)
    if f.queued_until:
        sql += " and d.created < ?"
        params.append(f.queued_until)
    return sql, params


def _source(db: sqlite_utils.Database, f: AlertFilter) -> tuple[str, list[str], list[Any]]:
    """FROM clause, conditions and parameters for a filter (alerts are aliased `a`)."""
    where, params = _conditions(f)
    outbox, outbox_params = _outbox(f)
    if not f.target:
        if outbox_params:
            where.append(f"exists (select 1 from deliveries d where d.alert_id = a.id{outbox})")
            params.extend(outbox_params)
        return "alerts a", where, params
    if _sparse(db, f):
        # SQLite: CROSS JOIN fixes the loop order, the target's few deliveries first, then their alerts
        # (PostgreSQL's planner chooses the order itself, and takes no ON after CROSS JOIN)
        join = "join" if _postgres(db) else "cross join"
        return (
            f"deliveries d {join} alerts a on a.id = d.alert_id",
            [f"d.target = ?{outbox}", *where],
            [f.target, *outbox_params, *params],
        )
    where.append(f"exists (select 1 from deliveries d where d.alert_id = a.id and d.target = ?{outbox})")
    params.extend([f.target, *outbox_params])
    return "alerts a", where, params


def _postgres(db: sqlite_utils.Database) -> bool:
    return getattr(db, "dialect", "sqlite") == "postgresql"


def _topics(db: sqlite_utils.Database) -> str:
    """A FROM item `t` with one row per topic id of alert `a` (its JSON list), in column `t.value`."""
    if _postgres(db):
        return "jsonb_array_elements_text(a.topics::jsonb) as t(value)"
    return "json_each(a.topics) t"


def _sql(source: str, where: Sequence[str]) -> str:
    return f"from {source}" + (f" where {' and '.join(where)}" if where else "")


def _rows(cursor: Any) -> list[dict[str, Any]]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def select_alerts(
    db: sqlite_utils.Database, f: AlertFilter, *, limit: int | None = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Decoded alert rows matching `f`, the latest to happen first."""
    source, where, params = _source(db, f)
    order = "order by a.happened desc, a.id"
    page = " limit ? offset ?" if limit is not None else ""
    if limit is not None:
        params = [*params, limit, offset]
    if source.startswith("deliveries"):
        # sort the target's alerts by (happened, id) alone, then read the page's full rows
        inner = f"select a.id {_sql(source, where)} {order}{page}"
        sql = f"select a.* from alerts a where a.id in ({inner}) {order}"
    else:
        sql = f"select a.* {_sql(source, where)} {order}{page}"
    return [decode(r) for r in _rows(db.execute(sql, params))]


def iter_alerts(db: sqlite_utils.Database, f: AlertFilter, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every decoded alert row matching `f`, the earliest to happen first, read in batches (exports of
    any size)."""
    source, where, params = _source(db, f)
    last: tuple[str, str] = ("", "")
    while True:
        cond = [*where, "(a.happened, a.id) > (?, ?)"]
        sql = f"select a.* {_sql(source, cond)} order by a.happened, a.id limit ?"
        rows = _rows(db.execute(sql, [*params, *last, batch]))
        yield from (decode(r) for r in rows)
        if len(rows) < batch:
            return
        last = (rows[-1]["happened"], rows[-1]["id"])


def count(db: sqlite_utils.Database, f: AlertFilter) -> int:
    """How many alerts match `f`."""
    source, where, params = _source(db, f)
    return int(db.execute(f"select count(*) {_sql(source, where)}", params).fetchone()[0])


def earliest(db: sqlite_utils.Database, f: AlertFilter) -> str | None:
    """When the earliest alert matching `f` happened (None when none matches)."""
    source, where, params = _source(db, f)
    row = db.execute(f"select min(a.happened) {_sql(source, where)}", params).fetchone()
    return row[0] if row else None


def counts_by_topic(db: sqlite_utils.Database, f: AlertFilter) -> dict[str, int]:
    """Topic id -> alerts tagged with it (an alert with two topics counts under both), most first."""
    source, where, params = _source(db, f)
    sql = (
        f"select t.value, count(*) as n {_sql(f'{source}, {_topics(db)}', where)} "
        "group by t.value order by n desc, t.value"
    )
    return {str(r[0]): int(r[1]) for r in db.execute(sql, params)}


def counts_by_severity(db: sqlite_utils.Database, f: AlertFilter) -> dict[str, int]:
    """Severity -> alerts."""
    source, where, params = _source(db, f)
    sql = f"select a.severity, count(*) {_sql(source, where)} group by a.severity order by a.severity"
    return {str(r[0]): int(r[1]) for r in db.execute(sql, params)}


def daily_by_severity(db: sqlite_utils.Database, f: AlertFilter) -> list[tuple[str, str, int]]:
    """(UTC day as YYYY-MM-DD, severity, alerts) for every day and severity with alerts."""
    source, where, params = _source(db, f)
    day = "left(a.happened, 10)" if _postgres(db) else "date(a.happened)"  # happened is a UTC stamp
    sql = (
        f"select {day} as day, a.severity, count(*) {_sql(source, where)} "
        "group by day, a.severity order by day, a.severity"
    )
    return [(str(r[0]), str(r[1]), int(r[2])) for r in db.execute(sql, params)]


def by_ticker_and_severity(db: sqlite_utils.Database, f: AlertFilter) -> list[tuple[str, str, int, int]]:
    """(ticker, severity, alerts, follow-ups) for every ticker and severity with alerts. A follow-up is
    a report linked to a story that an earlier alert started (its story id is another alert's)."""
    source, where, params = _source(db, f)
    follow_up = "count(case when a.story_id is not null and a.story_id != a.id then 1 end)"
    sql = (
        f"select a.ticker, a.severity, count(*), {follow_up} {_sql(source, where)} "
        "group by a.ticker, a.severity order by a.ticker, a.severity"
    )
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3] or 0)) for r in db.execute(sql, params)]


def by_ticker_and_topic(db: sqlite_utils.Database, f: AlertFilter) -> list[tuple[str, str, int]]:
    """(ticker, topic, alerts tagged with it) for every pair with alerts."""
    source, where, params = _source(db, f)
    sql = (
        f"select a.ticker, t.value, count(*) {_sql(f'{source}, {_topics(db)}', where)} "
        "group by a.ticker, t.value order by a.ticker, t.value"
    )
    return [(str(r[0]), str(r[1]), int(r[2])) for r in db.execute(sql, params)]


def counts_by_ticker(db: sqlite_utils.Database, f: AlertFilter) -> dict[str, int]:
    """Ticker -> alerts."""
    source, where, params = _source(db, f)
    sql = f"select a.ticker, count(*) {_sql(source, where)} group by a.ticker order by a.ticker"
    return {str(r[0]): int(r[1]) for r in db.execute(sql, params)}


def story_heads(db: sqlite_utils.Database, f: AlertFilter) -> list[dict[str, Any]]:
    """Light rows (id, severity, happened, story) for every alert matching `f`, the latest first."""
    source, where, params = _source(db, f)
    sql = (
        "select a.id, a.severity, a.happened, coalesce(a.story_id, a.article_id, a.id) as story "
        f"{_sql(source, where)} order by a.happened desc, a.id"
    )
    return _rows(db.execute(sql, params))


def get_many(db: sqlite_utils.Database, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Decoded alert rows for `ids`, in the order given (missing ids are left out)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found = {
        r["id"]: decode(r) for r in _rows(db.execute(f"select * from alerts where id in ({marks})", ids))
    }
    return [found[i] for i in ids if i in found]


def search(
    db: sqlite_utils.Database, fts_query: str, f: AlertFilter, *, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """Decoded alert rows matching an FTS5 query (already made safe) and `f`, newest stored first.

    Raises QueryRejected when SQLite rejects the query.
    """
    if _postgres(db):
        return _search_postgres(db, fts_query, f, limit=limit, offset=offset)
    if f.ticker:
        # the ticker narrows inside the index, so a common word does not walk every alert
        fts_query = f'({fts_query}) AND ticker:"{f.ticker.upper()}"'
    source, where, params = _source(db, replace(f, ticker=None))
    if source.startswith("deliveries"):
        where = [*where, "a.rowid in (select rowid from alerts_fts where alerts_fts match ?)"]
        sql = f"select a.* {_sql(source, where)} order by a.rowid desc limit ? offset ?"
        args = [*params, fts_query, limit, offset]
    else:
        source = "alerts_fts join alerts a on a.rowid = alerts_fts.rowid"
        sql = (
            f"select a.* {_sql(source, ['alerts_fts match ?', *where])} "
            "order by alerts_fts.rowid desc limit ? offset ?"
        )
        args = [fts_query, *params, limit, offset]
    return [decode(r) for r in _rows(db.execute(sql, args))]


# the indexed text of alert `a` on PostgreSQL (migration 0040's expression index)
_ALERT_TEXT = "riskwire_alert_text(a.title, a.summary, a.company, a.ticker, a.terms)"


def _search_postgres(
    db: sqlite_utils.Database, fts_query: str, f: AlertFilter, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """`search` on PostgreSQL: the same query as a tsquery over the expression index; the ticker is a
    plain condition. Newest stored first, as on SQLite (rowid is the order alerts were stored in)."""
    from storage.pgsearch import to_tsquery_sql

    tsquery, query_params = to_tsquery_sql(fts_query)
    source, where, params = _source(db, f)
    where = [*where, f"{_ALERT_TEXT} @@ {tsquery}"]
    sql = f"select a.* {_sql(source, where)} order by a.rowid desc limit ? offset ?"
    return [decode(r) for r in _rows(db.execute(sql, [*params, *query_params, limit, offset]))]


def like_search(db: sqlite_utils.Database, terms: Sequence[str], limit: int = 20) -> list[dict[str, Any]]:
    """The naive search, kept as the benchmark's baseline: every term (a word or phrase) somewhere in
    the headline, summary, company, ticker or evidence terms, by LIKE over the rows, newest first."""
    where, params = [], []
    for term in terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cols = ("title", "summary", "company", "ticker", "terms")
        where.append("(" + " or ".join(f"{c} like ? escape '\\'" for c in cols) + ")")
        params += [pattern] * len(cols)
    sql = f"select * from alerts where {' and '.join(where)} order by created desc limit ?"
    return [decode(r) for r in _rows(db.execute(sql, [*params, limit]))]


def rule_stats(db: sqlite_utils.Database, since: str | None = None) -> list[tuple[str, int, int]]:
    """(rule id, alerts it fired on, of those marked false positive in any target), worst first; with
    `since`, only alerts whose story happened since then."""
    where = "where a.happened >= ?" if since else ""
    if _postgres(db):
        return _rule_stats_postgres(db, where, [since] if since else [])
    sql = (
        "select json_extract(e.value, '$.rule') as rule, count(distinct a.id) as fired, "
        "count(distinct case when exists (select 1 from review_state s where s.alert_id = a.id "
        "and s.action = 'false_positive') then a.id end) as fp "
        f"from alerts a, json_each(case when json_valid(a.evidence) then a.evidence else '[]' end) e {where} "
        "group by rule having rule is not null "
        "order by cast(fp as real) / fired desc, fired desc, rule"
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in db.execute(sql, [since] if since else [])]


def _rule_stats_postgres(
    db: sqlite_utils.Database, where: str, params: list[Any]
) -> list[tuple[str, int, int]]:
    """`rule_stats` on PostgreSQL: jsonb for SQLite's JSON functions, and the ratio ordered from a
    subquery (PostgreSQL orders by an output column only by its bare name)."""
    sql = (
        "select rule, fired, fp from (select e.value ->> 'rule' as rule, count(distinct a.id) as fired, "
        "count(distinct case when exists (select 1 from review_state s where s.alert_id = a.id "
        "and s.action = 'false_positive') then a.id end) as fp "
        "from alerts a, jsonb_array_elements(case when left(ltrim(a.evidence), 1) = '[' "
        f"then a.evidence::jsonb else '[]'::jsonb end) as e(value) {where} "
        "group by 1) as stats where rule is not null "
        "order by cast(fp as real) / fired desc, fired desc, rule"
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in db.execute(sql, params)]
