"""Hostile chat text and the checks that prove it stays inert, for Slack and Discord payloads.

`HOSTILE` is what a feed (or anyone upstream of the front-ends: an LLM summary, an old row, an
error text) may put into a headline, summary, source name or evidence. `slack_problems` and
`discord_problems` read a payload exactly as it was sent to the fake servers and list everything
in it that could ping someone, carry a link other than the story's own, disguise a link, or let feed
text change the message's formatting. An empty list means the payload is safe.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from bot.pipeline.alerts import Alert, build_alert
from bot.pipeline.process import fan_out
from feeds.models import Article
from rules.models import Evidence, Match
from storage import alerts as alert_store
from storage import articles as article_store
from tests.clock import ago
from tests.slackkit import SIGNING_SECRET, command_body, post_signed


@dataclass(frozen=True)
class Case:
    """A hostile string and, per platform, patterns that show it kept its effect (must never match)."""

    text: str
    slack: tuple[str, ...] = ()
    discord: tuple[str, ...] = ()


HOSTILE: dict[str, Case] = {
    "slack broadcasts": Case("<!channel> <!here> <!everyone>"),
    "slack user group": Case("<!subteam^S0123ABC|@risk-team>"),
    "slack user and channel": Case("<@U0123ABC> <#C0123ABC|general>"),
    "bare broadcast words": Case("@everyone @here @channel"),
    "discord user role channel": Case(
        "<@123456789012345678> <@!123456789012345678> <@&123456789012345678> <#123456789012345678>"
    ),
    "discord command time emoji": Case("</riskwire watch:1234567890> <t:1700000000:R> <:pepe:123456789012>"),
    "masked link markdown": Case("[click here](https://evil.example/login)"),
    "masked link slack": Case("<https://evil.example/login|click here>"),
    "headline looks like a url": Case("https://bank.example/login"),
    "code fence": Case("``` all that follows is code", slack=("```",), discord=("```",)),
    "inline code": Case("`rm -rf /`", slack=("`rm",), discord=(r"(?<!\\)`rm",)),
    "quote": Case("> quoted\n>>> all that follows", slack=(r"(?m)^\s*(&gt;|>)",), discord=(r"(?m)^\s*>",)),
    "emphasis": Case(
        "*bold* _italic_ ~strike~ **b** __u__ ~~s~~",
        slack=(r"\*bold\*", r"_italic_", r"~strike~", r"\*\*b"),
        discord=(r"(?<!\\)\*bold", r"(?<!\\)_italic", r"(?<!\\)~strike", r"(?<!\\)\*\*b", r"(?<!\\)__u"),
    ),
    "spoiler": Case("||hidden text||", discord=(r"(?<!\\)\|\|hidden",)),
    "heading and list": Case(
        "# Heading\n- item\n1. item", discord=(r"(?m)^\s*#", r"(?m)^\s*- item", r"(?m)^\s*1\. item")
    ),
    "zero width": Case("@\u200beveryone A\u200dB\u2060C\ufeffD \u200c@\u2060here"),
    "bidi": Case("\u202egnp.exe\u202c \u2066x\u2069 \u200fy \u061cz \u200ew"),
    "html entities": Case("&lt;!channel&gt; &amp;lt;@U0123ABC&amp;gt;"),
    "emoji codes": Case(
        ":rotating_light: :red_circle: CRITICAL", slack=(r":red_circle:", r":rotating_light:")
    ),
}
CASES = list(HOSTILE.items())
CASE_IDS = list(HOSTILE)

_serial = itertools.count(1)


def marker(n: int) -> str:
    """A word that proves the hostile text reached the payload (so a check can never pass vacuously)."""
    return f"Qmark{n}x"


# --- what a payload shows --------------------------------------------------------------------------


def _strings(value: Any, keys: frozenset[str]) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                yield item
            else:
                yield from _strings(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, keys)


SLACK_TEXT_KEYS = frozenset({"text", "initial_comment", "alt_text", "title"})


def slack_texts(params: dict[str, Any]) -> list[str]:
    """Every piece of text a Slack payload shows: `text`, and each text in its blocks."""
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    out = [str(params[k]) for k in ("text", "initial_comment") if params.get(k)]
    return out + list(_strings(blocks or [], SLACK_TEXT_KEYS))


DISCORD_TEXT_KEYS = frozenset({"content", "title", "description", "name", "value", "text", "label"})
DISCORD_PLAIN = frozenset({"footer", "author", "components"})  # shown as typed: markdown does nothing there


def discord_parts(payload: dict[str, Any]) -> list[tuple[str, bool]]:
    """(text, whether Discord reads markdown in it) for each text a message payload shows."""
    parts = [(t, True) for t in _strings({"content": payload.get("content")}, DISCORD_TEXT_KEYS)]
    for embed in payload.get("embeds") or []:
        for key, value in embed.items():
            parts += [(t, key not in DISCORD_PLAIN) for t in _strings({key: value}, DISCORD_TEXT_KEYS)]
    parts += [(t, False) for t in _strings(payload.get("components") or [], DISCORD_TEXT_KEYS)]
    return parts


def discord_texts(payload: dict[str, Any]) -> list[str]:
    """Every piece of text a Discord message payload shows: content, embeds, components."""
    return [text for text, _ in discord_parts(payload)]


# --- the checks -------------------------------------------------------------------------------------

_INVISIBLE = {"Cf", "Cc", "Zl", "Zp"}
_URLISH = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.\-]*://|www\.)[^\s<>|()\[\]]+")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _disguise(label: str, url: str) -> str | None:
    """A URL-like text in a link's label that leads somewhere else than the link does."""
    for found in _URLISH.finditer(label.replace("\\", "")):
        seen = found.group(0)
        host = _host(seen if "://" in seen else "http://" + seen)
        if host and host != _host(url):
            return seen
    return None


def _invisible(text: str, allowed_after: str) -> list[str]:
    problems = []
    for i, ch in enumerate(text):
        if ch in "\n\t":
            continue
        if unicodedata.category(ch) in _INVISIBLE and not (
            i > 0 and ch in "\u2060\u200b" and text[i - 1] in allowed_after
        ):
            problems.append(f"invisible or direction character U+{ord(ch):04X} at {i}")
    return problems


@dataclass
class Allowed:
    """What our own markup may carry: the story links, and mentions of the person acting."""

    links: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)


_SLACK_TOKEN = re.compile(r"<([^<>]*)>")


def slack_problems(texts: Iterable[str], allowed: Allowed, case: Case | None = None) -> list[str]:
    """Why these Slack texts are unsafe (empty when they are safe)."""
    problems: list[str] = []
    for text in texts:
        for token in _SLACK_TOKEN.findall(text):
            if token.startswith("!date^"):
                continue
            if token.startswith("@") and token[1:] in allowed.users:
                continue
            if token.startswith(("!", "@", "#")):
                problems.append(f"live Slack token <{token}>")
                continue
            url, _, label = token.partition("|")
            url = url.replace("&amp;", "&")
            if url not in allowed.links:
                problems.append(f"link to {url!r} (only the story's own links may be linked)")
            elif label and (seen := _disguise(label, url)):
                problems.append(f"link to {url!r} labelled with another address {seen!r}")
        if re.search(r"(?i)(?<![\w\u2060])@(here|channel|everyone)\b", text):
            problems.append("bare broadcast word (@here/@channel/@everyone)")
        problems += _invisible(text, "@")
        for pattern in case.slack if case else ():
            if re.search(pattern, text):
                problems.append(f"feed markup kept its effect: /{pattern}/ in {text[:120]!r}")
    return problems


# what Discord renders inside <...>: user, role and channel mentions, commands, emoji, timestamps
_DISCORD_TOKEN = re.compile(r"<(@[!&]?|#|/|:|a:|t:)(\d+|[\w\- ]+:\d+|\d+:[tTdDfFR])>")
_MASKED = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(<?(\S+?)>?\)")


def discord_problems(payload: dict[str, Any], allowed: Allowed, case: Case | None = None) -> list[str]:
    """Why this Discord message payload is unsafe (empty when it is safe)."""
    problems: list[str] = []
    mentions = payload.get("allowed_mentions")
    if (
        not isinstance(mentions, dict)
        or mentions.get("parse") != []
        or mentions.get("users")
        or mentions.get("roles")
    ):
        problems.append(f"allowed_mentions is {mentions!r}, not 'nothing'")
    if mentions and mentions.get("replied_user"):
        problems.append("the reply pings the author of the message replied to")
    for embed in payload.get("embeds") or []:
        url = embed.get("url")
        if url is not None and url not in allowed.links:
            problems.append(f"embed links to {url!r}")
        if url and (seen := _disguise(embed.get("title") or "", url)):
            problems.append(f"embed title shows another address {seen!r} than it links to")
    for text, markdown in discord_parts(payload):
        for kind, body in _DISCORD_TOKEN.findall(text):
            if kind == "@" and body in allowed.users:
                continue
            if kind == "t:" and re.fullmatch(r"\d+:f", body) and "t:" in allowed.users:
                continue
            problems.append(f"live Discord token <{kind}{body}>")
        for label, url in _MASKED.findall(text) if markdown else ():
            if url not in allowed.links:
                problems.append(f"masked link to {url!r}")
            elif seen := _disguise(label, url):
                problems.append(f"masked link to {url!r} labelled with another address {seen!r}")
        if re.search(r"(?i)@(everyone|here)\b", text):
            problems.append("live @everyone/@here")
        problems += _invisible(text, "@<")
        for pattern in case.discord if case and markdown else ():
            if re.search(pattern, text):
                problems.append(f"feed markup kept its effect: /{pattern}/ in {text[:120]!r}")
    return problems


# --- hostile alerts in the database -----------------------------------------------------------------


def hostile_alert(
    db: sqlite_utils.Database, text: str, n: int | None = None, *, ticker: str = "AMZN"
) -> tuple[Alert, int]:
    """Store an alert whose headline, summary, source and evidence carry `text`, queued (as a poll
    would) for every target subscribed to `ticker`; returns it and its serial number."""
    n = next(_serial) if n is None else n
    mark = marker(n)
    article = Article(
        id=f"hostile{n}",
        link=f"https://news.example.com/story-{n}",
        title=f"Amazon sanctions {mark} {text}",
        summary=f"{text} {mark} former employee says Amazon breached sanctions {text}",
        source=f"{text} {mark}",
    )
    stamp = ago(hours=1)  # inside every window that counts back from now, on any date
    article_store.save_articles(db, [article], stamp)
    evidence = (Evidence("sanctions.breach", f"breached {text}", f"{text} breached", "body", "sanctions"),)
    match = Match(ticker, "Amazon.com, Inc.", ("sanctions",), "high", evidence=evidence)
    # the summary as given (the summariser would fold its lines): a front-end must cope with any text
    alert = replace(build_alert(article, match, stamp), summary=article.summary)
    alert_store.insert_alert(db, alert.to_row())
    fan_out(db, alert, stamp)
    return alert, n


# --- Slack commands through the real Bolt app --------------------------------------------------------

_names = itertools.count(1)


async def slack_command(
    events_url: str, fake: Any, text: str, *, secret: str = SIGNING_SECRET, **where: str
) -> dict[str, Any]:
    """Send `/riskwire text` as a signed request; the answer the app posted to the response URL."""
    name = f"h{next(_names)}"
    body = command_body(text, response_url=fake.response_url(name), **where)
    status, ack = await post_signed(events_url, body, secret=secret)
    assert status == 200, ack
    return await fake.wait_for(lambda: next((b for n, b in fake.responses if n == name), None), 10.0)


# --- command input ---------------------------------------------------------------------------------

# What people may type after a command: nothing, far too much, letters that only look Latin or hide,
# and SQL or full-text-search syntax.
INPUTS: dict[str, str] = {
    "empty": "",
    "huge word": "Q" * 10_000,
    "huge list": "AMZN, " * 1_666 + "AAPL",
    "cyrillic look-alike": "\u0410\u041cZN",  # АМZN
    "full-width": "\uff21\uff2d\uff3a\uff2e",  # ＡＭＺＮ
    "zero-width joiner": "AM\u200dZN",
    "bidi override": "\u202eNZMA",
    "mentions": "<!channel> <@U0123ABC> @everyone <@&123456789012345678>",
    "sql": "' OR 1=1 --",
    "unterminated quote": '"unterminated',
    "fts near": "NEAR(",
    "star": "*",
    "percent": "%",
}
INPUT_IDS = list(INPUTS)
INPUT_VALUES = list(INPUTS.values())

TABLES = ("subscriptions", "feeds", "feed_owners", "digests", "reviews", "mutes", "deliveries")


def snapshot(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a command may change, to compare before and after."""
    return {t: sorted(map(tuple, db.execute(f"select * from {t}").fetchall()), key=repr) for t in TABLES}


BROKEN = ("Traceback", "Something went wrong", "went wrong on", "Exception", "Error:")
