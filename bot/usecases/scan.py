"""`riskwire scan`: match sources against a watchlist and print the results; stores and posts nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.pipeline.alerts import article_text
from bot.pipeline.parties import own_names, raised, story_text
from bot.pipeline.summarise import summarise
from bot.rendering.parties import party_text
from feeds.models import Article
from rules.engine import Matcher
from rules.models import Match
from rules.sanctions.models import PartyMatch
from rules.sanctions.screen import SanctionsIndex


@dataclass
class ScanRow:
    """One (article, watched ticker) pair the article is about."""

    article: Article
    match: Match
    summary: str = ""
    parties: tuple[PartyMatch, ...] = ()

    @property
    def severity(self) -> str | None:
        """The match's severity, one step up for a listed counterparty (None without a risk topic)."""
        return raised(self.match.severity, self.parties) if self.match.topics else None

    def to_json(self) -> dict[str, Any]:
        a, m = self.article, self.match
        return {
            "link": a.link,
            "title": a.title,
            "published": a.published.isoformat() if a.published else None,
            "source": a.source,
            "ticker": m.ticker,
            "company": m.company,
            "topics": list(m.topics),
            "severity": self.severity,
            "stage": m.stage,
            "denied": m.denied,
            "summary": self.summary,
            "evidence": list(dict.fromkeys(e.text for e in m.evidence)),
            "rules": [e.to_dict() for e in m.evidence],
            "company_evidence": list(dict.fromkeys(e.text for e in m.company_evidence)),
            "parties": [p.to_dict() for p in self.parties],
        }


@dataclass
class ScanResult:
    rows: list[ScanRow] = field(default_factory=list)
    articles: int = 0


def scan_articles(
    articles: Sequence[Article], matcher: Matcher, listed: SanctionsIndex | None = None
) -> ScanResult:
    """Every (article, ticker) pair the matcher links, with a summary around the evidence and the
    listed parties the article names (when `listed` holds any list)."""
    result = ScanResult(articles=len(articles))
    for article in articles:
        text = story_text(article.title, article.summary, article.content) if listed else ""
        for match in matcher.match(article):
            terms = [e.text for e in match.evidence] + [e.text for e in match.company_evidence[:2]]
            own = own_names(match.ticker, match.company, (e.text for e in match.company_evidence))
            parties = tuple(listed.screen(text, own)) if listed else ()
            result.rows.append(
                ScanRow(article, match, summarise(article.title, article_text(article), terms), parties)
            )
    return result


def format_jsonl(rows: Sequence[ScanRow]) -> str:
    return "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rows)


def format_text(rows: Sequence[ScanRow]) -> str:
    out: list[str] = []
    for r in rows:
        m = r.match
        topics = ", ".join(m.topics) if m.topics else "no risk topic"
        flags = [r.severity or m.severity] if m.topics else []
        if m.stage and m.topics:
            flags.append(m.stage)
        if m.denied and m.topics:
            flags.append("company denies")
        out.append(f"{m.ticker:<6} {topics}{'  [' + ', '.join(flags) + ']' if flags else ''}")
        out.append(f"       {r.article.title}")
        out.append(f"       {r.article.link}")
        terms = list(dict.fromkeys(e.text for e in m.evidence))
        if terms:
            out.append(f"       why: {', '.join(terms[:8])}")
        if r.parties:
            out.append(f"       listed parties: {'; '.join(party_text(p) for p in r.parties)}")
    return "\n".join(out) + ("\n" if out else "")
