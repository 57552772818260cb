"""Alerts: what Riskwire tells people. Built from an article and a match; stored; rendered."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from bot.pipeline.summarise import summarise
from feeds.models import Article
from rules.models import Evidence, Match
from rules.sanctions.models import PartyMatch
from storage.alerts import happened as happened_at


def alert_id(article_id: str, ticker: str) -> str:
    """Deterministic: the same article and ticker always give the same alert id."""
    return hashlib.sha256(f"{article_id}:{ticker.upper()}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Alert:
    """One risk alert about one company, from one article."""

    id: str
    article_id: str
    ticker: str
    company: str
    topics: tuple[str, ...]
    severity: str
    stage: str | None
    denied: bool
    title: str
    link: str
    source: str
    published: str | None
    summary: str
    evidence: tuple[Evidence, ...] = ()
    company_evidence: tuple[Evidence, ...] = ()
    created: str = ""
    story_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    parties: tuple[PartyMatch, ...] = ()  # listed parties the story names (bot.pipeline.parties)

    @property
    def happened(self) -> str:
        """When the story happened: its publication time, or the fetch time where the feed gave no
        date or one after the fetch (UTC ISO; the time every window counts by)."""
        return happened_at(self.published, self.created)

    @property
    def terms(self) -> list[str]:
        """The distinct matched terms, in evidence order (what 'fired')."""
        return list(dict.fromkeys(e.text for e in self.evidence))

    def to_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": self.id,
            "article_id": self.article_id,
            "ticker": self.ticker,
            "company": self.company,
            "topics": list(self.topics),
            "severity": self.severity,
            "stage": self.stage,
            "denied": self.denied,
            "title": self.title,
            "link": self.link,
            "source": self.source,
            "published": self.published,
            "summary": self.summary,
            "evidence": [e.to_dict() for e in self.evidence],
            "company_evidence": [e.to_dict() for e in self.company_evidence],
            "created": self.created,
            "story_id": self.story_id,
        }
        if self.parties:  # most alerts name nobody listed: their rows stay as they were
            row["parties"] = [p.to_dict() for p in self.parties]
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Alert:
        """From a decoded database row (storage.alerts.decode)."""

        def ev(items: list[dict[str, Any]]) -> tuple[Evidence, ...]:
            return tuple(
                Evidence(
                    i.get("rule", ""),
                    i.get("text", ""),
                    i.get("sentence", ""),
                    i.get("field", "body"),
                    i.get("topic"),
                )
                for i in items or []
            )

        return cls(
            id=row["id"],
            article_id=row.get("article_id") or "",
            ticker=row["ticker"],
            company=row.get("company") or row["ticker"],
            topics=tuple(row.get("topics") or ()),
            severity=row.get("severity") or "low",
            stage=row.get("stage"),
            denied=bool(row.get("denied")),
            title=row.get("title") or "",
            link=row.get("link") or "",
            source=row.get("source") or "",
            published=row.get("published"),
            summary=row.get("summary") or "",
            evidence=ev(row.get("evidence") or []),
            company_evidence=ev(row.get("company_evidence") or []),
            created=row.get("created") or "",
            story_id=row.get("story_id"),
            parties=tuple(PartyMatch.from_dict(p) for p in row.get("parties") or () if isinstance(p, dict)),
        )


def article_text(article: Article) -> str:
    """The text a summary is drawn from: the summary and the body, without repeating one in the other."""
    summary, content = article.summary.strip(), article.content.strip()
    if content and summary and summary[:80] not in content:
        return summary + "\n\n" + content
    return content or summary


def build_alert(article: Article, match: Match, created: str) -> Alert:
    """The alert for `match` on `article`, with an extractive summary around the evidence."""
    terms = [e.text for e in match.evidence] + [e.text for e in match.company_evidence[:2]]
    return Alert(
        id=alert_id(article.id, match.ticker),
        article_id=article.id,
        ticker=match.ticker,
        company=match.company,
        topics=match.topics,
        severity=match.severity,
        stage=match.stage,
        denied=match.denied,
        title=article.title,
        link=article.link,
        source=article.source,
        published=article.published.isoformat() if article.published else None,
        summary=summarise(article.title, article_text(article), terms),
        evidence=match.evidence,
        company_evidence=match.company_evidence,
        created=created,
    )
