"""The shared use cases behind the CLI, Slack and Discord: watch, unwatch, list, history, summary,
search, topics, help. Front-ends parse input, call these, and render the plain results.

Every function takes a Scope: the target (workspace + channel) the request comes from. Reads and
writes never leave that scope, so one workspace or server never sees or changes another's data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.alerts import Alert
from bot.targets import Target
from rules.directory import CompanyDirectory
from rules.models import SEVERITIES
from rules.rulefile import load_topics
from rules.watchlist import WatchlistError, clean_names, clean_text, parse_tickers, shown
from storage import alerts as alert_store
from storage import deliveries, mutes, reviews, subscriptions

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
            suggestions = directory.suggest(t)
            unknown.append(f"{t}" + (f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""))
        else:
            resolved.append((t, company.name))
    if unknown:
        raise ServiceError(
            f"Unknown ticker{'s' if len(unknown) > 1 else ''}: {'; '.join(unknown)}. Nothing was changed. "
            "To watch a company the directory lacks, give its names: watch TICKER --names 'Name A, Name B'."
        )
    return resolved


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
    directory = directory or CompanyDirectory.default()
    known_topics = {t.id for t in load_topics()}
    bad = [t for t in topics or [] if t not in known_topics]
    if bad:
        raise ServiceError(
            f"Unknown topic(s): {', '.join(shown(t) for t in bad[:5])}. "
            f"Topics: {', '.join(sorted(known_topics))}."
        )
    try:
        names = clean_names(names) or None if names else None
    except WatchlistError as exc:
        raise ServiceError(str(exc)) from None
    if min_severity and min_severity not in SEVERITIES:
        raise ServiceError(f"Severity must be one of {', '.join(SEVERITIES)}.")
    resolved = _resolve_all(_checked(tickers), names, directory)
    result = WatchResult()
    stamp = _now().isoformat(timespec="seconds")
    target = scope.target
    with db.atomic():
        for ticker, company in resolved:
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
    return result


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
) -> list[Alert]:
    """Past alerts newest first: those delivered to the scope's target (all of them when scope is None)."""
    if limit < 1 or limit > 1000:
        raise ServiceError("limit must be between 1 and 1000")
    if ticker:
        ticker = parse_ticker_list(ticker)[0]
    since = (_now() - timedelta(days=days)).isoformat(timespec="seconds") if days else None
    rows = alert_store.query_alerts(
        db, ticker=ticker, since=since, target=scope.key if scope else None, limit=limit, offset=offset
    )
    return [Alert.from_row(r) for r in rows]


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
    """Counts by topic and severity over `days`, the previous window's total, and the top stories."""
    if days < 1 or days > 3650:
        raise ServiceError("days must be between 1 and 3650")
    directory = directory or CompanyDirectory.default()
    ticker = parse_ticker_list(ticker)[0]
    company = directory.get(ticker)
    now = _now()
    since = (now - timedelta(days=days)).isoformat(timespec="seconds")
    before = (now - timedelta(days=2 * days)).isoformat(timespec="seconds")
    target = scope.key if scope else None
    current = [
        Alert.from_row(r)
        for r in alert_store.query_alerts(db, ticker=ticker, since=since, target=target, limit=None)
    ]
    earlier = alert_store.query_alerts(db, ticker=ticker, since=before, target=target, limit=None)
    previous_total = len([r for r in earlier if r["created"] < since])
    by_topic: Counter[str] = Counter(t for a in current for t in a.topics)
    by_severity: Counter[str] = Counter(a.severity for a in current)
    ranked = sorted(current, key=lambda a: (SEVERITIES.index(a.severity), a.created), reverse=True)
    return Summary(
        ticker,
        company.name if company else ticker,
        days,
        len(current),
        previous_total,
        dict(by_topic.most_common()),
        {s: by_severity[s] for s in reversed(SEVERITIES) if by_severity[s]},
        ranked[:5],
    )


def search(db: sqlite_utils.Database, scope: Scope | None, text: str, limit: int = 20) -> list[Alert]:
    """Alerts whose headline, summary or company contains `text` (case-insensitive), newest first."""
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
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = "(title like ? escape '\\' or summary like ? escape '\\' or company like ? escape '\\')"
    params: list[Any] = [pattern, pattern, pattern]
    if scope:
        where += " and id in (select alert_id from deliveries where target = ?)"
        params.append(scope.key)
    rows = db.execute(f"select * from alerts where {where} order by created desc limit ?", [*params, limit])
    cols = [c[0] for c in rows.description]
    return [Alert.from_row(alert_store.decode(dict(zip(cols, r, strict=True)))) for r in rows.fetchall()]


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


def review(
    db: sqlite_utils.Database, scope: Scope, alert_id: str, action: str, reason: str | None = None
) -> ReviewResult:
    """Record 'reviewed', 'false_positive' or 'reopened' on an alert in the scope, with who and when."""
    if action not in reviews.ACTIONS:
        raise ServiceError(f"Review action must be one of {', '.join(reviews.ACTIONS)}.")
    if reason and len(reason) > 1000:
        raise ServiceError("A review reason is limited to 1000 characters.")
    alert = alert_in_scope(db, scope, alert_id)
    if alert is None:
        raise ServiceError("No such alert in this channel.")
    stamp = _now().isoformat(timespec="seconds")
    reviews.add(
        db, alert_id=alert_id, target=scope.key, action=action, user=scope.user, at=stamp, reason=reason
    )
    return ReviewResult(alert, action, scope.user, stamp, reason)


def mute(db: sqlite_utils.Database, scope: Scope, ticker: str, hours: int = 24) -> str:
    """Silence `ticker` in the scope's target for `hours`; returns the time it ends (ISO, UTC)."""
    if hours < 1 or hours > 24 * 90:
        raise ServiceError("A mute lasts between 1 hour and 90 days.")
    ticker = parse_ticker_list(ticker)[0]
    until = (_now() + timedelta(hours=hours)).isoformat(timespec="seconds")
    mutes.mute(db, scope.key, ticker, until, scope.user)
    return until


def topics() -> list[tuple[str, str, str]]:
    """(id, label, description) for every topic Riskwire tags."""
    return [(t.id, t.label, t.description) for t in load_topics()]


HELP = """Riskwire watches the news for ESG and legal risk on the stocks this channel follows.
watch TICKER...            follow tickers here (e.g. watch AMZN AAPL)
unwatch TICKER...          stop following them
list                       what this channel follows
summary TICKER [7d|30d|90d]  counts by topic and severity, top stories
history [TICKER]           recent alerts posted here
search TEXT                find past alerts posted here
topics                     the risk topics Riskwire tags
help                       this text"""
