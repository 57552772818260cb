"""Plain-text rendering of alerts, for the console and as the fallback text of chat messages."""

from __future__ import annotations

from bot.pipeline.alerts import Alert
from bot.rendering.parties import parties_line
from rules.rulefile import load_topics

SEVERITY_MARK = {"low": "·", "medium": "▲", "high": "▲▲", "critical": "▲▲▲"}


def topic_labels() -> dict[str, str]:
    """Topic id -> human label, from the built-in rule files."""
    return {t.id: t.label for t in load_topics()}


def evidence_by_topic(alert: Alert, per_topic: int = 3) -> dict[str, list[str]]:
    """Topic id -> up to `per_topic` distinct matched terms, in evidence order (shortest wins ties
    of the same words, so 'UK sanctions' is not shown beside 'breached UK sanctions')."""
    grouped: dict[str, list[str]] = {}
    for ev in alert.evidence:
        terms = grouped.setdefault(ev.topic or "", [])
        text = ev.text.strip()
        low = text.lower()
        if any(low in t.lower() or t.lower() in low for t in terms) or len(terms) >= per_topic:
            continue
        terms.append(text)
    return grouped


def evidence_line(alert: Alert, per_topic: int = 3) -> str:
    """'sanctions: "breached UK sanctions", "shell company"; surveillance: "facial recognition"'."""
    return "; ".join(
        f"{topic}: " + ", ".join(f'"{t}"' for t in terms)
        for topic, terms in evidence_by_topic(alert, per_topic).items()
        if terms
    )


def status_parts(alert: Alert) -> list[str]:
    """['HIGH', 'stage: lawsuit', 'company denies']: severity, then stage and denial where known."""
    status = [alert.severity.upper()]
    if alert.stage:
        status.append(f"stage: {alert.stage}")
    if alert.denied:
        status.append("company denies")
    return status


def render_text(alert: Alert, labels: dict[str, str] | None = None) -> str:
    """A readable multi-line alert: ticker and company, topics, severity, headline, summary, link, why."""
    labels = labels or {}
    topics = ", ".join(labels.get(t, t) for t in alert.topics) or "no risk topic"
    status = status_parts(alert)
    lines = [
        f"{SEVERITY_MARK.get(alert.severity, '')} {alert.ticker} · {alert.company} · {topics}",
        f"  [{' · '.join(status)}] {alert.title}",
    ]
    if alert.summary and alert.summary != alert.title:
        lines.append(f"  {alert.summary}")
    source = alert.source or "source"
    when = (alert.published or "")[:10]
    lines.append(f"  {source}{', ' + when if when else ''}: {alert.link}")
    why = evidence_line(alert)
    if why:
        lines.append(f"  why: {why}")
    listed = parties_line(alert)
    if listed:
        lines.append(f"  {listed}")
    return "\n".join(lines)


def render_update_text(alert: Alert, source: str, title: str, link: str) -> str:
    """The "also reported by ..." line for another outlet's copy of an alerted story."""
    return f"↳ {alert.ticker} · also reported by {source or 'another source'}: {title}\n  {link}"
