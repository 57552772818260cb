"""What the topic and linking tests ask of a matcher."""

from __future__ import annotations

from rules.engine import Matcher
from rules.text import Doc


def tagged(matcher: Matcher, title: str, body: str = "") -> set[str]:
    """The topics tagged for an item with this title (and body)."""
    analysis = matcher.analyse_doc(Doc.from_parts(title, "", body))
    return {t.spec.id for t in analysis.topics if t.tagged}


def linked(matcher: Matcher, title: str, body: str = "") -> set[str]:
    """The tickers an item with this title (and body) is linked to."""
    return {m.ticker for m in matcher.match_text(title, "", body)}
