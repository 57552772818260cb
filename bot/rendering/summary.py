"""Plain-text rendering of a ticker summary (CLI, and the fallback text in chat)."""

from __future__ import annotations

from bot.usecases.portfolio import Portfolio
from bot.usecases.service import Summary
from rules.models import SEVERITIES


def _change(now: int, before: int) -> str:
    delta = now - before
    return f"{'+' if delta >= 0 else ''}{delta}"


def _fp_note(n: int) -> str:
    return f"; {n} reviewed false positive{'s' if n != 1 else ''} left out" if n else ""


def render_summary_text(s: Summary) -> str:
    """Counts by topic and severity, change against the previous window, the top stories (one per
    story, linked) and the open items not yet reviewed."""
    head = f"{s.ticker} ({s.company}): last {s.days} days"
    if s.total == 0:
        return (
            f"{head}: no alerts in this window"
            + (f" (previous {s.days} days: {s.previous_total})" if s.previous_total else "")
            + _fp_note(s.false_positives)
            + "."
        )
    trend = f"{_change(s.total, s.previous_total)} vs previous {s.days} days"
    lines = [f"{head}: {s.total} alert{'s' if s.total != 1 else ''} ({trend}){_fp_note(s.false_positives)}"]
    lines.append(
        "  by topic: "
        + ", ".join(f"{t} {n} ({_change(n, s.previous_by_topic.get(t, 0))})" for t, n in s.by_topic.items())
    )
    lines.append("  by severity: " + ", ".join(f"{k} {n}" for k, n in s.by_severity.items()))
    lines.append("  top stories:")
    for a in s.top:
        lines.append(f"    [{a.severity}] {a.title} ({', '.join(a.topics)})\n      {a.link}")
    if s.unreviewed:
        lines.append(f"  open, not yet reviewed: {s.unreviewed}")
        for a in s.open_items:
            lines.append(f"    [{a.severity}] {a.id} {a.title[:80]}")
    else:
        lines.append("  open, not yet reviewed: none")
    return "\n".join(lines)


def _severities(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts.get(s))


def render_portfolio_text(p: Portfolio, rows: int = 20) -> str:
    """The portfolio as plain text: totals, the tickers with the most and the most severe alerts, new
    stories against follow-ups, open items, then one line per ticker (the top `rows`)."""
    head = (
        f"Portfolio: {len(p.watched)} watched ticker{'s' if len(p.watched) != 1 else ''}, last {p.days} days"
    )
    head += f" ({p.window})" if p.window else ""
    if not p.lines:
        return f"{head}: no alerts in this window{_fp_note(p.false_positives)}."
    lines = [
        f"{head}: {p.total} alert{'s' if p.total != 1 else ''} on {len(p.lines)} "
        f"ticker{'s' if len(p.lines) != 1 else ''}{_fp_note(p.false_positives)}",
        "  most alerts: " + ", ".join(f"{x.ticker} {x.total}" for x in p.lines[:5]),
        "  most severe: "
        + ", ".join(f"{x.ticker} ({_severities(x.by_severity)})" for x in p.most_severe[:5]),
        f"  new stories: {p.total - p.follow_ups}, follow-ups (reports linked to an earlier story): "
        f"{p.follow_ups}",
        f"  open, not yet reviewed: {p.unreviewed}",
        "  by ticker:",
    ]
    for x in p.lines[:rows]:
        lines.append(
            f"    {x.ticker} ({x.company}): {x.total} alert{'s' if x.total != 1 else ''} "
            f"({_severities(x.by_severity)}); {x.new_stories} new, {x.follow_ups} follow-up"
            f"{'s' if x.follow_ups != 1 else ''}; {x.unreviewed} open"
        )
    if len(p.lines) > rows:
        rest = p.lines[rows:]
        lines.append(f"    and {len(rest)} more tickers with {sum(x.total for x in rest)} alerts")
    if p.quiet:
        lines.append(f"  no alerts: {', '.join(p.quiet[:30])}" + (" ..." if len(p.quiet) > 30 else ""))
    return "\n".join(lines)
