"""Answers to the slash commands, rendered from the service layer's plain results.

Everything that came from a feed (headlines, sources, links) goes through the escaping in embeds.py.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_app.embeds import SEVERITY_COLOURS, clip, labels, link, safe_text
from bot.pipeline.alerts import Alert
from bot.rendering.text import SEVERITY_MARK
from bot.usecases import feeds as feed_service
from bot.usecases import service
from bot.usecases.portfolio import Portfolio
from rules.models import SEVERITIES

LIST_COLOUR = discord.Colour(0x3498DB)
DESCRIPTION_MAX = 4000


def watch_text(result: service.WatchResult) -> str:
    """What a watch did, ticker by ticker."""
    parts = []
    if result.changed:
        names = ", ".join(f"{t} ({safe_text(c, 80)})" for t, c in result.changed)
        parts.append(f"This channel now watches {names}. Alerts about them will be posted here.")
    for ticker in result.unchanged:
        changes = "; ".join(result.updates.get(ticker, [])) or "nothing changed"
        parts.append(f"{ticker} was already watched here; {safe_text(changes, 300)}.")
    return " ".join(parts)


def unwatch_text(result: service.WatchResult) -> str:
    """What an unwatch did, ticker by ticker."""
    parts = []
    if result.changed:
        parts.append(f"This channel no longer watches {', '.join(t for t, _ in result.changed)}.")
    if result.unchanged:
        parts.append(f"Not watched here: {', '.join(result.unchanged)}.")
    return " ".join(parts)


def watches_embed(rows: list[dict[str, Any]]) -> discord.Embed:
    """The channel's subscriptions, with the broken ones and why."""
    embed = discord.Embed(title="Watched in this channel", colour=LIST_COLOUR)
    if not rows:
        embed.description = "Nothing yet. Start with `/riskwire watch tickers:AMZN`."
        return embed
    lines = []
    broken = False
    for row in rows:
        extra = []
        if row.get("topics"):
            extra.append("topics: " + ", ".join(row["topics"]))
        if row.get("min_severity") and row["min_severity"] != "low":
            extra.append(f"from {row['min_severity']}")
        line = f"**{row['ticker']}**" + (f" ({'; '.join(extra)})" if extra else "")
        if row.get("status") == "broken":
            broken = True
            line += f" · BROKEN: {safe_text(row.get('broken_reason') or 'cannot post here', 200)}"
        lines.append(line)
    text = "\n".join(lines)
    if broken:
        text += (
            "\n\nBroken: Riskwire could not post here. Give the bot View Channel, Send Messages and "
            "Embed Links in this channel, then run `/riskwire watch` for those tickers again."
        )
    embed.description = clip(text, DESCRIPTION_MAX)
    return embed


def alert_line(alert: Alert) -> str:
    """One alert as a line: severity mark, ticker, linked headline, date."""
    when = (alert.published or alert.created or "")[:10]
    mark = SEVERITY_MARK.get(alert.severity, "")
    return f"{mark} **{alert.ticker}** {link(alert.title, alert.link, 150)}" + (f" · {when}" if when else "")


def alerts_embed(alerts: list[Alert], title: str, empty: str) -> discord.Embed:
    """A list of alerts, newest first, as linked lines."""
    embed = discord.Embed(title=clip(title, 256), colour=LIST_COLOUR)
    if not alerts:
        embed.description = empty
        return embed
    lines: list[str] = []
    size = 0
    for alert in alerts:
        line = alert_line(alert)
        if size + len(line) + 1 > DESCRIPTION_MAX:
            lines.append(f"… and {len(alerts) - len(lines)} more")
            break
        lines.append(line)
        size += len(line) + 1
    embed.description = "\n".join(lines)
    return embed


def portfolio_embed(p: Portfolio) -> discord.Embed:
    """The portfolio: totals in the description, then the most alerts, the most severe, stories against
    follow-ups, open items and one line per ticker."""
    from bot.rendering.summary import render_portfolio_text

    worst = next((s for s in reversed(SEVERITIES) if any(x.by_severity.get(s) for x in p.lines)), "low")
    embed = discord.Embed(
        title=safe_text(f"Portfolio: last {p.days} days", 256),
        colour=SEVERITY_COLOURS.get(worst, LIST_COLOUR) if p.total else LIST_COLOUR,
    )
    text = render_portfolio_text(p).replace("`", "'")  # a code block keeps the columns and formats nothing
    embed.description = "```\n" + clip(text, DESCRIPTION_MAX - 8) + "\n```"
    return embed


def summary_embed(s: service.Summary) -> discord.Embed:
    """Counts by topic and severity, the change against the previous window, and the top stories."""
    worst = next(iter(s.by_severity), "low")
    embed = discord.Embed(
        title=safe_text(f"{s.ticker} · {s.company}: last {s.days} days", 256),
        colour=SEVERITY_COLOURS.get(worst, LIST_COLOUR) if s.total else LIST_COLOUR,
    )
    delta = s.total - s.previous_total
    embed.description = (
        f"{s.total} alert{'s' if s.total != 1 else ''} "
        f"({'+' if delta >= 0 else ''}{delta} against the previous {s.days} days: {s.previous_total})."
    )
    if s.total == 0:
        return embed
    names = labels()
    embed.add_field(
        name="By topic",
        value=clip("\n".join(f"{names.get(t, t)}: {n}" for t, n in s.by_topic.items()) or "none", 1024),
        inline=True,
    )
    embed.add_field(
        name="By severity",
        value=clip("\n".join(f"{k}: {n}" for k, n in s.by_severity.items()), 1024),
        inline=True,
    )
    top, size = [], 0
    for alert in s.top:
        line = alert_line(alert)
        if size + len(line) + 1 > 1024:
            break
        top.append(line)
        size += len(line) + 1
    if top:
        embed.add_field(name="Top stories", value="\n".join(top), inline=False)
    return embed


def topics_embed(topics: list[tuple[str, str, str]]) -> discord.Embed:
    """Every topic Riskwire tags: label, id, description."""
    embed = discord.Embed(title="Risk topics", colour=LIST_COLOUR)
    lines = [
        f"**{label}** (`{tid}`)" + (f": {clip(desc, 160)}" if desc else "") for tid, label, desc in topics
    ]
    embed.description = clip("\n".join(lines), DESCRIPTION_MAX)
    return embed


def feeds_embed(own: list[dict[str, Any]], others: int) -> discord.Embed:
    """The feeds this server added, each with its health, and how many other feeds are polled."""
    embed = discord.Embed(title="News feeds", colour=LIST_COLOUR)
    lines = [f"Riskwire also polls {others} feed{'s' if others != 1 else ''} its operator set up."]
    if own:
        lines.append("**Added from this server:**")
    for row in own:
        if row.get("paused"):
            health = f"paused: {safe_text(row.get('paused_reason') or '', 200)}"
        elif not row.get("last_fetch"):
            health = "not fetched yet"
        elif row.get("consecutive_failures"):
            failing = f"failing ({row['consecutive_failures']} in a row)"
            health = f"{failing}: {safe_text(row.get('last_error') or '', 200)}"
        else:
            health = "ok"
        lines.append(f"• {safe_text(row['url'], 300)}: {health}")
    embed.description = clip("\n".join(lines), DESCRIPTION_MAX)
    return embed


def feeds_change_text(action: str, change: feed_service.FeedChange) -> str:
    """What an add or remove did, URL by URL (paused or recovered feeds are announced in this channel)."""
    if action == "add":
        lines = [f"Added feed {safe_text(u, 300)}" for u in change.changed]
        lines += [f"{safe_text(u, 300)} is already on this server's feed list" for u in change.unchanged]
        if change.changed:
            lines.append("If a feed added here stops working, Riskwire says so in this channel.")
    else:
        lines = [f"Removed feed {safe_text(u, 300)}" for u in change.changed]
        lines += [f"{safe_text(u, 300)} is not a feed this server added" for u in change.unchanged]
    return clip("\n".join(lines), 2000)


NO_CHART = "The chart could not be drawn this time (logged); the counts above are complete."
NO_DIGEST = (
    "No digest in this channel. Set one with `/riskwire digest cadence:daily time:08:00 tz:Europe/London`."
)

HELP = """Riskwire watches the news for ESG and legal risk on the stocks this channel follows.
`/riskwire watch tickers:AMZN AAPL` follow tickers here (Manage Channels)
`/riskwire unwatch tickers:AMZN` stop following them (Manage Channels)
`/riskwire list` what this channel follows, and whether Riskwire can post here
`/riskwire summary ticker:AMZN window:30d` counts by topic and severity, top stories, a chart
`/riskwire summary window:30d` every ticker this channel watches (the portfolio), with a heat map
`/riskwire history [ticker] [topic] [severity] [status] [window]` recent alerts posted here
`/riskwire search text:… [ticker]` find past alerts posted here ("a phrase", word*, OR)
`/riskwire digest cadence:daily time:08:00 tz:Europe/London` a daily or weekly round-up here \
(Manage Channels; no options: show it; cadence:off: stop it)
`/riskwire feeds [action] [urls]` news feeds this server added (adding and removing: Manage Server)
`/riskwire topics` the risk topics Riskwire tags
Buttons on each alert: Mark reviewed, False positive, Mute 24h (kept in the history with who and when).
Other outlets' copies of a story are posted as replies to its alert."""
