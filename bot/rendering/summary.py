"""Plain-text rendering of a ticker summary (CLI, and the fallback text in chat)."""

from __future__ import annotations

from bot.usecases.service import Summary


def _change(now: int, before: int) -> str:
    delta = now - before
    return f"{'+' if delta >= 0 else ''}{delta}"


def render_summary_text(s: Summary) -> str:
    """Counts by topic and severity, change against the previous window, the top stories (one per
    story, linked) and the open items not yet reviewed."""
    head = f"{s.ticker} ({s.company}): last {s.days} days"
    if s.total == 0:
        return f"{head}: no alerts in this window" + (
            f" (previous {s.days} days: {s.previous_total})." if s.previous_total else "."
        )
    trend = f"{_change(s.total, s.previous_total)} vs previous {s.days} days"
    lines = [f"{head}: {s.total} alert{'s' if s.total != 1 else ''} ({trend})"]
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
