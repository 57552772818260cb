"""Plain-text rendering of a ticker summary (CLI, and the fallback text in chat)."""

from __future__ import annotations

from bot.service import Summary


def render_summary_text(s: Summary) -> str:
    """Counts by topic and severity, change against the previous window, and the top stories."""
    head = f"{s.ticker} ({s.company}): last {s.days} days"
    if s.total == 0:
        return f"{head}: no alerts in this window" + (
            f" (previous {s.days} days: {s.previous_total})." if s.previous_total else "."
        )
    delta = s.total - s.previous_total
    trend = f"{'+' if delta >= 0 else ''}{delta} vs previous {s.days} days"
    lines = [f"{head}: {s.total} alert{'s' if s.total != 1 else ''} ({trend})"]
    lines.append("  by topic: " + ", ".join(f"{t} {n}" for t, n in s.by_topic.items()))
    lines.append("  by severity: " + ", ".join(f"{k} {n}" for k, n in s.by_severity.items()))
    lines.append("  top stories:")
    for a in s.top:
        lines.append(f"    [{a.severity}] {a.title} ({', '.join(a.topics)})\n      {a.link}")
    return "\n".join(lines)
