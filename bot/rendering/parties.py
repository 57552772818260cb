"""The "Listed parties" line of an alert: who the story names that is on a sanctions or
export-control list, on which list and programme, since when, and how the name matched."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.pipeline.alerts import Alert
from rules.sanctions.models import PartyMatch
from rules.sanctions.sources import OFFICIAL

RAISED_NOTE = "severity one step up for a listed counterparty"


def list_label(name: str) -> str:
    """A list's name as people know it ('uk' -> 'UK Sanctions List (FCDO)'); a team list keeps its own."""
    official = OFFICIAL.get(name)
    return official.short if official else name


def party_text(party: PartyMatch) -> str:
    """'VisionLabs: team list, Russia, listed 2023-02-24, exact match'."""
    named = party.name if party.name == party.listed_name else f"{party.name} (listed as {party.listed_name})"
    facts = [list_label(party.list)]
    if party.programme:
        facts.append(party.programme)
    if party.listed:
        facts.append(f"listed {party.listed}")
    facts.append(f"{party.match} match")
    return f"{named}: {', '.join(facts)}"


def _plain(text: str) -> str:
    return text


def parties_line(
    alert: Alert,
    link: Callable[[str, str], str] | None = None,
    escape: Callable[[str], str] = _plain,
) -> str:
    """'Listed parties: VisionLabs: team, Russia, listed 2023-02-24, exact match (severity one step up
    for a listed counterparty)'; '' when the story names nobody listed. `link(url, text)` renders an
    entry's link where the list has one (plain text: the URL in angle brackets), `escape` the story's
    and the list's words for the platform (each renderer passes its own; both get the raw text)."""
    if not alert.parties:
        return ""
    link = link or (lambda url, text: f"{text} <{url}>")
    subject = [p for p in alert.parties if p.subject]
    others = [p for p in alert.parties if not p.subject]
    parts: list[str] = []
    if subject:
        parts.append(f"{escape(alert.ticker)} itself is listed: " + "; ".join(_shown(subject, link, escape)))
    if others:
        parts.append("; ".join(_shown(others, link, escape)) + f" ({RAISED_NOTE})")
    return "Listed parties: " + " · ".join(parts)


def _shown(
    parties: Sequence[PartyMatch], link: Callable[[str, str], str], escape: Callable[[str], str]
) -> list[str]:
    return [link(p.link, party_text(p)) if p.link else escape(party_text(p)) for p in parties]


def parties_note(alert: Alert, escape: Callable[[str], str] = _plain) -> str:
    """' · listed parties: VisionLabs (team, Russia)' for a digest's story line; '' when none."""
    if not alert.parties:
        return ""
    shown = [
        f"{p.name} ({', '.join(x for x in (list_label(p.list), p.programme) if x)})" for p in alert.parties
    ]
    return " · listed parties: " + escape("; ".join(shown))
