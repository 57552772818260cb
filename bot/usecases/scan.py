"""`riskwire scan`: match sources against a watchlist and print the results; stores and posts nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.pipeline.alerts import article_text
from bot.pipeline.summarise import summarise
from feeds.models import Article
from rules.engine import Matcher
from rules.models import Match


@dataclass
class ScanRow:
    """One (article, watched ticker) pair the article is about."""

    article: Article
    match: Match
    summary: str = ""

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
            "severity": m.severity if m.topics else None,
            "stage": m.stage,
            "denied": m.denied,
            "summary": self.summary,
            "evidence": list(dict.fromkeys(e.text for e in m.evidence)),
            "rules": [e.to_dict() for e in m.evidence],
            "company_evidence": list(dict.fromkeys(e.text for e in m.company_evidence)),
        }


@dataclass
class ScanResult:
    rows: list[ScanRow] = field(default_factory=list)
    articles: int = 0


def scan_articles(articles: Sequence[Article], matcher: Matcher) -> ScanResult:
    """Every (article, ticker) pair the matcher links, with a summary around the evidence."""
    result = ScanResult(articles=len(articles))
    for article in articles:
        for match in matcher.match(article):
            terms = [e.text for e in match.evidence] + [e.text for e in match.company_evidence[:2]]
            result.rows.append(
                ScanRow(article, match, summarise(article.title, article_text(article), terms))
            )
    return result


def format_jsonl(rows: Sequence[ScanRow]) -> str:
    return "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rows)


def format_text(rows: Sequence[ScanRow]) -> str:
    out: list[str] = []
    for r in rows:
        m = r.match
        topics = ", ".join(m.topics) if m.topics else "no risk topic"
        flags = [m.severity] if m.topics else []
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
    return "\n".join(out) + ("\n" if out else "")
