"""Make untrusted text (feed titles, summaries, user input) safe inside Slack mrkdwn.

Slack parses `<...>` as links and mentions (`<!channel>`, `<@U123>`, `<https://evil|click>`), and
`&` starts an entity. Escaping `&`, `<` and `>` turns all of them into literal text. Bare `@here`
style words are broken with a word joiner so no client setting can turn them into a ping, invisible
and direction-changing characters are dropped, and a line cannot start a quote.

mrkdwn has no escape for its formatting characters, so feed text (`plain_text`) has them swapped for
look-alikes that format nothing: `*` `∗`, `~` `∼`, a backtick `ˋ`, an underscore at the edge of a
word `ˍ`, and the second colon of an `:emoji:` code `∶`. A headline can then neither close our own
bold, open a code block over the rest of the message, nor draw a fake severity badge.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from bot.rendering.chat_text import ADDRESS, names_other_address, visible

_ZWJ = "\u2060"  # word joiner: invisible, and stops Slack matching @here / @channel / @everyone
_BROADCAST = re.compile(r"@(?=(?:here|channel|everyone)\b)", re.IGNORECASE)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,30}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_QUOTE = re.compile(r"^([ \t]*)&gt;", re.MULTILINE)  # `>` (sent as &gt;) opening a line quotes it
_FORMAT = str.maketrans({"*": "\u2217", "~": "\u223c", "`": "\u02cb"})
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_EMOJI_CODE = re.compile(r":([a-z0-9_+\-']*[a-z][a-z0-9_+\-']*):", re.IGNORECASE)
# characters a URL may keep as they are; everything else (spaces, quotes, |, <, >) is percent-encoded
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
MAX_URL = 1500


def escape_text(text: str | None) -> str:
    """`text` as literal mrkdwn: &, <, > escaped, broadcast words defused, invisible and direction
    characters dropped, no line opening a quote. Formatting characters are left as they are (for our
    own messages and usage lines); feed text goes through `plain_text`."""
    if not text:
        return ""
    text = visible(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _QUOTE.sub("\\1\u203a", text)
    return _BROADCAST.sub("@" + _ZWJ, text)


def _inert(text: str) -> str:
    text = _EMOJI_CODE.sub(":\\1\u2236", text)
    return _EDGE_UNDERSCORE.sub("\u02cd", text.translate(_FORMAT))


def plain_text(text: str | None) -> str:
    """Untrusted text (a headline, summary, source, error) shown as it reads and formatting nothing:
    `escape_text`, with mrkdwn's formatting characters and emoji codes swapped for inert look-alikes
    (except inside web addresses, which must stay exact to be copied)."""
    text = visible(text)
    parts, start = [], 0
    for address in ADDRESS.finditer(text):
        parts += [_inert(text[start : address.start()]), address.group(0)]
        start = address.end()
    parts.append(_inert(text[start:]))
    return escape_text("".join(parts))


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
    """`<url|label>` with both parts made safe; the label alone when the URL is not http(s); and the
    label as text followed by the bare URL when the label shows another address than the URL's."""
    shown = plain_text(label) or "link"  # the URL is percent-encoded, so the first | is ours
    target = safe_url(url)
    if target and url and names_other_address(label, url):
        return f"{shown} <{target}>"  # Slack shows the address itself: nothing is disguised
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
