"""Plain data shared by the rules package and its callers."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("low", "medium", "high", "critical")
STAGES = ("allegation", "investigation", "lawsuit", "charges", "settlement", "conviction")


@dataclass(frozen=True)
class Company:
    """A company that can be watched: its display ticker, names and identifiers.

    `names` identify the company on their own; `ambiguous` names (Amazon, Shell, Visa, ...) count
    only with confirming context; `symbols` are listing codes (AMZN, SHEL, LON:GLEN -> GLEN).
    """

    ticker: str
    name: str
    names: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    isins: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    collisions: tuple[str, ...] = ()
    other_sense: tuple[str, ...] = ()
    country: str = ""
    # One issuer may be listed several times (share classes GOOGL/GOOG, foreign lines SIE/SIEGY):
    # `issuer` names it (its primary listing) and `listings` are its listings, primary first.
    issuer: str = ""
    listings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Why something fired: the rule, the matched text, and the sentence it sits in."""

    rule: str
    text: str
    sentence: str
    field: str = "body"  # title, lead or body
    topic: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "rule": self.rule,
            "text": self.text,
            "sentence": self.sentence,
            "field": self.field,
            "topic": self.topic,
        }


@dataclass(frozen=True)
class Match:
    """One article matched against one watched company."""

    ticker: str
    company: str
    topics: tuple[str, ...] = ()
    severity: str = "low"
    stage: str | None = None
    denied: bool = False
    evidence: tuple[Evidence, ...] = ()
    company_evidence: tuple[Evidence, ...] = ()
    salience: float = 0.0
    # every watched listing of the issuer, `ticker` (the primary watched one) first
    listings: tuple[str, ...] = ()

    @property
    def is_risk(self) -> bool:
        return bool(self.topics)


@dataclass(frozen=True)
class WatchSpec:
    """One watched ticker with the extra names a user gave for it."""

    ticker: str
    names: tuple[str, ...] = field(default_factory=tuple)
