from __future__ import annotations

from datetime import UTC, datetime

from feeds.normalise import article_id, canonical_link, clamp_date, html_to_text, one_line

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_html_to_text_drops_tags_scripts_and_decodes_entities() -> None:
    html = "<p>Amazon &amp; AWS</p><script>alert('x')</script><p>second <b>para</b>&nbsp;here</p>"
    assert html_to_text(html) == "Amazon & AWS\n\nsecond para here"


def test_one_line_collapses_whitespace() -> None:
    assert one_line("  <b>Big</b>\n  news \t today ") == "Big news today"


def test_canonical_link_strips_tracking_and_fragment() -> None:
    url = "HTTPS://News.Example.com/a/b?utm_source=x&id=7&fbclid=1#top"
    assert canonical_link(url) == "https://news.example.com/a/b?id=7"


def test_canonical_link_refuses_other_schemes() -> None:
    assert canonical_link("javascript:alert(1)") == ""
    assert canonical_link("data:text/html,<b>x</b>") == ""
    assert canonical_link("ftp://example.com/x") == ""


def test_article_id_is_stable_and_prefers_guid() -> None:
    assert article_id("guid-1", "https://a.example/x") == article_id("guid-1", "https://b.example/y")
    assert article_id(None, "https://a.example/x?utm_source=1") == article_id("", "https://a.example/x")
    assert len(article_id("g", None)) == 16


def test_clamp_date_rejects_absurd_dates() -> None:
    assert clamp_date(datetime(1970, 1, 1, tzinfo=UTC), NOW) is None
    assert clamp_date(datetime(2100, 1, 1, tzinfo=UTC), NOW) is None
    good = datetime(2026, 11, 26, 8, 0)
    assert clamp_date(good, NOW) == good.replace(tzinfo=UTC)
