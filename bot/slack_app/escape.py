"""Make untrusted text (feed titles, summaries, user input) safe inside Slack mrkdwn.

Slack parses `<...>` as links and mentions (`<!channel>`, `<@U123>`, `<https://evil|click>`), and
`&` starts an entity. Escaping `&`, `<` and `>` turns all of them into literal text. Bare `@here`
style words are broken with a zero-width joiner so no client setting can turn them into a ping.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_ZWJ = "\u2060"  # word joiner: invisible, and stops Slack matching @here / @channel / @everyone
_BROADCAST = re.compile(r"@(?=(?:here|channel|everyone)\b)", re.IGNORECASE)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,30}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# characters a URL may keep as they are; everything else (spaces, quotes, |, <, >) is percent-encoded
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
MAX_URL = 1500


def escape_text(text: str | None) -> str:
    """`text` as literal mrkdwn: &, <, > escaped, broadcast words defused, control characters dropped."""
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + _ZWJ, text)


def unescape_command(text: str | None) -> str:
    """Slash-command text as the user typed it (Slack sends &, <, > escaped)."""
    return (text or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit to put inside `<...|...>`, or None for anything else (javascript:, junk)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    encoded = quote(_CONTROL.sub("", url), safe=_URL_SAFE).replace("&", "&amp;")
    return encoded if len(encoded) <= MAX_URL else None  # a cut URL would be a wrong link


def link(url: str | None, label: str) -> str:
    """`<url|label>` with both parts made safe; the escaped label alone when the URL is not http(s)."""
    shown = escape_text(label) or "link"  # the URL is percent-encoded, so the first | is ours
    target = safe_url(url)
    return f"<{target}|{shown}>" if target else shown


def mention(user_id: str | None) -> str:
    """`<@U123>` for a real Slack user id (as Slack sent it to us); escaped text for anything else."""
    if user_id and _USER_ID.match(user_id):
        return f"<@{user_id}>"
    return escape_text(user_id or "someone")


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut with an ellipsis; never cuts an escape entity in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"
