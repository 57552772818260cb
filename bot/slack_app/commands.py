"""`/riskwire ...`: parse the command text, call the service layer, render the answer.

Every problem with the input (typo, unknown ticker, bad window, missing argument) becomes a Reply
with a helpful message; nothing is half-applied because the service functions are all-or-nothing.
"""

from __future__ import annotations

import difflib
import logging
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.core.settings import Settings
from bot.pipeline.directory import directory_for
from bot.rendering.text import topic_labels
from bot.slack_app import blocks as render
from bot.slack_app.escape import escape_text, mention, plain_text, truncate, unescape_command
from bot.usecases import feeds as feed_service
from bot.usecases import interactions, service
from bot.usecases.fts_query import QueryError, to_fts_query
from rules.directory import CompanyDirectory
from rules.models import SEVERITIES

log = logging.getLogger(__name__)

COMMAND = "/riskwire"
HISTORY_LIMIT = 10


@dataclass
class Reply:
    """What to answer: fallback text, optional blocks, and whether the whole channel sees it."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False
    chart: service.Chart | None = None  # posted to the channel (files_upload_v2) before answering
    chart_comment: str = ""  # our own mrkdwn, shown with the chart


@dataclass
class CommandContext:
    """Who asks, where, and the platform checks a command may need."""

    db: sqlite_utils.Database
    scope: service.Scope
    settings: Settings
    is_admin: Callable[[], Awaitable[bool]]
    bot_in_channel: Callable[[], Awaitable[bool | None]] | None = None
    directory: CompanyDirectory | None = None  # None: the built-in directory and the stored companies
    labels: dict[str, str] = field(default_factory=topic_labels)

    def companies(self) -> CompanyDirectory:
        """The directory commands resolve tickers with: the one given, else the built-in one with the
        companies `riskwire directory update` stored."""
        return self.directory or directory_for(self.db)


class UsageError(service.ServiceError):
    """The command is malformed; the message says how to write it."""


HELP = f"""*Riskwire* watches the news for ESG and legal risk on the stocks this channel follows.
`{COMMAND} watch TICKER... [topics:t1,t2] [min:SEVERITY] [names:"Name A, Name B"]` follow tickers here
      e.g. `{COMMAND} watch AMZN AAPL topics:sanctions,surveillance min:high`
`{COMMAND} unwatch TICKER...` stop following them
`{COMMAND} list` what this channel follows (and whether delivery works)
`{COMMAND} summary TICKER [7d|30d|90d]` counts by topic and severity, top stories, and a chart
`{COMMAND} summary [7d|30d|90d]` every ticker this channel watches: most and most severe alerts, a heat map
`{COMMAND} history [TICKER] [topic:ID] [severity:high+] [open|reviewed] [30d] [since:DATE] [page:N]` \
past alerts here
      e.g. `{COMMAND} history AMZN topic:sanctions severity:high+ open`
`{COMMAND} search TEXT [ticker:TICKER]` find past alerts for this channel ("a phrase", word*, a OR b)
`{COMMAND} digest daily 08:00 Europe/London` a round-up of this channel's alerts every day
      or `{COMMAND} digest weekly mon 08:00 Europe/London [portfolio]`; `{COMMAND} digest` shows it, \
`{COMMAND} digest off` stops it
`{COMMAND} topics` the risk topics Riskwire tags
`{COMMAND} feeds [add|remove URL...]` news feeds (adding and removing needs a workspace admin)
`{COMMAND} help` this text
Alerts carry buttons: *Mark reviewed*, *False positive*, *Mute TICKER 24h*."""

USAGE = {
    "watch": f"`{COMMAND} watch TICKER... [topics:t1,t2] [min:low|medium|high|critical]`",
    "unwatch": f"`{COMMAND} unwatch TICKER...`",
    "summary": f"`{COMMAND} summary [TICKER] [7d|30d|90d]`",
    "history": (
        f"`{COMMAND} history [TICKER] [topic:ID] [severity:LEVEL[+]] [open|reviewed] [7d|30d|90d|days:N] "
        "[since:YYYY-MM-DD] [until:YYYY-MM-DD] [page:N]`"
    ),
    "search": f"`{COMMAND} search TEXT [ticker:TICKER]`",
    "digest": (
        f"`{COMMAND} digest daily HH:MM [TIME_ZONE]`, `{COMMAND} digest weekly DAY HH:MM [TIME_ZONE]`, "
        f"`{COMMAND} digest off` or `{COMMAND} digest`"
    ),
    "feeds": f"`{COMMAND} feeds`, `{COMMAND} feeds add URL...` or `{COMMAND} feeds remove URL...`",
}

_WATCH_OPTIONS = {
    "topics": "topics",
    "topic": "topics",
    "min": "min",
    "min-severity": "min",
    "min_severity": "min",
    "severity": "min",
    "names": "names",
    "name": "names",
}
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_SLACK_LINK = re.compile(r"^<([^<>|]+)(?:\|[^<>]*)?>$")


def split_words(text: str) -> list[str]:
    """Words of the command text; double quotes group words (Slack's curly ones count too). An
    apostrophe is a letter (McDonald's), not a quote."""
    lexer = shlex.shlex(unescape_command(text).translate(_SMART_QUOTES), posix=True)
    lexer.whitespace_split, lexer.quotes, lexer.commenters = True, '"', ""
    try:
        return list(lexer)
    except ValueError:
        raise UsageError(
            'A quote is not closed. Put names in straight quotes: names:"Name A, Name B"'
        ) from None


def _error(message: str) -> Reply:
    return Reply(f":warning: {escape_text(message)}")


async def run_command(text: str, ctx: CommandContext) -> Reply:
    """Answer one `/riskwire` command; never raises for bad input."""
    try:
        raw = unescape_command(text).strip()
        first = raw.split(maxsplit=1)[0] if raw else ""
        if first.lower() in RAW_TEXT:
            # keep the user's own spacing and quotes (search syntax): everything after the first word
            return await HANDLERS[first.lower()](ctx, [raw[len(first) :].strip()])
        words = split_words(text)
        if not words:
            return Reply(HELP)
        name, args = words[0].lower(), words[1:]
        handler = HANDLERS.get(name)
        if handler is None:
            return _unknown_command(words[0])
        return await handler(ctx, args)
    except service.ServiceError as exc:
        return _error(str(exc))


def _unknown_command(word: str) -> Reply:
    close = difflib.get_close_matches(word.lower(), list(HANDLERS), n=2, cutoff=0.6)
    hint = f" Did you mean `{COMMAND} {close[0]}`?" if close else ""
    return Reply(
        f":warning: Unknown command `{escape_text(word[:30])}`.{hint} Try `{COMMAND} help` for the list."
    )


# --- watch / unwatch / list --------------------------------------------------------------------------


@dataclass
class WatchRequest:
    tickers: list[str]
    topics: list[str] | None = None
    min_severity: str | None = None
    names: list[str] | None = None


def parse_watch(args: list[str]) -> WatchRequest:
    """Tickers and `key:value` options from the words after `watch`."""
    tickers: list[str] = []
    options: dict[str, str] = {}
    for word in args:
        key, sep, value = word.partition(":")
        if sep and not word.startswith("$") and key.lower() in _WATCH_OPTIONS:
            option = _WATCH_OPTIONS[key.lower()]
            if option in options:
                raise UsageError(f"{key}: is given twice.")
            if not value.strip():
                raise UsageError(f"{key}: needs a value, e.g. topics:sanctions or min:high.")
            options[option] = value
        elif sep and re.fullmatch(r"[a-z][\w-]*", key):
            close = difflib.get_close_matches(key.lower(), ["topics", "min", "names"], n=1)
            hint = f" Did you mean {close[0]}:?" if close else ""
            raise UsageError(f"Unknown option {key}:.{hint} Options are topics:, min: and names:.")
        else:
            tickers.append(word)
    if not tickers:
        raise UsageError(f"Say which tickers: {USAGE['watch']}")
    request = WatchRequest(service.parse_ticker_list(" ".join(tickers)))
    if "topics" in options:
        request.topics = [t.strip().lower() for t in options["topics"].split(",") if t.strip()]
    if "min" in options:
        level = options["min"].strip().lower()
        if level not in SEVERITIES:
            raise UsageError(f"min: must be one of {', '.join(SEVERITIES)}; got {options['min'][:20]!r}.")
        request.min_severity = level
    if "names" in options:
        request.names = [n.strip() for n in options["names"].split(",") if n.strip()]
    return request


async def cmd_watch(ctx: CommandContext, args: list[str]) -> Reply:
    req = parse_watch(args)
    result = service.watch(
        ctx.db,
        ctx.scope,
        req.tickers,
        names=req.names,
        topics=req.topics,
        min_severity=req.min_severity,
        directory=ctx.companies(),
    )
    lines = []
    filters = _filters(req.topics, req.min_severity)
    if result.changed:
        shown = ", ".join(f"*{escape_text(t)}* ({escape_text(c)})" for t, c in result.changed)
        lines.append(f"{mention(ctx.scope.user)} set this channel to watch {shown}{filters}.")
    for ticker in result.unchanged:
        changes = "; ".join(result.updates.get(ticker, [])) or "nothing changed"
        lines.append(f"Already watching *{escape_text(ticker)}* here; {escape_text(changes)}.")
    if ctx.bot_in_channel is not None and await ctx.bot_in_channel() is False:
        lines.append(
            ":point_right: I am not in this channel yet, so I cannot post alerts here: "
            "invite me with `/invite @Riskwire`."
        )
    return Reply("\n".join(lines), in_channel=bool(result.changed))


def _filters(topics: list[str] | None, min_severity: str | None) -> str:
    parts = []
    if topics:
        parts.append("topics: " + ", ".join(escape_text(t) for t in topics))
    if min_severity:
        parts.append(f"minimum severity: {min_severity}")
    return f" ({'; '.join(parts)})" if parts else ""


async def cmd_unwatch(ctx: CommandContext, args: list[str]) -> Reply:
    if not args:
        raise UsageError(f"Say which tickers: {USAGE['unwatch']}")
    result = service.unwatch(ctx.db, ctx.scope, service.parse_ticker_list(" ".join(args)))
    lines = []
    if result.changed:
        shown = ", ".join(f"*{escape_text(t)}*" for t, _ in result.changed)
        lines.append(f"{mention(ctx.scope.user)} stopped this channel watching {shown}.")
    if result.unchanged:
        shown = ", ".join(f"*{escape_text(t)}*" for t in result.unchanged)
        lines.append(f"{shown} {'was' if len(result.unchanged) == 1 else 'were'} not watched here.")
    return Reply("\n".join(lines), in_channel=bool(result.changed))


BROKEN_HINT = "fix it (invite me, or check the app's token), then run `/riskwire watch TICKER` again"


async def cmd_list(ctx: CommandContext, args: list[str]) -> Reply:
    rows = service.list_watches(ctx.db, ctx.scope)
    if not rows:
        return Reply(f"This channel watches nothing yet. Start with `{COMMAND} watch AMZN`.")
    lines = [f"*This channel watches {len(rows)} ticker{'s' if len(rows) != 1 else ''}:*"]
    broken = False
    for r in rows:
        opts = _filters(
            r.get("topics") or None, r.get("min_severity") if r.get("min_severity") != "low" else None
        )
        line = f"• *{escape_text(r['ticker'])}*{opts}"
        if r.get("status") == "broken":
            broken = True
            line += f" :warning: *BROKEN*: {escape_text(r.get('broken_reason') or 'cannot post here')}"
        lines.append(line)
    if broken:
        lines.append(f"Alerts cannot be posted here for broken entries: {BROKEN_HINT}.")
    return Reply("\n".join(lines))


# --- summary / history / search / topics -------------------------------------------------------------


def _known_ticker(ctx: CommandContext, word: str) -> str:
    """The ticker if the directory knows it or this channel watches it; else a ServiceError with hints."""
    ticker = service.parse_ticker_list(word)[0]
    if ctx.companies().get(ticker) is not None:
        return ticker
    if any(r["ticker"] == ticker for r in service.list_watches(ctx.db, ctx.scope)):
        return ticker
    suggestions = ctx.companies().suggest(ticker)
    hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise service.ServiceError(f"Unknown ticker {ticker}.{hint}")


async def cmd_summary(ctx: CommandContext, args: list[str]) -> Reply:
    if len(args) > 2:
        raise UsageError(f"Usage: {USAGE['summary']}")
    if not args or args[0].strip().lower() in service.WINDOWS:
        return _portfolio_reply(ctx, service.parse_window(args[0] if args else None))
    ticker = _known_ticker(ctx, args[0])
    days = service.parse_window(args[1] if len(args) > 1 else None)
    result = service.summary(ctx.db, ctx.scope, ticker, days, directory=ctx.companies())
    reply = Reply(render.summary_fallback(result), render.summary_blocks(result, ctx.labels))
    if result.total:  # like the CLI: a chart only when there is something to draw
        try:
            reply.chart = service.summary_chart(ctx.db, ctx.scope, ticker, days)
        except Exception:  # the numbers still answer the question
            log.exception("drawing the %s chart failed", ticker)
            reply.blocks = (reply.blocks or []) + render.text_blocks("_The chart could not be drawn._")
        else:
            reply.chart_comment = (
                f"{mention(ctx.scope.user)} asked for *{escape_text(ticker)}*: alerts by severity, "
                f"last {days} days ({result.total} alert{'s' if result.total != 1 else ''} in this channel)."
            )
    return reply


def _portfolio_reply(ctx: CommandContext, days: int) -> Reply:
    """Every ticker this channel watches over the window, with the tickers-by-topic heat map."""
    from bot.rendering.summary import render_portfolio_text
    from bot.usecases import portfolio

    view = portfolio.portfolio(ctx.db, ctx.scope, days, ctx.companies())
    text = render_portfolio_text(view)
    shown = truncate(plain_text(text), 2900)
    reply = Reply(shown, render.text_blocks(f"```{shown}```"))
    if view.total:
        try:
            reply.chart = portfolio.portfolio_chart(ctx.db, ctx.scope, view)
        except Exception:  # the numbers still answer the question
            log.exception("drawing the portfolio chart of %s failed", ctx.scope.key)
            reply.blocks = (reply.blocks or []) + render.text_blocks("_The chart could not be drawn._")
        else:
            reply.chart_comment = (
                f"{mention(ctx.scope.user)} asked for this channel's portfolio: alerts by ticker and topic, "
                f"last {days} days ({view.total} alert{'s' if view.total != 1 else ''})."
            )
    return reply


def _notes(ctx: CommandContext, alerts: list[Any]) -> dict[str, list[str]]:
    """Per alert: why it was not posted here (muted, filtered, failed) and the last action taken."""
    out: dict[str, list[str]] = {}
    for a in alerts:
        notes = out.setdefault(a.id, [])
        state, reason = interactions.delivery_state(ctx.db, ctx.scope, a.id)
        if state in ("pending", "retrying"):
            notes.append("_waiting to be posted_")
        elif state in ("skipped", "failed"):
            notes.append(f"_not posted: {escape_text(reason or state)}_")
        done = interactions.actions_on(ctx.db, ctx.scope, a.id)
        if done:
            notes.append(render.action_line(done[-1], a.ticker))
    return out


_HISTORY_OPTIONS = {
    "ticker": "ticker",  # for a ticker spelt like a filter word (OPEN is Opendoor's)
    "topic": "topic",
    "topics": "topic",
    "severity": "severity",
    "sev": "severity",
    "min": "severity",
    "since": "since",
    "from": "since",
    "until": "until",
    "to": "until",
    "days": "days",
    "page": "page",
}
_STATES = {"open": False, "unreviewed": False, "reviewed": True, "closed": True}
_WINDOW = re.compile(r"^(\d{1,5})d$", re.IGNORECASE)


@dataclass
class HistoryRequest:
    """What `history` was asked for: the service.history filters, and how to describe them."""

    ticker: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self, labels: dict[str, str]) -> str:
        o = self.options
        parts = [f"for *{escape_text(self.ticker)}*"] if self.ticker else []
        if "topic" in o:
            parts.append(f"about {escape_text(labels.get(o['topic'], o['topic']))}")
        if "severity" in o:
            parts.append(f"severity {escape_text(o['severity'])}")
        if "reviewed" in o:
            parts.append("reviewed" if o["reviewed"] else "still open")
        if "days" in o:
            parts.append(f"in the last {o['days']} days")
        if "since" in o:
            parts.append(f"since {escape_text(o['since'])}")
        if "until" in o:
            parts.append(f"until {escape_text(o['until'])}")
        return (" " + ", ".join(parts)) if parts else ""


def _int_option(key: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{key}: must be a whole number of 1 or more; got {value[:20]!r}.")
    return int(value)


def parse_history(ctx: CommandContext, args: list[str]) -> HistoryRequest:
    """The ticker, `key:value` filters and bare words (open, reviewed, 30d) after `history`."""
    req = HistoryRequest()
    for word in args:
        key, sep, value = word.partition(":")
        low = key.lower()
        if sep and low in _HISTORY_OPTIONS:
            option = _HISTORY_OPTIONS[low]
            if option in req.options:
                raise UsageError(f"{key}: is given twice.")
            if not value.strip():
                raise UsageError(f"{key}: needs a value, e.g. topic:sanctions or severity:high+.")
            if option == "ticker":
                if req.ticker is not None:
                    raise UsageError(f"One ticker at a time. Usage: {USAGE['history']}")
                req.ticker = _known_ticker(ctx, value)
            elif option == "severity":
                service.parse_severity(value)  # checked here, so the message names the option
                req.options[option] = value.strip().lower()
            elif option == "topic":
                req.options[option] = value.strip().lower()
            elif option in ("days", "page"):
                req.options[option] = _int_option(key, value.strip().lower().removesuffix("d"))
            else:
                req.options[option] = value.strip()
        elif sep:
            close = difflib.get_close_matches(low, list(_HISTORY_OPTIONS), n=1)
            hint = f" Did you mean {close[0]}:?" if close else ""
            raise UsageError(f"Unknown option {key[:20]}:.{hint} Usage: {USAGE['history']}")
        elif low in _STATES:
            if "reviewed" in req.options:
                raise UsageError("Say open or reviewed, not both.")
            req.options["reviewed"] = _STATES[low]
        elif _WINDOW.match(word):
            if "days" in req.options:
                raise UsageError("Give the time window once (e.g. 30d or days:30).")
            req.options["days"] = _int_option("days", _WINDOW.match(word).group(1))  # type: ignore[union-attr]
        elif req.ticker is None:
            req.ticker = _known_ticker(ctx, word)
        else:
            raise UsageError(f"One ticker at a time. Usage: {USAGE['history']}")
    return req


async def cmd_history(ctx: CommandContext, args: list[str]) -> Reply:
    req = parse_history(ctx, args)
    alerts = service.history(ctx.db, ctx.scope, ticker=req.ticker, limit=HISTORY_LIMIT, **req.options)
    what = req.describe(ctx.labels)
    page = int(req.options.get("page") or 1)
    if not alerts:
        if page > 1:
            return Reply(f"No more alerts for this channel{what} (page {page}).")
        return Reply(f"No alerts for this channel yet{what}.")
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    heading = f"*{'Latest ' if page == 1 else ''}{count} for this channel{what}"
    heading += f" (page {page}):*" if page > 1 else ":*"
    blocks = render.alert_list_blocks(heading, alerts, ctx.labels, _notes(ctx, alerts))
    if len(alerts) == HISTORY_LIMIT:
        blocks += render.text_blocks(f"_Older ones: add_ `page:{page + 1}`")
    return Reply(render.alert_list_fallback(heading, alerts), blocks)


_SEARCH_TICKER = re.compile(r"(?:^|\s)ticker:(\S*)(?=\s|$)", re.IGNORECASE)


async def cmd_search(ctx: CommandContext, args: list[str]) -> Reply:
    text = args[0] if args else ""
    tickers = [m.group(1) for m in _SEARCH_TICKER.finditer(text)]
    text = _SEARCH_TICKER.sub(" ", text).strip()
    if len(tickers) > 1 or any(not t for t in tickers):
        raise UsageError(f"Give one ticker, e.g. ticker:AMZN. Usage: {USAGE['search']}")
    ticker = _known_ticker(ctx, tickers[0]) if tickers else None
    if not text.strip():
        raise UsageError(f"Usage: {USAGE['search']}")
    if len(" ".join(text.split())) <= 200:
        try:
            to_fts_query(" ".join(text.split()))
        except QueryError as exc:  # only punctuation: say so rather than "no match"
            raise UsageError(f"{exc} Usage: {USAGE['search']}") from None
    alerts = service.search(ctx.db, ctx.scope, text, limit=HISTORY_LIMIT, ticker=ticker)
    shown = escape_text(" ".join(text.split())[:80])
    where = f" for *{escape_text(ticker)}*" if ticker else ""
    if not alerts:
        return Reply(f"No alerts for this channel{where} match “{shown}”.")
    heading = (
        f"*{len(alerts)} alert{'s' if len(alerts) != 1 else ''} for this channel{where} match “{shown}”:*"
    )
    blocks = render.alert_list_blocks(heading, alerts, ctx.labels, _notes(ctx, alerts))
    return Reply(render.alert_list_fallback(heading, alerts), blocks)


# --- digest -------------------------------------------------------------------------------------------


async def cmd_digest(ctx: CommandContext, args: list[str]) -> Reply:
    """`digest` (status), `digest off`, `digest daily 08:00 Europe/London`, `digest weekly mon 08:00 UTC`."""
    text = " ".join(args).strip()
    words = text.split()
    if not words:
        info = service.digest_status(ctx.db, ctx.scope)
        if info is None:
            start = f"`{COMMAND} digest daily 08:00 Europe/London`"
            return Reply(f"No digest in this channel. Start one with {start}.")
        return Reply(f"{escape_text(info.describe())} Stop it with `{COMMAND} digest off`.")
    if words[0].lower() == "off":
        if len(words) > 1:
            raise UsageError(f"Usage: {USAGE['digest']}")
        if service.digest_off(ctx.db, ctx.scope):
            return Reply(f"{mention(ctx.scope.user)} stopped this channel's digest.", in_channel=True)
        return Reply("There was no digest in this channel.")
    if words[0].lower() not in ("daily", "weekly"):
        raise UsageError(f"A digest is daily or weekly. Usage: {USAGE['digest']}")
    answer = service.digest_command(ctx.db, ctx.scope, text)
    return Reply(
        f"{mention(ctx.scope.user)} set up a digest for this channel: alerts posted here, grouped by "
        f"ticker and topic. {escape_text(answer)}",
        in_channel=True,
    )


async def cmd_topics(ctx: CommandContext, args: list[str]) -> Reply:
    lines = ["*Risk topics* (use the ids with `watch ... topics:`):"]
    lines += [
        f"• `{tid}` *{escape_text(label)}*: {escape_text(desc)}" for tid, label, desc in service.topics()
    ]
    return Reply("\n".join(lines))


async def cmd_help(ctx: CommandContext, args: list[str]) -> Reply:
    return Reply(HELP)


# --- feeds -------------------------------------------------------------------------------------------


def _feed_url(word: str) -> str:
    """A URL as Slack sends it (`<https://x|x>` or bare) -> the URL."""
    m = _SLACK_LINK.match(word.strip())
    return m.group(1) if m else word.strip()


async def cmd_feeds(ctx: CommandContext, args: list[str]) -> Reply:
    action = args[0].lower() if args else "list"
    urls = [_feed_url(w) for w in args[1:]]
    if action == "list":
        own, others = feed_service.list_feeds(ctx.db, ctx.scope)
        lines = [f"Riskwire also polls {others} feed{'s' if others != 1 else ''} its operator set up."]
        if own:
            lines.append("*Feeds added from this workspace:*")
            lines += [_feed_line(r) for r in own]
        return Reply("\n".join(lines))
    if action not in ("add", "remove"):
        raise UsageError(f"Usage: {USAGE['feeds']}")
    if not await ctx.is_admin():
        return _error("Only a workspace admin (or a user the operator listed) can add or remove feeds.")
    if action == "add":
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        result = feed_service.add_feeds(
            ctx.db, ctx.scope, urls, stamp, allow_private=ctx.settings.allow_private_feeds
        )
        lines = [f"Added feed {_shown_url(u)}" for u in result.changed]
        lines += [f"{_shown_url(u)} is already on this workspace's feed list" for u in result.unchanged]
        return Reply("\n".join(lines))
    if not urls:
        raise UsageError(f"Usage: {USAGE['feeds']}")
    result = feed_service.remove_feeds(ctx.db, ctx.scope, urls)
    lines = [f"Removed feed {_shown_url(u)}" for u in result.changed]
    lines += [f"{_shown_url(u)} is not a feed this workspace added" for u in result.unchanged]
    return Reply("\n".join(lines))


def _shown_url(url: str) -> str:
    """A URL as typed, escaped and cut to a readable length (a refusal need not repeat 10,000 characters)."""
    return escape_text(url if len(url) <= 200 else url[:199] + "…")


def _feed_line(row: dict[str, Any]) -> str:
    failures = int(row.get("consecutive_failures") or 0)
    if row.get("paused"):
        health = f":double_vertical_bar: paused: {plain_text((row.get('paused_reason') or '')[:200])}"
    elif not row.get("last_fetch"):
        health = "not fetched yet"
    elif failures:
        health = f":warning: failing ({failures} in a row): {plain_text((row.get('last_error') or '')[:200])}"
    else:
        health = "ok"
    return f"• {escape_text(row['url'])}: {health}"


Handler = Callable[[CommandContext, list[str]], Awaitable[Reply]]
RAW_TEXT = frozenset({"search"})  # commands given the raw text after their name (quotes kept as typed)

HANDLERS: dict[str, Handler] = {
    "watch": cmd_watch,
    "unwatch": cmd_unwatch,
    "list": cmd_list,
    "summary": cmd_summary,
    "history": cmd_history,
    "search": cmd_search,
    "digest": cmd_digest,
    "topics": cmd_topics,
    "feeds": cmd_feeds,
    "help": cmd_help,
}
