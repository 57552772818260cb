"""Checks shared by the Slack and Discord renderers for text that came from outside (feeds, users).

Two things no chat markup escaping covers: characters that are invisible or turn the text's
direction (a zero-width joiner hiding inside `@everyone`, a right-to-left override turning
`gnp.exe` into `exe.png`), and a link whose visible label is itself an address somewhere else (a
headline `https://bank.example/login` linked to the feed's own page). Both front-ends drop the
first and never show the second as a link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Unicode's format (Cf) and control (Cc) characters and the line/paragraph separators, except the
# newline and tab: zero-width spaces and joiners, direction marks, embeddings, overrides and isolates,
# invisible operators, the byte order mark, tag characters; plus the Hangul fillers, which draw
# nothing either. Listed as ranges (generated from unicodedata) so removing them is one regex pass.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f\u1160"
    "\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
# An address in text: a scheme (https://, javascript:, ...) or www.
ADDRESS = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.\-]*://|www\.)[^\s<>|()\[\]\"'`]+")


def visible(text: str | None) -> str:
    """`text` without invisible and direction-changing characters (newlines and tabs are kept)."""
    return _INVISIBLE.sub("", text or "")


def _host(url: str) -> str:
    try:
        return (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
    except ValueError:
        return ""


def names_other_address(label: str, url: str) -> bool:
    """True when `label` shows an address (https://..., www....) on another host than `url` leads to:
    such a label must not be the visible part of a link to `url`."""
    target = _host(url)
    return any(_host(m.group(0)) != target for m in ADDRESS.finditer(visible(label).replace("\\", "")))
