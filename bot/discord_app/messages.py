"""Messages other than alerts: story updates, notices and digests, rendered for Discord.

Feed text (sources, headlines, links) goes through the escaping in embeds.py like every alert, and
everything fits Discord's limits: content 2000 characters; at most 10 embeds per message, 6000
characters across them, a description 4096.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.discord_app.embeds import SEVERITY_COLOURS, clip, labels, link, safe_text
from bot.pipeline.alerts import Alert
from bot.pipeline.stories import Report
from bot.rendering.parties import parties_note
from bot.rendering.text import SEVERITY_MARK
from bot.usecases.digest import Digest, TickerGroup, also_under
from rules.models import SEVERITIES

CONTENT_MAX = 2000
MAX_EMBEDS = 10
EMBEDS_TOTAL_MAX = 6000
DIGEST_DESCRIPTION_MAX = 1800  # one ticker's part of a digest: room left for the others
HEADLINE_MAX = 150
PORTFOLIO_MAX = 1500  # the portfolio's part of a digest


def update_text(alert: Alert, report: Report) -> str:
    """ "↳ AMZN · also reported by SOURCE: [headline](link)", escaped, for a reply under the alert."""
    if report.is_listing_of(alert.article_id):  # a party of the story became listed
        return clip(f"↳ {safe_text(alert.ticker, 20)} · ⚠ {safe_text(report.title, 1500)}", CONTENT_MAX)
    source = safe_text(report.source or "another source", 100)
    return clip(
        f"↳ {safe_text(alert.ticker, 20)} · also reported by **{source}**: "
        f"{link(report.title or report.link, report.link, 300)}",
        CONTENT_MAX,
    )


def notice_text(text: str) -> str:
    """A notice from Riskwire itself (a feed paused or resumed), escaped like feed text: it names a URL."""
    return clip(f"**Riskwire:** {safe_text(text, CONTENT_MAX - 20)}", CONTENT_MAX)


def _when(digest: Digest) -> str:
    zone = ZoneInfo(digest.tz)
    start, end = digest.start.astimezone(zone), digest.end.astimezone(zone)
    return f"{start:%a %d %b %H:%M} to {end:%a %d %b %H:%M} ({digest.tz})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _worst(group: TickerGroup) -> str:
    seen = {a.severity for _, alerts in group.topics for a in alerts}
    return next((s for s in reversed(SEVERITIES) if s in seen), "low")


def _group_embed(
    digest: Digest, group: TickerGroup, names: Mapping[str, str], room: int
) -> tuple[discord.Embed, int]:
    """One ticker's embed: its stories by topic, linked; (embed, stories left out for lack of room)."""
    title = clip(f"{group.ticker} · {group.company} ({_plural(group.count, 'alert')})", 256)
    title = safe_text(title, 256)
    budget = min(DIGEST_DESCRIPTION_MAX, room - len(title))
    lines: list[str] = []
    size = 0
    left_out = 0
    for topic, alerts in group.topics:
        heading = f"**{safe_text(names.get(topic, topic), 80)}** ({len(alerts)})"
        shown_here = 0
        for alert in alerts:
            line = (
                f"{SEVERITY_MARK.get(alert.severity, '')} {link(alert.title, alert.link, HEADLINE_MAX)}"
                f"{digest.published_note(alert)}{safe_text(also_under(alert, topic, names), 200)}"
                f"{parties_note(alert, lambda text: safe_text(text, 300))}"
            )
            need = len(line) + 1 + (len(heading) + 1 if shown_here == 0 else 0)
            if size + need > budget - 100:  # keep room for the "and N more" line
                left_out += 1
                continue
            if shown_here == 0:
                lines.append(heading)
            lines.append(line)
            size += need
            shown_here += 1
    if left_out:
        lines.append(f"… and {_plural(left_out, 'more story')}: `/riskwire history ticker:{group.ticker}`")
    embed = discord.Embed(
        title=title,
        description="\n".join(lines) or "…",
        colour=SEVERITY_COLOURS.get(_worst(group), SEVERITY_COLOURS["low"]),
    )
    return embed, left_out


def digest_footer(cadence: str) -> str:
    """The footer of a digest's last embed (its timestamp is the end of the digest's window)."""
    return f"Riskwire {cadence} digest"


def marks_digest(embed: discord.Embed, end: datetime) -> bool:
    """Whether `embed` is the last one of the digest whose window ends at `end`: how an interrupted
    digest is recognised among the channel's messages (bot/delivery/discord.py)."""
    text = embed.footer.text or ""
    return embed.timestamp == end and text.startswith("Riskwire ") and text.endswith(" digest")


def _portfolio_embed(digest: Digest) -> discord.Embed | None:
    """The portfolio over the digest's window, kept short enough to leave room for the tickers."""
    if digest.portfolio is None:
        return None
    from bot.rendering.summary import render_portfolio_text

    text = clip(render_portfolio_text(digest.portfolio, rows=10).replace("`", "'"), PORTFOLIO_MAX)
    return discord.Embed(title="Portfolio", description=f"```\n{text}\n```", colour=SEVERITY_COLOURS["low"])


def digest_message(digest: Digest) -> tuple[str, list[discord.Embed]]:
    """The digest as message content (the heading) and one embed per ticker, most alerts first; what
    does not fit in one message is counted in the heading and found with `/riskwire history`. The
    last embed's footer names the digest, with the end of its window as the timestamp."""
    names = labels()
    footer = digest_footer(digest.cadence)
    embeds: list[discord.Embed] = []
    portfolio = _portfolio_embed(digest)
    used = len(footer) + (len(portfolio) if portfolio else 0)
    dropped = 0
    for group in digest.groups:
        room = EMBEDS_TOTAL_MAX - used
        if len(embeds) >= MAX_EMBEDS - (1 if portfolio else 0) or room < 400:
            dropped += 1
            continue
        embed, _ = _group_embed(digest, group, names, room)
        embeds.append(embed)
        used += len(embed)
    heading = (
        f"**Riskwire {digest.cadence} digest** · {_plural(digest.total, 'alert')} on "
        f"{_plural(digest.tickers, 'ticker')}, {_when(digest)}{digest.earlier_note()}"
    )
    if dropped:
        heading += f"\n… and {_plural(dropped, 'more ticker')}: see `/riskwire history`."
    if portfolio:
        embeds.append(portfolio)
    if embeds:
        embeds[-1].set_footer(text=footer)
        embeds[-1].timestamp = digest.end
    return clip(heading, CONTENT_MAX), embeds
