"""Block Kit rendering of alerts, summaries and lists. Every piece of feed or user text goes through
bot.slack_app.escape; our own markup (bold, links, dates, mentions) is added around it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.pipeline.alerts import Alert
from bot.pipeline.stories import Report
from bot.rendering.parties import parties_line
from bot.rendering.summary import render_summary_text
from bot.rendering.text import SEVERITY_MARK, evidence_line, status_parts
from bot.slack_app.escape import escape_text, link, mention, plain_text, safe_url, truncate
from bot.usecases.interactions import AlertAction
from bot.usecases.service import Summary

Block = dict[str, Any]

SEVERITY_EMOJI = {"low": ":white_circle:", "medium": ":large_yellow_circle:", "high": ":large_orange_circle:"}
SEVERITY_EMOJI["critical"] = ":red_circle:"

ACTION_REVIEWED = "riskwire_reviewed"
ACTION_FALSE_POSITIVE = "riskwire_false_positive"
ACTION_MUTE = "riskwire_mute"
BUTTON_ACTIONS = {ACTION_REVIEWED: "reviewed", ACTION_FALSE_POSITIVE: "false_positive", ACTION_MUTE: "mute"}

SECTION_LIMIT = 3000  # Slack's cap on a section's text
FALLBACK_LIMIT = 3900  # chat.postMessage truncates `text` at 40,000; notifications show far less
MAX_LIST = 10


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}


def _context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(t, SECTION_LIMIT)} for t in texts if t][:10],
    }


def slack_date(iso: str | None) -> str:
    """Slack's `<!date^...>` (shown in each reader's time zone) with the UTC time as fallback; '' if none."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return escape_text(iso[:25])
    fallback = when.strftime("%Y-%m-%d %H:%M UTC") if when.tzinfo else when.strftime("%Y-%m-%d %H:%M")
    if when.tzinfo is None:
        return fallback
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _source(alert: Alert) -> str:
    return plain_text(truncate(alert.source, 100)) or "source"


def _topics(alert: Alert, labels: Mapping[str, str]) -> str:
    return ", ".join(plain_text(labels.get(t, t)) for t in alert.topics) or "no risk topic"


def _headline(alert: Alert) -> str:
    emoji = SEVERITY_EMOJI.get(alert.severity, "")
    return (
        f"{emoji} *{escape_text(alert.severity.upper())}* · *{escape_text(alert.ticker)}* · "
        f"{plain_text(alert.company)}"
    )


ACTION_TEXT = {
    "reviewed": ":white_check_mark: Marked reviewed",
    "false_positive": ":no_entry_sign: Marked false positive",
    "reopened": ":arrows_counterclockwise: Reopened",
}


def action_line(action: AlertAction, ticker: str) -> str:
    """'✅ Marked reviewed by @user · date' (or the mute and its end)."""
    who = mention(action.user)
    if action.action == "mute":
        until = slack_date(action.detail)
        return f":mute: {escape_text(ticker)} muted here{' until ' + until if until else ''} by {who}"
    text = ACTION_TEXT.get(action.action, escape_text(action.action))
    return f"{text} by {who} · {slack_date(action.at)}"


def alert_fallback(alert: Alert, labels: Mapping[str, str] | None = None) -> str:
    """The plain-text version (notifications, clients without blocks), escaped like the blocks."""
    labels = labels or {}
    status = status_parts(alert)
    lines = [
        f"{SEVERITY_MARK.get(alert.severity, '')} {alert.ticker} · {alert.company} · "
        + ", ".join(labels.get(t, t) for t in alert.topics),
        f"[{' · '.join(status)}] {alert.title}",
    ]
    if alert.summary and alert.summary.strip() != alert.title.strip():
        lines.append(alert.summary)
    listed = parties_line(alert, lambda url, text: text)
    if listed:
        lines.append(listed)
    text = plain_text("\n".join(lines))
    url = safe_url(alert.link)
    source = _source(alert)
    return truncate(text, FALLBACK_LIMIT - 2100) + (f"\n{source}: <{url}>" if url else "")


def alert_blocks(
    alert: Alert,
    labels: Mapping[str, str] | None = None,
    actions: Sequence[AlertAction] = (),
    *,
    buttons: bool = True,
) -> list[Block]:
    """An alert as Block Kit: who and how bad, the linked headline, the summary, why, source and
    time, stage and denial, the review buttons and what has been done to it so far."""
    labels = labels or {}
    title = plain_text(truncate(alert.title, 500)) or "(no headline)"
    headline = link(alert.link, truncate(alert.title, 500) or "(no headline)") if alert.link else title
    blocks: list[Block] = [_section(f"{_headline(alert)}\n*{headline}*")]
    if alert.summary and alert.summary.strip() != alert.title.strip():
        blocks.append(_section(plain_text(alert.summary)))
    facts = [f"*Topics:* {_topics(alert, labels)}"]
    if alert.stage:
        facts.append(f"*Stage:* {plain_text(alert.stage)}")
    if alert.denied:
        facts.append("*Company denies*")
    blocks.append(_context(" · ".join(facts)))
    why = evidence_line(alert)
    if why:
        blocks.append(_context(f"*Why:* {plain_text(why)}"))
    listed = parties_line(alert, lambda url, text: link(url, text), plain_text)
    if listed:
        blocks.append(_context(f"*Listed parties:* {listed.removeprefix('Listed parties: ')}"))
    source = _source(alert)
    when = slack_date(alert.published) or slack_date(alert.created)
    blocks.append(_context(f"{source}{' · ' + when if when else ''}"))
    if buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": "riskwire_review",
                "elements": [
                    _button("Mark reviewed", ACTION_REVIEWED, alert.id, "primary"),
                    _button("False positive", ACTION_FALSE_POSITIVE, alert.id),
                    _button(f"Mute {alert.ticker[:12]} 24h", ACTION_MUTE, alert.id, "danger"),
                ],
            }
        )
    if actions:
        blocks.append(_context("\n".join(action_line(a, alert.ticker) for a in actions[-8:])))
    return blocks


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75]},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def summary_blocks(s: Summary, labels: Mapping[str, str] | None = None) -> list[Block]:
    """A ticker's summary: totals and trend, counts by topic and severity, top stories with links."""
    labels = labels or {}
    head = f"*{escape_text(s.ticker)}* ({plain_text(s.company)}) · last {s.days} days"
    if s.total == 0:
        before = f" (previous {s.days} days: {s.previous_total})" if s.previous_total else ""
        return [_section(f"{head}: no alerts{before}.")]
    delta = s.total - s.previous_total
    trend = f"{'+' if delta >= 0 else ''}{delta} vs previous {s.days} days"
    blocks = [_section(f"{head}: *{s.total} alert{'s' if s.total != 1 else ''}* ({trend})")]
    by_topic = "\n".join(f"{plain_text(labels.get(t, t))}: {n}" for t, n in s.by_topic.items()) or "-"
    by_sev = "\n".join(f"{SEVERITY_EMOJI.get(k, '')} {k}: {n}" for k, n in s.by_severity.items())
    blocks.append(
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": truncate(f"*By topic*\n{by_topic}", 2000)},
                {"type": "mrkdwn", "text": truncate(f"*By severity*\n{by_sev}", 2000)},
            ],
        }
    )
    stories = "\n".join(f"• {_list_line(a, labels)}" for a in s.top)
    blocks.append(_section(f"*Top stories*\n{stories}"))
    return blocks


def summary_fallback(s: Summary) -> str:
    return truncate(plain_text(render_summary_text(s)), FALLBACK_LIMIT)


def _list_line(alert: Alert, labels: Mapping[str, str]) -> str:
    emoji = SEVERITY_EMOJI.get(alert.severity, "")
    headline = link(alert.link, truncate(alert.title, 200)) if alert.link else plain_text(alert.title)
    when = slack_date(alert.published) or slack_date(alert.created)
    return (
        f"{emoji} *{escape_text(alert.ticker)}* {headline}\n"
        f"      {_topics(alert, labels)} · {_source(alert)}{' · ' + when if when else ''}"
    )


def alert_list_blocks(
    heading: str,
    alerts: Sequence[Alert],
    labels: Mapping[str, str] | None = None,
    notes: Mapping[str, Sequence[str]] | None = None,
) -> list[Block]:
    """A heading (our own mrkdwn) and one section per alert (newest first), each with its notes
    (our own mrkdwn: the last action taken, whether it was posted)."""
    labels = labels or {}
    notes = notes or {}
    blocks = [_section(heading)]
    for alert in alerts[:MAX_LIST]:
        line = _list_line(alert, labels)
        for note in notes.get(alert.id, ()):
            line += "\n      " + note
        blocks.append(_section(line))
    return blocks


def alert_list_fallback(heading: str, alerts: Sequence[Alert]) -> str:
    lines = [heading] + [
        f"[{a.severity}] {escape_text(a.ticker)}: {plain_text(a.title)} {escape_text(a.link)}"
        for a in alerts[:MAX_LIST]
    ]
    return truncate("\n".join(lines), FALLBACK_LIMIT)


def text_blocks(text: str) -> list[Block]:
    """One section of our own mrkdwn (already escaped where it holds user text)."""
    return [_section(text)]


# --- story updates and notices -----------------------------------------------------------------------


def _update_line(alert: Alert, report: Report, *, threaded: bool) -> str:
    source = plain_text(truncate(report.source, 100)) or "another source"
    headline = link(report.link, truncate(report.title, 300) or "(no headline)")
    line = f":link: Also reported by *{source}*: {headline}"
    if report.is_listing_of(alert.article_id):  # a party of the story became listed
        line = f":warning: {plain_text(truncate(report.title, 1500))}"
    if not threaded:  # not under the alert, so say which story it belongs to
        story = plain_text(truncate(alert.title, 200))
        line = f"*{escape_text(alert.ticker)}* · {story}\n{line}"
    return line


def update_blocks(alert: Alert, report: Report, *, threaded: bool = True) -> list[Block]:
    """Another outlet's copy of an alerted story: "Also reported by SOURCE: <link|headline>"."""
    when = slack_date(report.published)
    blocks = [_section(_update_line(alert, report, threaded=threaded))]
    if when:
        blocks.append(_context(when))
    return blocks


def update_fallback(alert: Alert, report: Report, *, threaded: bool = True) -> str:
    """The plain-text version of a story update, escaped like the blocks."""
    return truncate(_update_line(alert, report, threaded=threaded), FALLBACK_LIMIT)


def notice_text(text: str) -> str:
    """A notice from Riskwire (a feed paused or working again), as our own mrkdwn around escaped text."""
    return truncate(f":information_source: *Riskwire:* {plain_text(text)}", SECTION_LIMIT)
