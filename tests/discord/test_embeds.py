"""Alert embeds and the escaping of untrusted feed text (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.discord_app.embeds import alert_embed, link, safe_text, safe_url, with_review
from bot.pipeline.alerts import Alert
from rules.models import Evidence


def _alert(**changes: object) -> Alert:
    values: dict = {
        "id": "0123456789abcdef",
        "article_id": "a1",
        "ticker": "AMZN",
        "company": "Amazon.com, Inc.",
        "topics": ("sanctions",),
        "severity": "critical",
        "stage": "lawsuit",
        "denied": True,
        "title": "Amazon accused of breaching sanctions",
        "link": "https://news.example.com/a1",
        "source": "Example News",
        "published": "2026-11-25T09:00:00+00:00",
        "summary": "A former employee says Amazon breached sanctions.",
        "evidence": (Evidence("sanctions.breach", "breached sanctions", "s", "body", "sanctions"),),
        "created": "2026-11-25T10:00:00+00:00",
    }
    values.update(changes)
    return Alert(**values)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.example/a", "https://x.example/a b", "https://x" + "a" * 2100, ""]
)
def test_unsafe_links_are_dropped(url: str) -> None:
    assert safe_url(url) is None
    assert alert_embed(_alert(link=url)).url is None


def test_the_alert_card_carries_severity_fields_and_footer() -> None:
    embed = alert_embed(_alert())
    assert embed.url == "https://news.example.com/a1"
    assert embed.colour is not None and embed.colour.value == 0xE74C3C  # critical is red
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Ticker"] == "AMZN · Amazon.com, Inc."
    assert fields["Topics"] == "Sanctions & export controls"
    assert fields["Severity · stage"] == "CRITICAL · stage: lawsuit · company denies"
    assert "breached sanctions" in fields["Evidence"]
    assert embed.footer.text == "Example News" and embed.timestamp is not None
    assert alert_embed(_alert(severity="low")).colour != embed.colour


def test_long_feed_text_is_clipped_to_discord_limits() -> None:
    embed = alert_embed(_alert(title="x" * 1000, summary="y " * 5000, source="z" * 5000))
    assert embed.title is not None and len(embed.title) <= 256
    assert embed.description is not None and len(embed.description) <= 4096
    assert len(embed) <= 6000


@pytest.mark.parametrize(
    "raw",
    [
        "<#123456789012345678>",
        "</riskwire watch:1>",
        "<t:1700000000:R>",
        "<:pepe:123>",
        "<a:dance:1>",
        "<@1>",
    ],
)
def test_discord_tokens_in_feed_text_render_as_plain_text(raw: str) -> None:
    assert raw not in safe_text(f"see {raw} now")


def test_a_clipped_escape_never_leaves_a_dangling_backslash() -> None:
    out = safe_text("a" * 9 + "*", limit=10)
    assert not out.rstrip("…").endswith("\\")


def test_masked_links_escape_their_text_and_url() -> None:
    out = link("Deal [done] (2)", "https://n.example/a_(b)")
    assert out == "[Deal \\[done\\] (2)](https://n.example/a_%28b%29)"
    # a label showing another address is never the visible part of a link: text, then the bare URL
    out = link("Deal [done](https://evil.example)", "https://n.example/a_(b)")
    assert out.endswith(" <https://n.example/a_%28b%29>")
    assert "[done](" not in out.replace("\\[done\\](", "")


def test_review_field_is_replaced_not_repeated() -> None:
    embed = alert_embed(_alert())
    with_review(embed, "reviewed", "4000000000000000005", "2026-11-25T10:00:00+00:00")
    with_review(embed, "false_positive", "4000000000000000006", "2026-11-25T11:00:00+00:00")
    reviews = [f.value for f in embed.fields if f.name == "Review"]
    stamp = int(datetime(2026, 11, 25, 11, tzinfo=UTC).timestamp())
    assert reviews == [f"Marked a false positive by <@4000000000000000006>, <t:{stamp}:f>"]
