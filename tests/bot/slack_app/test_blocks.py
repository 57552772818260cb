"""Block Kit rendering: what an alert and a summary show, and Slack's size limits respected."""

from __future__ import annotations

import json

from bot.pipeline.alerts import Alert
from bot.rendering.text import topic_labels
from bot.slack_app.blocks import alert_blocks, alert_fallback, summary_blocks, summary_fallback
from bot.usecases.interactions import AlertAction
from bot.usecases.service import Summary
from rules.models import Evidence


def make_alert(**changes) -> Alert:  # type: ignore[no-untyped-def]
    values = {
        "id": "abc123",
        "article_id": "a1",
        "ticker": "AMZN",
        "company": "Amazon.com, Inc.",
        "topics": ("sanctions", "whistleblower"),
        "severity": "critical",
        "stage": "lawsuit",
        "denied": True,
        "title": "Ex-AWS employee says Amazon breached UK sanctions",
        "link": "https://globalwire.example.com/amazon?id=1&src=rss",
        "source": "Global Wire",
        "published": "2026-11-25T09:00:00+00:00",
        "summary": "A former AWS employee told a tribunal that Amazon breached UK sanctions.",
        "evidence": (Evidence("sanctions.breach", "breached UK sanctions", "...", "body", "sanctions"),),
        "created": "2026-11-25T10:00:00+00:00",
    }
    values.update(changes)
    return Alert(**values)


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_an_alert_shows_everything_an_analyst_needs() -> None:
    shown = texts(alert_blocks(make_alert(), topic_labels()))
    for part in [
        "*AMZN*",
        "Amazon.com, Inc.",
        "*CRITICAL*",
        "Sanctions &amp; export controls",
        "Whistleblower &amp; insider allegations",
        "<https://globalwire.example.com/amazon?id=1&amp;src=rss|"
        "Ex-AWS employee says Amazon breached UK sanctions>",
        "told a tribunal",
        '*Why:* sanctions: \\"breached UK sanctions\\"',
        "Global Wire · <!date^1795597200^",
        "*Stage:* lawsuit",
        "*Company denies*",
        "Mute AMZN 24h",
    ]:
        assert part in shown, part
    fallback = alert_fallback(make_alert(), topic_labels())
    assert "AMZN" in fallback and "company denies" in fallback
    assert fallback.endswith("Global Wire: <https://globalwire.example.com/amazon?id=1&amp;src=rss>")


def test_what_is_not_known_is_not_shown() -> None:
    shown = texts(alert_blocks(make_alert(stage=None, denied=False, evidence=(), summary="")))
    assert "Stage" not in shown and "denies" not in shown and "Why" not in shown


def test_actions_taken_are_shown_under_the_buttons() -> None:
    actions = [
        AlertAction("reviewed", "U1", "2026-11-25T11:00:00+00:00"),
        AlertAction("mute", "U2", "2026-11-25T11:05:00+00:00", "2026-11-26T11:05:00+00:00"),
    ]
    blocks = alert_blocks(make_alert(), actions=actions)
    assert blocks[-2]["type"] == "actions"
    last = blocks[-1]["elements"][0]["text"]
    assert (
        "Marked reviewed by <@U1>" in last and "AMZN muted here until <!date^" in last and "by <@U2>" in last
    )


def test_huge_feed_text_stays_within_slack_limits() -> None:
    alert = make_alert(title="Amazon " * 2000, summary="word " * 5000, source="S" * 5000)
    blocks = alert_blocks(alert)
    assert len(blocks) <= 50
    for block in blocks:
        for text in [block.get("text", {}).get("text", "")] + [
            e.get("text", "") for e in block.get("elements", [])
        ]:
            assert len(text if isinstance(text, str) else text["text"]) <= 3000
    assert blocks[0]["text"]["text"].count("<") == 1  # the headline link is intact
    assert len(alert_fallback(alert)) <= 4000


def test_a_summary_in_blocks() -> None:
    s = Summary(
        "AMZN",
        "Amazon.com, Inc.",
        30,
        total=3,
        previous_total=1,
        by_topic={"sanctions": 2, "surveillance": 1},
        by_severity={"critical": 1, "high": 2},
        top=[make_alert(), make_alert(id="x2", title="Second <!here> story", link="https://b.example.com/2")],
    )
    shown = texts(summary_blocks(s, topic_labels()))
    assert "*3 alerts* (+2 vs previous 30 days)" in shown
    assert "Sanctions &amp; export controls: 2" in shown and "critical: 1" in shown
    assert "<https://b.example.com/2|Second &lt;!here&gt; story>" in shown
    assert "<!here>" not in shown
    assert "3 alerts" in summary_fallback(s) and "<!here>" not in summary_fallback(s)
    empty = Summary("AMZN", "Amazon.com, Inc.", 7, 0, 2, {}, {}, [])
    assert "no alerts (previous 7 days: 2)" in texts(summary_blocks(empty))
