"""A digest as Block Kit: a header, the window, then per ticker its topics and one linked line per
story. Feed text is escaped like alerts; the message stays inside Slack's limits (50 blocks, 3,000
characters a section) and says how much it left out."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.rendering.parties import parties_note
from bot.slack_app.blocks import FALLBACK_LIMIT, SECTION_LIMIT, SEVERITY_EMOJI, Block
from bot.slack_app.escape import escape_text, link, plain_text, truncate
from bot.usecases.digest import MAX_LINES, Digest, TickerGroup, also_under

MAX_TICKERS = 20  # two blocks each (a section and a divider): with the header and footer, under 50
COMMAND_HINT = "`/riskwire history`"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _window(digest: Digest) -> str:
    zone = ZoneInfo(digest.tz)
    start, end = digest.start.astimezone(zone), digest.end.astimezone(zone)
    return f"{start:%a %d %b %H:%M} to {end:%a %d %b %H:%M} ({digest.tz})"


def _ticker_section(
    digest: Digest, group: TickerGroup, labels: Mapping[str, str], budget: int
) -> tuple[str, int]:
    """One ticker's text and how many story lines it shows (at most `budget`, and what fits)."""
    ticker, company = escape_text(group.ticker), plain_text(group.company)
    lines = [f"*{ticker}* · {company} · {_plural(group.count, 'alert')}"]
    size, shown = len(lines[0]), 0
    for topic, alerts in group.topics:
        heading = f"*{plain_text(labels.get(topic, topic))}* ({len(alerts)})"
        if size + len(heading) + 1 > SECTION_LIMIT - 10:
            break
        lines.append(heading)
        size += len(heading) + 1
        for alert in alerts:
            emoji = SEVERITY_EMOJI.get(alert.severity, "")
            title = truncate(alert.title, 200)
            headline = link(alert.link, title) if alert.link else plain_text(title)
            source = plain_text(truncate(alert.source, 60))
            also = plain_text(also_under(alert, topic, labels))
            line = f"{emoji} {headline}{' · ' + source if source else ''}{digest.published_note(alert)}{also}"
            line += parties_note(alert, plain_text)
            if shown >= budget or size + len(line) + 1 > SECTION_LIMIT - 10:
                break  # the rest is counted in the footer
            lines.append(line)
            size += len(line) + 1
            shown += 1
    return "\n".join(lines), shown


def digest_blocks(digest: Digest, labels: Mapping[str, str] | None = None) -> list[Block]:
    """The digest as blocks: header, window and totals, one section per ticker (busiest first)."""
    labels = labels or {}
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Riskwire {digest.cadence} digest"[:150]},
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"*{_plural(digest.total, 'alert')}* on {_plural(digest.tickers, 'ticker')} · "
                    f"{escape_text(_window(digest))}{digest.earlier_note()}",
                }
            ],
        },
    ]
    budget, listed = MAX_LINES, 0
    stories = sum(len(alerts) for g in digest.groups for _, alerts in g.topics)
    for group in digest.groups[:MAX_TICKERS]:
        text, shown = _ticker_section(digest, group, labels, budget)
        budget -= shown
        listed += shown
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}})
        blocks.append({"type": "divider"})
    left = stories - listed
    if left > 0:
        note = f"{left} more {'story' if left == 1 else 'stories'}"
        if len(digest.groups) > MAX_TICKERS:
            note += f" (also on {_plural(len(digest.groups) - MAX_TICKERS, 'more ticker')})"
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"{note} not listed: see {COMMAND_HINT}."}],
            }
        )
    elif blocks[-1]["type"] == "divider":
        blocks.pop()
    if digest.portfolio is not None:
        blocks.extend([{"type": "divider"}, _portfolio_section(digest)])
    return blocks


def _portfolio_section(digest: Digest) -> Block:
    """The portfolio over the digest's window, as preformatted text (company names escaped)."""
    from bot.rendering.summary import render_portfolio_text

    assert digest.portfolio is not None
    text = truncate(plain_text(render_portfolio_text(digest.portfolio)), SECTION_LIMIT - 10)
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"```{text}```"}}


def digest_fallback(digest: Digest, labels: Mapping[str, str] | None = None) -> str:
    """The notification text: totals, window and the tickers, escaped."""
    tickers = ", ".join(f"{g.ticker} ({g.count})" for g in digest.groups[:MAX_TICKERS])
    text = (
        f"Riskwire {digest.cadence} digest: {_plural(digest.total, 'alert')} on "
        f"{_plural(digest.tickers, 'ticker')}, {_window(digest)}: {tickers}"
    )
    return truncate(escape_text(text), FALLBACK_LIMIT)
