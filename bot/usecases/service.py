"""The shared use cases behind the CLI, Slack and Discord: watch, unwatch, list, history, summary,
search, topics, help. Front-ends parse input, call these, and render the plain results.

Every function takes a Scope: the target (workspace + channel) the request comes from. Reads and
writes never leave that scope, so one workspace or server never sees or changes another's data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.delivery.targets import Target
from bot.pipeline.alerts import Alert
from bot.pipeline.directory import directory_for
from rules.directory import CompanyDirectory
from rules.models import SEVERITIES
from rules.rulefile import load_topics
from rules.watchlist import WatchlistError, clean_names, clean_text, parse_tickers, shown
from storage import alerts as alert_store
from storage import deliveries, mutes, reviews, subscriptions
from storage import history as hist

WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
MAX_TICKERS_PER_COMMAND = 25
MAX_COMMAND_CHARS = 1000  # no honest list of 25 tickers or a search is longer


class ServiceError(ValueError):
    """A request cannot be done as asked; the message is fit to show the user as it is."""


@dataclass(frozen=True)
class Scope:
    """Who is asking: a target (where alerts go) and optionally the user."""

    target: Target
    user: str | None = None

    @property
    def key(self) -> str:
        return self.target.key


@dataclass
class WatchResult:
    """What a watch or unwatch did, ticker by ticker."""

    changed: list[tuple[str, str]] = field(default_factory=list)  # (ticker, company)
    unchanged: list[str] = field(default_factory=list)
    # for a ticker watched already: what the new options change, e.g. 'min severity: low -> high'
    updates: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Summary:
    """A ticker's alerts over a window: counts, change against the previous window, top stories."""

    ticker: str
    company: str
    days: int
    total: int
    previous_total: int
    by_topic: dict[str, int]
    by_severity: dict[str, int]
    top: list[Alert]
    unreviewed: int = 0
    previous_by_topic: dict[str, int] = field(default_factory=dict)
    open_items: list[Alert] = field(default_factory=list)  # the most severe alerts not yet reviewed
    false_positives: int = 0  # alerts in the window reviewed as false positives, left out of the counts


def _now() -> datetime:
    return datetime.now(UTC)


def _resolve_all(
    tickers: list[str], names: list[str] | None, directory: CompanyDirectory
) -> list[tuple[str, str]]:
    """(ticker, company name) for each, or ServiceError naming every unknown one; nothing half-done."""
    if names and len(tickers) != 1:
        raise ServiceError("company names can be given with one ticker at a time")
    resolved, unknown = [], []
    for t in tickers:
        company = directory.get(t, names or ())
        if company is None:
            unknown.append(_with_suggestions(t, directory))
        else:
            resolved.append((t, company.name))
    if unknown:
        raise ServiceError(
            f"Unknown ticker{'s' if len(unknown) > 1 else ''}: {'; '.join(unknown)}. Nothing was changed. "
            "To watch a company the directory lacks, give its names: watch TICKER --names 'Name A, Name B'."
        )
    return resolved


def _with_suggestions(ticker: str, directory: CompanyDirectory) -> str:
    """'AMZM (did you mean AMZN?)', or the ticker alone when nothing is close."""
    suggestions = directory.suggest(ticker)
    return ticker + (f" (did you mean {', '.join(suggestions)}?)" if suggestions else "")


def known_ticker(
    db: sqlite_utils.Database, scope: Scope | None, ticker: str, directory: CompanyDirectory | None = None
) -> str:
    """The ticker, parsed, if there can be alerts about it here: the directory knows it, the scope (any
    target when None) watches it, or alerts about it are stored for the scope. Otherwise ServiceError
    with the suggestions `watch` gives, so a typo is not answered with an empty history."""
    ticker = parse_ticker_list(ticker)[0]
    directory = directory or directory_for(db)
    if ticker in directory:
        return ticker
    watched = (
        subscriptions.get(db, scope.key, ticker) is not None if scope else ticker in subscriptions.watched(db)
    )
    if watched or hist.count(db, hist.AlertFilter(ticker=ticker, target=scope.key if scope else None)):
        return ticker
    raise ServiceError(
        f"Unknown ticker {_with_suggestions(ticker, directory)}: it is not in the company directory "
        f"and {'this channel does not watch it' if scope else 'nobody watches it'}."
    )


def parse_ticker_list(text: str) -> list[str]:
    """Tickers from user input, or ServiceError with what is wrong (see rules.watchlist.parse_tickers
    for how full-width, invisible and look-alike characters are handled)."""
    if len(text or "") > MAX_COMMAND_CHARS:
        raise ServiceError(
            f"That is {len(text)} characters; a list of tickers is at most {MAX_COMMAND_CHARS}."
        )
    try:
        tickers = parse_tickers(text or "")
    except WatchlistError as exc:
        raise ServiceError(str(exc)) from None
    if not tickers:
        raise ServiceError("Give at least one ticker, e.g. AMZN or AMZN, AAPL.")
    if len(tickers) > MAX_TICKERS_PER_COMMAND:
        raise ServiceError(f"At most {MAX_TICKERS_PER_COMMAND} tickers at a time.")
    return tickers


def _checked(tickers: list[str]) -> list[str]:
    """Each ticker as parse_ticker_list reads it (front-ends may pass raw words); one per item."""
    if len(tickers) > MAX_TICKERS_PER_COMMAND:
        raise ServiceError(f"At most {MAX_TICKERS_PER_COMMAND} tickers at a time.")
    out: list[str] = []
    for raw in tickers:
        parsed = parse_ticker_list(raw)
        if len(parsed) != 1:
            raise ServiceError(f"{shown(raw)} is not one ticker symbol.")
        out.append(parsed[0])
    return list(dict.fromkeys(out))


def watch(
    db: sqlite_utils.Database,
    scope: Scope,
    tickers: list[str],
    *,
    names: list[str] | None = None,
    topics: list[str] | None = None,
    min_severity: str | None = None,
    directory: CompanyDirectory | None = None,
) -> WatchResult:
    """Subscribe the scope's target to each ticker; all or nothing."""
    directory = directory or directory_for(db)
    known_topics = {t.id for t in load_topics()} if topics else set()  # parsing the rules costs ~30 ms
    bad = [t for t in topics or [] if t not in known_topics]
    if bad:
        import difflib

        close = [m for t in bad[:5] for m in difflib.get_close_matches(t, known_topics, n=1, cutoff=0.75)]
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ServiceError(
            f"Unknown topic(s): {', '.join(shown(t) for t in bad[:5])}.{hint} "
            f"Topics: {', '.join(sorted(known_topics))}."
        )
    try:
        names = clean_names(names) or None if names else None
    except WatchlistError as exc:
        raise ServiceError(str(exc)) from None
    if min_severity and min_severity not in SEVERITIES:
        raise ServiceError(f"Severity must be one of {', '.join(SEVERITIES)}.")
    resolved = _resolve_all(_checked(tickers), names, directory)
    return _subscribe(db, scope, resolved, names, topics, min_severity)


def watch_holdings(
    db: sqlite_utils.Database,
    scope: Scope,
    rows: list[tuple[int, str]],
    *,
    source: str = "holdings",
    directory: CompanyDirectory | None = None,
) -> WatchResult:
    """Subscribe the scope's target to every company of a holdings list: (row number, ticker or ISIN)
    pairs. All or nothing: when a row names no company in the directory, HoldingsError lists each such
    row (with the suggestions `watch` gives) and nothing is subscribed. Tickers already watched keep
    their options; a company listed twice is subscribed once."""
    directory = directory or directory_for(db)
    resolved: dict[str, str] = {}
    problems: list[str] = []
    for number, value in rows:
        ticker = _holding_ticker(value, directory)
        company = directory.get(ticker) if ticker else None
        if company is None:
            what = (
                f"unknown ISIN {value}"
                if ISIN.match(value.upper())
                else f"unknown ticker {_with_suggestions(value.upper(), directory)}"
            )
            problems.append(f"{source}: row {number}: {what}")
        else:
            resolved.setdefault(company.ticker, company.name)
    if problems:
        raise HoldingsError(problems)
    if not resolved:
        raise ServiceError(f"{source} lists no ticker or ISIN")
    fresh = [(t, c) for t, c in resolved.items() if subscriptions.get(db, scope.target.key, t) is None]
    result = _subscribe(db, scope, fresh, None, None, None)
    result.unchanged.extend(t for t in resolved if t not in dict(fresh))
    return result


ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")


class HoldingsError(ServiceError):
    """Rows of a holdings list that name no known company; one line each in `problems`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} unknown row(s), nothing was changed: " + "; ".join(problems))


def _holding_ticker(value: str, directory: CompanyDirectory) -> str | None:
    """The ticker a holdings cell names: an ISIN through the directory, else the cell as a ticker."""
    if ISIN.match(value.upper()):
        return directory.ticker_for_isin(value)
    try:
        parsed = parse_tickers(value)
    except WatchlistError:
        return None
    return parsed[0] if len(parsed) == 1 else None


def _subscribe(
    db: sqlite_utils.Database,
    scope: Scope,
    resolved: list[tuple[str, str]],
    names: list[str] | None,
    topics: list[str] | None,
    min_severity: str | None,
) -> WatchResult:
    result = WatchResult()
    stamp = _now().isoformat(timespec="seconds")
    target = scope.target
    with db.atomic():
        for ticker, company in resolved:
            before = subscriptions.get(db, target.key, ticker)
            added = subscriptions.add(
                db,
                target=target.key,
                platform=target.platform,
                workspace=target.workspace,
                channel=target.channel,
                ticker=ticker,
                created=stamp,
                names=names,
                topics=topics,
                min_severity=min_severity or "low",
                created_by=scope.user,
            )
            if added:
                result.changed.append((ticker, company))
            else:
                result.unchanged.append(ticker)
                if before is not None:
                    result.updates[ticker] = option_changes(before, names, topics, min_severity or "low")
    return result


def describe_options(row: dict[str, Any]) -> str:
    """A subscription's filters as a user reads them: 'topics: all; min severity: low'."""
    topics = ", ".join(row.get("topics") or []) or "all"
    return f"topics: {topics}; min severity: {row.get('min_severity') or 'low'}"


def option_changes(
    before: dict[str, Any], names: list[str] | None, topics: list[str] | None, min_severity: str
) -> list[str]:
    """What watching again with these options changes on the subscription `before`, as 'old -> new'
    lines (empty when nothing changes); a broken subscription becomes active again."""

    def listed(values: list[str] | None, empty: str) -> str:
        return ", ".join(values or []) or empty

    pairs = [
        ("topics", listed(before.get("topics"), "all"), listed(topics, "all")),
        ("min severity", before.get("min_severity") or "low", min_severity),
        ("names", listed(before.get("names"), "none"), listed(names, "none")),
        ("status", before.get("status") or "active", "active"),
    ]
    return [f"{what}: {old} -> {new}" for what, old, new in pairs if old != new]


def unwatch(db: sqlite_utils.Database, scope: Scope, tickers: list[str]) -> WatchResult:
    """Remove the scope's subscriptions to each ticker; tickers not watched here are reported."""
    result = WatchResult()
    tickers = _checked(tickers)
    with db.atomic():
        for ticker in tickers:
            if subscriptions.remove(db, scope.key, ticker):
                result.changed.append((ticker, ticker))
            else:
                result.unchanged.append(ticker)
    return result


def list_watches(db: sqlite_utils.Database, scope: Scope) -> list[dict[str, Any]]:
    """The scope's subscriptions, with status ('active' or 'broken') and the reason when broken."""
    return subscriptions.for_target(db, scope.key)


def history(
    db: sqlite_utils.Database,
    scope: Scope | None,
    *,
    ticker: str | None = None,
    days: int | None = None,
    limit: int = 20,
    offset: int = 0,
    topic: str | None = None,
    severity: str | None = None,
    reviewed: bool | None = None,
    since: str | None = None,
    until: str | None = None,
    page: int | None = None,
) -> list[Alert]:
    """Past alerts newest first: those delivered to the scope's target (all of them when scope is None).

    Filters: ticker, topic id, severity ('high', or 'high+' for high and above), reviewed (True:
    reviewed or marked false positive in this scope; False: still open), and a date range (`days`
    back from now, or `since`/`until` as YYYY-MM-DD or ISO times; a plain `until` date includes that
    day) over when each story happened (its publication time). `page` (from 1) pages by `limit`;
    otherwise `offset` does.
    """
    if limit < 1 or limit > 1000:
        raise ServiceError("limit must be between 1 and 1000")
    if ticker:
        ticker = known_ticker(db, scope, ticker)
    if page is not None:
        if page < 1 or page > 100000:
            raise ServiceError("page must be 1 or more")
        offset = (page - 1) * limit
    f = alert_filter(
        scope,
        ticker=ticker,
        days=days,
        topic=topic,
        severity=severity,
        reviewed=reviewed,
        since=since,
        until=until,
    )
    return [Alert.from_row(r) for r in hist.select_alerts(db, f, limit=limit, offset=offset)]


def alert_filter(
    scope: Scope | None,
    *,
    ticker: str | None = None,
    days: int | None = None,
    topic: str | None = None,
    severity: str | None = None,
    reviewed: bool | None = None,
    since: str | None = None,
    until: str | None = None,
) -> hist.AlertFilter:
    """The storage filter for these user-facing options, each checked (ServiceError when not valid)."""
    if days is not None and (days < 1 or days > 36500):
        raise ServiceError("days must be between 1 and 36500")
    if topic is not None:
        known = {t.id for t in load_topics()}
        if topic not in known:
            raise ServiceError(f"Unknown topic {topic[:40]!r}. Topics: {', '.join(sorted(known))}.")
    start = parse_when(since, "since") if since else None
    if days:
        recent = (_now() - timedelta(days=days)).isoformat(timespec="seconds")
        start = max(start, recent) if start else recent
    end = parse_when(until, "until", end_of_day=True) if until else None
    return hist.AlertFilter(
        ticker=parse_ticker_list(ticker)[0] if ticker else None,
        topic=topic,
        severities=parse_severity(severity) if severity else (),
        since=start,
        until=end,
        reviewed=reviewed,
        target=scope.key if scope else None,
    )


def parse_severity(text: str) -> tuple[str, ...]:
    """'high' -> ('high',); 'high+' -> ('high', 'critical'); ServiceError otherwise."""
    key = text.strip().lower()
    at_least = key.endswith("+")
    key = key.rstrip("+")
    if key not in SEVERITIES:
        raise ServiceError(f"Severity must be one of {', '.join(SEVERITIES)} (add + for 'and above').")
    return SEVERITIES[SEVERITIES.index(key) :] if at_least else (key,)


def parse_when(text: str, name: str, *, end_of_day: bool = False) -> str:
    """A date (YYYY-MM-DD) or ISO 8601 time as the UTC ISO string alerts are stamped with.

    With `end_of_day`, a plain date means the end of that day (the next midnight), so a range
    `--until 2026-03-31` includes the 31st.
    """
    text = (text or "").strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                day += timedelta(days=1)
            when = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            when = datetime.fromisoformat(text)
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except ValueError:
        raise ServiceError(f"{name} must be a date like 2026-03-31 or a time like 2026-03-31T09:00") from None
    return when.isoformat(timespec="seconds")


def parse_window(text: str | None) -> int:
    """'7d', '30d' or '90d' (default 7d) -> days, or ServiceError."""
    if not text:
        return 7
    key = text.strip().lower()
    if key in WINDOWS:
        return WINDOWS[key]
    raise ServiceError(f"Window must be one of {', '.join(WINDOWS)}; got {text[:20]!r}.")


def summary(
    db: sqlite_utils.Database,
    scope: Scope | None,
    ticker: str,
    days: int = 7,
    directory: CompanyDirectory | None = None,
) -> Summary:
    """Counts by topic and severity of the alerts whose story happened in the last `days` (published
    then, see storage.alerts.happened), the previous window's counts, the top stories (one alert per
    story, most severe first) and the open items not yet reviewed. Alerts reviewed as false positives
    are left out of every count and list, and counted in `false_positives`. Counted in SQL."""
    if days < 1 or days > 3650:
        raise ServiceError("days must be between 1 and 3650")
    directory = directory or directory_for(db)
    ticker = known_ticker(db, scope, ticker, directory)
    company = directory.get(ticker)
    now = _now()
    since = (now - timedelta(days=days)).isoformat(timespec="seconds")
    before = (now - timedelta(days=2 * days)).isoformat(timespec="seconds")
    current = hist.AlertFilter(
        ticker=ticker, since=since, target=scope.key if scope else None, false_positive=False
    )
    previous = replace(current, since=before, until=since)
    by_severity = hist.counts_by_severity(db, current)
    total = sum(by_severity.values())
    open_heads = hist.story_heads(db, replace(current, reviewed=False)) if total else []
    return Summary(
        ticker,
        company.name if company else ticker,
        days,
        total,
        hist.count(db, previous),
        hist.counts_by_topic(db, current) if total else {},
        {s: by_severity[s] for s in reversed(SEVERITIES) if by_severity.get(s)},
        _top_stories(db, hist.story_heads(db, current) if total else [], 5),
        unreviewed=len(open_heads),
        previous_by_topic=hist.counts_by_topic(db, previous),
        open_items=_top_stories(db, open_heads, 5, one_per_story=False),
        false_positives=hist.count(db, replace(current, false_positive=True)),
    )


def _top_stories(
    db: sqlite_utils.Database, heads: list[dict[str, Any]], n: int, *, one_per_story: bool = True
) -> list[Alert]:
    """The n most severe alerts (newest first within a severity), one per story unless told otherwise."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    ordered = sorted(heads, key=lambda h: (rank.get(h["severity"], 0), h["happened"]), reverse=True)
    chosen: list[str] = []
    stories: set[str] = set()
    for h in ordered:
        if one_per_story and h["story"] in stories:
            continue
        stories.add(h["story"])
        chosen.append(h["id"])
        if len(chosen) >= n:
            break
    return [Alert.from_row(r) for r in hist.get_many(db, chosen)]


def search(
    db: sqlite_utils.Database,
    scope: Scope | None,
    text: str,
    limit: int = 20,
    *,
    ticker: str | None = None,
    offset: int = 0,
) -> list[Alert]:
    """Alerts matching `text` in headline, summary, company, ticker or evidence terms, newest first.

    Full-text search (SQLite FTS5, word stems): words must all occur, "a phrase" stays a phrase,
    `word*` is a prefix, OR between words means either. Any other syntax is searched as plain text;
    a query that cannot be run is a ServiceError, never a crash.
    """
    from bot.usecases.fts_query import QueryError, to_fts_query

    if len(text or "") > MAX_COMMAND_CHARS:
        raise ServiceError("Search text is limited to 200 characters.")
    try:
        text = " ".join(clean_text(text or "").split())
    except WatchlistError as exc:
        raise ServiceError(str(exc)) from None
    if not text:
        raise ServiceError("Give some words to search for.")
    if len(text) > 200:
        raise ServiceError("Search text is limited to 200 characters.")
    if limit < 1 or limit > 1000:
        raise ServiceError("limit must be between 1 and 1000")
    try:
        query = to_fts_query(text)
    except QueryError:
        return []  # only punctuation: nothing can match it
    f = alert_filter(scope, ticker=known_ticker(db, scope, ticker) if ticker else None)
    try:
        rows = hist.search(db, query, f, limit=limit, offset=offset)
    except hist.QueryRejected as exc:
        raise ServiceError(
            f"Cannot search for {text[:60]!r}: {exc}. Try plain words or a quoted phrase."
        ) from None
    return [Alert.from_row(r) for r in rows]


def alert_in_scope(db: sqlite_utils.Database, scope: Scope, alert_id: str) -> Alert | None:
    """The alert, if it was delivered (or queued) to the scope's target; None otherwise."""
    if not any(d["target"] == scope.key for d in deliveries.for_alert(db, alert_id)):
        return None
    row = alert_store.get_alert(db, alert_id)
    return Alert.from_row(row) if row else None


@dataclass(frozen=True)
class ReviewResult:
    """A stored review action."""

    alert: Alert
    action: str
    user: str | None
    at: str
    reason: str | None = None


REVIEW_ALIASES = {
    "reviewed": "reviewed",
    "review": "reviewed",
    "ok": "reviewed",
    "false_positive": "false_positive",
    "false-positive": "false_positive",
    "fp": "false_positive",
    "reopened": "reopened",
    "reopen": "reopened",
}


def review(
    db: sqlite_utils.Database,
    scope: Scope | None,
    alert_id: str,
    action: str,
    reason: str | None = None,
    *,
    user: str | None = None,
) -> ReviewResult:
    """Record 'reviewed', 'false_positive' or 'reopened' on an alert in the scope, with who and when.

    Without a scope (the command line) any stored alert can be reviewed; the action then counts for
    the alert as a whole (what `history --open` and the auditors see) rather than for one channel.
    """
    action = REVIEW_ALIASES.get((action or "").strip().lower(), action)
    if action not in reviews.ACTIONS:
        raise ServiceError(f"Review action must be one of {', '.join(reviews.ACTIONS)}.")
    if reason and len(reason) > 1000:
        raise ServiceError("A review reason is limited to 1000 characters.")
    alert_id = (alert_id or "").strip()
    if scope is None:
        row = alert_store.get_alert(db, alert_id)
        alert = Alert.from_row(row) if row else None
    else:
        alert = alert_in_scope(db, scope, alert_id)
    if alert is None:
        raise ServiceError("No such alert" + (" in this channel." if scope else f": {alert_id[:40]!r}."))
    who = scope.user if scope else user
    stamp = _now().isoformat(timespec="seconds")
    reviews.add(
        db,
        alert_id=alert_id,
        target=scope.key if scope else None,
        action=action,
        user=who,
        at=stamp,
        reason=reason or None,
    )
    return ReviewResult(alert, action, who, stamp, reason)


def mute(db: sqlite_utils.Database, scope: Scope, ticker: str, hours: int = 24) -> str:
    """Silence `ticker` in the scope's target for `hours`; returns the time it ends (ISO, UTC)."""
    if hours < 1 or hours > 24 * 90:
        raise ServiceError("A mute lasts between 1 hour and 90 days.")
    ticker = parse_ticker_list(ticker)[0]
    until = (_now() + timedelta(hours=hours)).isoformat(timespec="seconds")
    mutes.mute(db, scope.key, ticker, until, scope.user)
    return until


def mute_alert(db: sqlite_utils.Database, scope: Scope, alert_id: str, hours: int = 24) -> ReviewResult:
    """Mute an alert's ticker in the scope's target (as `mute`), kept in the alert's history as 'muted'.

    Only an alert delivered to the scope's target can be muted from; ServiceError otherwise."""
    alert = alert_in_scope(db, scope, alert_id)
    if alert is None:
        raise ServiceError("No such alert in this channel.")
    until = mute(db, scope, alert.ticker, hours)
    stamp = _now().isoformat(timespec="seconds")
    reason = f"until {until}"
    reviews.add(
        db, alert_id=alert_id, target=scope.key, action="muted", user=scope.user, at=stamp, reason=reason
    )
    return ReviewResult(alert, "muted", scope.user, stamp, reason)


def topics() -> list[tuple[str, str, str]]:
    """(id, label, description) for every topic Riskwire tags."""
    return [(t.id, t.label, t.description) for t in load_topics()]


@dataclass(frozen=True)
class Chart:
    """A summary chart: the PNG, a file name for it, and the data series it was drawn from."""

    ticker: str  # the ticker, or "portfolio"
    days: int
    title: str
    filename: str
    png: bytes
    series: Any  # bot.rendering.chart.TimeSeries, or .Grid for a portfolio


def summary_chart(
    db: sqlite_utils.Database,
    scope: Scope | None,
    ticker: str,
    days: int = 30,
    directory: CompanyDirectory | None = None,
) -> Chart:
    """The alerts of `ticker` over the last `days` (counted as `summary` counts them, each alert once,
    by severity; a bar per day up to a month, per week beyond), with the reviewed false positives
    marked, as a PNG."""
    from bot.rendering.chart import render_time_chart, time_series

    if days < 1 or days > 3650:
        raise ServiceError("days must be between 1 and 3650")
    ticker = parse_ticker_list(ticker)[0]
    company = (directory or directory_for(db)).get(ticker)
    now = _now()
    start = now - timedelta(days=days)
    f = hist.AlertFilter(
        ticker=ticker,
        since=start.isoformat(timespec="seconds"),
        target=scope.key if scope else None,
        false_positive=False,
    )
    fps = hist.daily_by_severity(db, replace(f, false_positive=True))
    series = time_series(hist.daily_by_severity(db, f), start.date(), now.date(), fps)
    per = "day" if series.step == 1 else "week"
    title = f"{ticker} · {company.name if company else ticker}: alerts per {per}, last {days} days"
    fp = sum(series.false_positives)
    subtitle = (
        f"{window_text(start, now)} · {series.total} alert{'s' if series.total != 1 else ''}, each counted "
        "once, coloured by severity"
        + (f" · {fp} reviewed false positive{'s' if fp != 1 else ''} left out" if fp else "")
    )
    png = render_time_chart(series, title, subtitle)
    return Chart(ticker, days, title, f"riskwire-{ticker}-{days}d.png", png, series)


def window_text(start: datetime, end: datetime) -> str:
    """'30 Nov to 7 Dec 2026 (UTC)', with both years where the window crosses one."""
    first = f"{start.day} {start:%b}" + (f" {start.year}" if start.year != end.year else "")
    return f"{first} to {end.day} {end:%b %Y} (UTC)"


# --- digests (the schedule logic lives in bot.usecases.digest) -----------------------------------------


def set_digest(
    db: sqlite_utils.Database,
    scope: Scope,
    cadence: str,
    time: str,
    tz: str = "UTC",
    *,
    weekday: str | None = None,
    portfolio: bool = False,
) -> Any:
    """Send the scope's target a daily or weekly digest at `time` (HH:MM) in time zone `tz`, with the
    portfolio view when asked.

    Returns a bot.usecases.digest.DigestInfo (`.describe()` is a one-line answer for the user).
    """
    from bot.usecases.digest import parse_schedule
    from bot.usecases.digest import set_digest as _set

    words = [cadence] + ([weekday] if weekday else []) + [time, tz] + (["portfolio"] if portfolio else [])
    return _set(db, scope, parse_schedule(" ".join(w for w in words if w)))


def digest_off(db: sqlite_utils.Database, scope: Scope) -> bool:
    """Stop the scope's digest; False when there was none."""
    from storage import digests

    return digests.remove(db, scope.key)


def digest_status(db: sqlite_utils.Database, scope: Scope) -> Any:
    """The scope's digest (bot.usecases.digest.DigestInfo) or None."""
    from bot.usecases.digest import get_digest

    return get_digest(db, scope.key)


def digest_command(db: sqlite_utils.Database, scope: Scope, text: str, *, now: datetime | None = None) -> str:
    """The `digest ...` command in one call: 'daily 08:00 Europe/London', 'weekly mon 08:00 UTC',
    'off', or nothing (show the current one). Returns the answer to show."""
    from bot.usecases.digest import parse_schedule
    from bot.usecases.digest import set_digest as _set

    words = (text or "").split()
    if not words:
        info = digest_status(db, scope)
        return info.describe() if info else "No digest here. Try: digest daily 08:00 Europe/London"
    if words[0].lower() == "off":
        return "Digest stopped." if digest_off(db, scope) else "There was no digest here."
    info = _set(db, scope, parse_schedule(text), now or _now())
    return info.describe()


HELP = """Riskwire watches the news for ESG and legal risk on the stocks this channel follows.
watch TICKER...            follow tickers here (e.g. watch AMZN AAPL)
unwatch TICKER...          stop following them
list                       what this channel follows
summary TICKER [7d|30d|90d]  counts by topic and severity, top stories
summary [7d|30d|90d]       every ticker this channel watches (the portfolio)
history [TICKER]           recent alerts posted here
search TEXT                find past alerts posted here
digest daily 08:00 Europe/London   a daily (or weekly) digest here; digest off to stop
topics                     the risk topics Riskwire tags
help                       this text"""
