"""Parsing does each job once: feedparser does not sanitise HTML that feeds.normalise turns into plain
text anyway (markup, scripts and styles are still dropped), and each distinct field value of a feed
is converted to text once."""

from __future__ import annotations

from pathlib import Path

import pytest

import feeds.parse
from feeds.parse import parse_feed

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "feedparser_corpus"
STORY = (
    "<p>Regulators fined <b>Acme</b> &amp; its unit.</p><script>alert(1)</script>"
    "<style>p{color:red}</style><applet>applet fallback</applet>"
    '<img src="x" onerror="alert(2)"><p>How <!ENTITY lol> attacks work.</p>'
)


def rss_with_content_only(html: str) -> bytes:
    """An item whose only text is content:encoded (feedparser gives it as the summary too)."""
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>Wire</title><item><title>Acme fined</title><guid>https://n.example.com/1</guid>"
        f"<content:encoded><![CDATA[{html}]]></content:encoded></item></channel></rss>"
    ).encode()


def test_each_field_value_is_converted_to_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str | None] = []
    convert = feeds.parse.text_of

    def counting(value, kind, *, declared=True):  # type: ignore[no-untyped-def]
        seen.append(value)
        return convert(value, kind, declared=declared)

    monkeypatch.setattr(feeds.parse, "text_of", counting)
    (article,) = parse_feed(rss_with_content_only(STORY)).articles
    assert article.summary == article.content  # the same value, as feedparser gives it
    assert seen.count(STORY) == 1


def test_markup_is_dropped_without_feedparsers_sanitiser() -> None:
    (article,) = parse_feed(rss_with_content_only(STORY)).articles
    assert article.content == "Regulators fined Acme & its unit.\n\nHow <!ENTITY lol> attacks work."


def test_script_text_is_never_story_text() -> None:
    # feedparser's sanitiser let a script's code through as text here; normalise drops it
    body = (CORPUS / "wellformed" / "sanitize" / "entry_summary_crazy.xml").read_bytes()
    (article,) = parse_feed(body).articles
    assert "executeMe" not in article.summary and "Did The Javascript Execute?" in article.summary
