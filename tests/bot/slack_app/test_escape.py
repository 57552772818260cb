"""Feed and user text is literal in Slack: no mentions, no disguised links, no broken markup."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack_app.escape import escape_text, link, mention, safe_url, truncate


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("<!subteam^S123|@team>", "&lt;!subteam^S123|@team&gt;"),
        ("ping <@U0123ABC>", "ping &lt;@U0123ABC&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("<#C123|general>", "&lt;#C123|general&gt;"),
        ("AT&T & Co", "AT&amp;T &amp; Co"),
        ("already &lt;escaped&gt;", "already &amp;lt;escaped&amp;gt;"),
    ],
)
def test_escape_text_makes_markup_literal(raw: str, shown: str) -> None:
    assert escape_text(raw) == shown


@pytest.mark.parametrize("word", ["@here", "@channel", "@everyone", "@Here"])
def test_broadcast_words_are_defused(word: str) -> None:
    out = escape_text(f"hey {word} now")
    assert word not in out and out.replace("\u2060", "") == f"hey {word} now"


@given(st.text())
def test_escaped_text_never_holds_markup(text: str) -> None:
    out = escape_text(text)
    assert "<" not in out and ">" not in out
    assert re.search(r"&(?!amp;|lt;|gt;)", out) is None
    assert re.search(r"@(here|channel|everyone)\b", out, re.IGNORECASE) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.com/a?x=1&y=2", "https://news.example.com/a?x=1&amp;y=2"),
        ("https://news.example.com/a|click here>", "https://news.example.com/a%7Cclick%20here%3E"),
        ("javascript:alert(1)", None),
        ("ftp://files.example.com/x", None),
        ("not a url", None),
        ("https://", None),
        ("", None),
        ("https://x.example.com/" + "a" * 2000, None),
    ],
)
def test_safe_url(url: str, expected: str | None) -> None:
    assert safe_url(url) == expected


@given(st.text(), st.text())
def test_a_link_is_always_one_well_formed_link(url: str, label: str) -> None:
    out = link("https://news.example.com/" + url, label)
    assert out.count("<") == 1 and out.count(">") == 1 and out.startswith("<https://news.example.com/")
    target = out[1 : out.index("|")]
    assert " " not in target and "<" not in target


def test_a_non_http_link_is_just_the_label() -> None:
    assert link("javascript:alert(1)", "<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


def test_mention_only_for_slack_ids() -> None:
    assert mention("U0123ABC") == "<@U0123ABC>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert mention(None) == "someone"


def test_truncate_never_splits_an_entity() -> None:
    text = escape_text("a" * 8 + "<b>")
    assert truncate(text, 10) == "a" * 8 + "…"
    assert truncate("short", 10) == "short"
