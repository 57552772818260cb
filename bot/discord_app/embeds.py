"""Alerts as Discord embeds, and the escaping that keeps feed text inert.

Feed text is untrusted: a headline may carry `@everyone`, `<@&role>`, masked links or markdown. Every
piece of it goes through `safe_text` (invisible and direction characters dropped, markdown and
mentions escaped), plain-text places (footers) through `plain`, links through `safe_url`, and every
message is also sent with `NO_MENTIONS`, so even a missed escape pings nobody. A headline that shows
another address than its link leads to is never made the link's label.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from urllib.parse import quote

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.pipeline.alerts import Alert
from bot.rendering.chat_text import names_other_address, visible
from bot.rendering.parties import parties_line
from bot.rendering.text import SEVERITY_MARK, evidence_line, topic_labels

NO_MENTIONS = discord.AllowedMentions.none()

SEVERITY_COLOURS = {
    "low": discord.Colour(0x95A5A6),
    "medium": discord.Colour(0xF1C40F),
    "high": discord.Colour(0xE67E22),
    "critical": discord.Colour(0xE74C3C),
}

# Discord limits (characters): embed title 256, description 4096, field value 1024, footer 2048.
TITLE_MAX = 256
DESCRIPTION_MAX = 1500
FIELD_MAX = 1024
URL_MAX = 2000

# `<@id>`, `<@&id>`, `<#id>`, `</cmd:id>`, `<:emoji:id>`, `<a:emoji:id>`, `<t:123:R>`: Discord renders
# these even in embeds; a zero-width space after `<` shows them as the plain text they were.
_ANGLE_TOKEN = re.compile(r"<(?=[@#/:]|a:|t:)")
_URL = re.compile(r"^https?://[^\s<>]+$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d+)\.(?=\s)")  # "1. item" opening a line starts a list
# A bracket not already escaped (after an even run of backslashes): discord.py's escape_markdown
# escapes one masked link per text, so "[a](x) [b](y)" would keep the second one live.
_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")
# characters a URL keeps as they are; anything else (non-ASCII, direction marks) is percent-encoded
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


@cache
def labels() -> dict[str, str]:
    """Topic id -> label, read once."""
    return topic_labels()


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_text(text: str | None, limit: int = FIELD_MAX) -> str:
    """Untrusted text fit to show: markdown and mentions escaped, whitespace collapsed, clipped."""
    text = " ".join(visible(text).split())
    text = _NUMBERED.sub(r"\1\\.", escape_mentions(escape_markdown(text)))
    text = _BRACKET.sub(r"\1\\\2", text)
    text = _ANGLE_TOKEN.sub("<\u200b", text)
    # Clip before Discord does, without cutting an escape in half (a dangling backslash).
    out = clip(text, limit)
    if out.endswith("\\…"):
        out = out[:-2] + "…"
    return out


def plain(text: str | None, limit: int = 200) -> str:
    """Untrusted text for places Discord shows as plain text (embed footers): invisible and direction
    characters dropped, mentions defused, whitespace collapsed, clipped; no markdown escapes, which
    would show there as backslashes."""
    text = escape_mentions(" ".join(visible(text).split()))
    return clip(_ANGLE_TOKEN.sub("<\u200b", text), limit)


def inert(message: str, limit: int = 1900) -> str:
    """One of our own messages, which may quote user input: its markdown kept (usage hints), but
    invisible and direction characters dropped and mentions defused; clipped to fit a message."""
    text = escape_mentions(visible(message))
    return clip(_ANGLE_TOKEN.sub("<\u200b", text), limit)


def safe_url(url: str | None) -> str | None:
    """`url` when it is a plain http(s) link Discord will accept, else None (never a javascript: link);
    characters outside printable ASCII are percent-encoded, so nothing in it is invisible."""
    url = (url or "").strip()
    if not _URL.match(url):
        return None
    url = quote(url, safe=_URL_SAFE)
    return url if len(url) <= URL_MAX else None


def link(text: str, url: str | None, limit: int = 200) -> str:
    """A masked link `[text](url)` with the text escaped; the escaped text alone when the URL is unsafe;
    the text followed by the bare URL when the text shows another address than the URL's."""
    shown = safe_text(text, limit)  # brackets escaped: the label cannot end our link early
    safe = safe_url(url)
    if not safe:
        return shown
    safe = safe.replace("(", "%28").replace(")", "%29")
    if names_other_address(text, safe):
        return f"{shown} <{safe}>"  # Discord shows the address itself: nothing is disguised
    return f"[{shown}]({safe})"


def _when(alert: Alert) -> datetime | None:
    for stamp in (alert.published, alert.created):
        if stamp:
            try:
                return datetime.fromisoformat(stamp)
            except ValueError:
                continue
    return None


def alert_embed(alert: Alert) -> discord.Embed:
    """The alert card: title linked to the source, colour by severity, ticker/topics/stage/evidence fields,
    footer with the source and the story's time."""
    names = labels()
    url = safe_url(alert.link)
    disguised = url is not None and names_other_address(alert.title, url)
    embed = discord.Embed(
        title=safe_text(f"{SEVERITY_MARK.get(alert.severity, '')} {alert.title}".strip(), TITLE_MAX),
        url=None if disguised else url,  # the title would show another address than it leads to
        colour=SEVERITY_COLOURS.get(alert.severity, SEVERITY_COLOURS["low"]),
        timestamp=_when(alert),
    )
    if alert.summary and alert.summary != alert.title:
        embed.description = safe_text(alert.summary, DESCRIPTION_MAX)
    embed.add_field(name="Ticker", value=safe_text(f"{alert.ticker} · {alert.company}", 200), inline=True)
    topics = ", ".join(names.get(t, t) for t in alert.topics) or "no risk topic"
    embed.add_field(name="Topics", value=safe_text(topics, FIELD_MAX), inline=True)
    stage = [alert.severity.upper()]
    stage.append(f"stage: {alert.stage}" if alert.stage else "stage: unknown")
    if alert.denied:
        stage.append("company denies")
    embed.add_field(name="Severity · stage", value=safe_text(" · ".join(stage), 200), inline=True)
    why = evidence_line(alert)
    if why:
        embed.add_field(name="Evidence", value=safe_text(why, FIELD_MAX), inline=False)
    listed = parties_line(alert, lambda url, text: link(text, url, 300), lambda text: safe_text(text, 300))
    if listed:
        embed.add_field(
            name="Listed parties",
            value=clip(listed.removeprefix("Listed parties: "), FIELD_MAX),
            inline=False,
        )
    if disguised:
        embed.add_field(name="Link", value=clip(url or "", FIELD_MAX), inline=False)
    embed.set_footer(text=plain(alert.source or "source", 200))
    return embed


REVIEW_FIELD = "Review"
ACTION_WORDS = {
    "reviewed": "Marked reviewed",
    "false_positive": "Marked a false positive",
    "reopened": "Reopened",
    "muted": "Muted for 24h",
}


def with_review(embed: discord.Embed, action: str, user_id: str | None, at: str) -> discord.Embed:
    """`embed` with its Review field set to the latest action, who and when (a mention that pings nobody)."""
    who = f"<@{int(user_id)}>" if user_id and user_id.isdigit() else "someone"
    try:
        when = f"<t:{int(datetime.fromisoformat(at).timestamp())}:f>"
    except ValueError:
        when = at
    value = f"{ACTION_WORDS.get(action, action)} by {who}, {when}"
    for i, field in enumerate(embed.fields):
        if field.name == REVIEW_FIELD:
            embed.set_field_at(i, name=REVIEW_FIELD, value=value, inline=False)
            return embed
    embed.add_field(name=REVIEW_FIELD, value=value, inline=False)
    return embed
