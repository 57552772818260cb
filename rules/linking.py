"""Company linking: which watched companies an article is about, with the evidence for each.

Names that are also ordinary words (Amazon, Shell, Visa, ...) count only when capitalised, outside a
known collision phrase ('shell company', 'Amazon rainforest') and confirmed: by another name, brand,
executive or symbol of the same company in the article, or by corporate context next to the word.
A company is linked only when the article is about it (salience), not for a passing mention.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rules.models import Company
from rules.text import Doc, normalise_term

_EXCHANGES = (
    r"NASDAQ|Nasdaq|NYSE|NYSE American|AMEX|LSE|LON|OTC|OTCMKTS|OTCQX|XETRA|ETR|FRA|SIX|SWX|"
    r"TSX|HKEX|HKG|Euronext|AMS|EPA|STO|TYO|ASX|BME|BIT|NSE|BSE|OMX"
)
_SYMBOL = re.compile(rf"\$([A-Z][A-Z.]{{0,5}})\b|\b(?:{_EXCHANGES})\s*:\s*([A-Z0-9][A-Z0-9.\-]{{0,7}})\b")

# Words next to an ambiguous name that show it is the company: 'Amazon said', 'shares of Apple'.
_CONTEXT_AFTER = {
    "inc",
    "corp",
    "co",
    "plc",
    "ltd",
    "said",
    "says",
    "shares",
    "stock",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "ceo",
    "chief",
    "executive",
    "executives",
    "agreed",
    "agrees",
    "pay",
    "pays",
    "paid",
    "fined",
    "sued",
    "sues",
    "accused",
    "denied",
    "denies",
    "announced",
    "announces",
    "unveils",
    "unveiled",
    "launches",
    "launched",
    "reported",
    "reports",
    "posts",
    "posted",
    "revenue",
    "revenues",
    "profit",
    "profits",
    "earnings",
    "quarterly",
    "customers",
    "employees",
    "employee",
    "workers",
    "staff",
    "board",
    "names",
    "named",
    "appoints",
    "hires",
    "fires",
    "fired",
    "sells",
    "sold",
    "buys",
    "bought",
    "acquires",
    "to",
    "settles",
    "settled",
    "will",
    "has",
    "had",
    "is",
    "was",
    "faces",
    "faced",
    "lifts",
    "cuts",
    "raises",
    "trims",
    "beats",
    "misses",
    "slides",
    "jumps",
    "falls",
    "rises",
    "expects",
    "plans",
    "warns",
    "must",
    "opens",
    "signs",
    "wins",
    "loses",
    "boss",
    "founder",
    "investors",
    "shareholders",
    "stores",
    "store",
    "app",
    "platform",
    "services",
    "cloud",
    "devices",
    "products",
    "unit",
    "subsidiary",
    "tells",
    "told",
    "admits",
    "admitted",
    "rejects",
    "disputes",
    "hit",
    "handed",
    "ordered",
    "could",
    "would",
    "did",
    "does",
    "allegedly",
    "knowingly",
    "employees'",
    "workers'",
    "'s",
    "s",
    "stopped",
    "cut",
    "ceased",
}
_CONTEXT_BEFORE = {
    "at",
    "from",
    "against",
    "sued",
    "sues",
    "fined",
    "fines",
    "accuses",
    "accused",
    "of",
    "by",
    "with",
    "on",
    "investors",
    "shares",
    "rival",
    "rivals",
    "giant",
    "retailer",
    "company",
    "firm",
    "group",
    "maker",
    "employer",
    "ex",
    "former",
    "probe",
    "into",
    "examine",
    "examines",
    "and",
    "for",
    "like",
    "including",
    "charges",
    "charged",
}


@dataclass
class Mention:
    """One occurrence of a company's name, symbol or executive in the text."""

    ticker: str
    kind: str  # name, ambiguous, person, symbol
    text: str
    start: int
    end: int
    field: str
    valid: bool = True
    reason: str = ""


@dataclass(frozen=True)
class _Entry:
    ticker: str
    kind: str
    original: str


class CompanyIndex:
    """Watched companies by normalised name key, with collision phrases and listing symbols."""

    def __init__(self, companies: Sequence[Company]) -> None:
        self._companies = {c.ticker: c for c in companies}
        self._entries: dict[str, list[_Entry]] = defaultdict(list)
        self._collisions: dict[str, set[str]] = defaultdict(set)
        self._symbols: dict[str, str] = {}
        for c in companies:
            for kind, values in (("name", c.names), ("ambiguous", c.ambiguous), ("person", c.people)):
                for value in values:
                    key = normalise_term(value)
                    if len(key) >= 2:
                        self._entries[key].append(_Entry(c.ticker, kind, value))
            for phrase in c.collisions:
                self._collisions[normalise_term(phrase)].add(c.ticker)
            for sym in (c.ticker, *c.symbols):
                self._symbols.setdefault(sym.upper(), c.ticker)

    def name_keys(self) -> list[str]:
        return list({*self._entries, *self._collisions})

    def company(self, ticker: str) -> Company:
        return self._companies[ticker]

    def tickers(self) -> list[str]:
        return list(self._companies)

    def entries(self, key: str) -> list[_Entry]:
        return self._entries.get(key, [])

    def collisions(self, key: str) -> set[str]:
        return self._collisions.get(key, set())

    def symbol(self, code: str) -> str | None:
        return self._symbols.get(code.upper())


def _words_around(low: str, start: int, end: int, before: int, after: int) -> tuple[list[str], list[str]]:
    left = re.findall(r"[a-z0-9']+", low[max(0, start - 60) : start])[-before:]
    right = re.findall(r"[a-z0-9']+", low[end : end + 60])[:after]
    return left, right


def _case_ok(original: str, text: str, kind: str) -> bool:
    if original.isupper() and len(original) <= 5:
        return text == original  # acronyms: 'BP' yes, 'bp' no
    if kind == "ambiguous":
        return text[:1].isupper()
    return True


def link_companies(
    index: CompanyIndex, doc: Doc, names: list[tuple[str, int, int]]
) -> tuple[dict[str, list[Mention]], dict[str, float], dict[str, str]]:
    """Mentions per ticker, the linked tickers with their salience, and why others were not linked."""
    mentions: dict[str, list[Mention]] = defaultdict(list)
    collision_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, start, end in names:
        for ticker in index.collisions(key):
            collision_spans[ticker].append((start, end))
    for key, start, end in names:
        text = doc.text[start:end]
        for entry in index.entries(key):
            m = Mention(entry.ticker, entry.kind, text, start, end, doc.field_at(start))
            if not _case_ok(entry.original, text, entry.kind):
                m.valid, m.reason = False, "wrong case"
            elif any(s <= start < e or s < end <= e for s, e in collision_spans.get(entry.ticker, ())):
                m.valid, m.reason = False, "inside a collision phrase"
            mentions[entry.ticker].append(m)
    for match in _SYMBOL.finditer(doc.text):
        code = match.group(1) or match.group(2)
        owner = index.symbol(code)
        if owner:
            mentions[owner].append(
                Mention(
                    owner, "symbol", match.group(0), match.start(), match.end(), doc.field_at(match.start())
                )
            )
    linked: dict[str, float] = {}
    rejected: dict[str, str] = {}
    for ticker, found in mentions.items():
        found.sort(key=lambda m: m.start)
        _confirm_ambiguous(found, doc)
        valid = [m for m in found if m.valid]
        if not valid:
            rejected[ticker] = "; ".join(sorted({f"{m.text!r} {m.reason}" for m in found}))
            continue
        score = salience(valid, doc)
        if score >= SALIENCE_THRESHOLD:
            linked[ticker] = score
        else:
            rejected[ticker] = f"passing mention only (salience {score:.1f} < {SALIENCE_THRESHOLD})"
    return mentions, linked, rejected


def _confirm_ambiguous(found: list[Mention], doc: Doc) -> None:
    strong = any(m.valid and m.kind != "ambiguous" for m in found)
    for m in found:
        if not m.valid or m.kind != "ambiguous" or strong:
            continue
        left, right = _words_around(doc.low, m.start, m.end, 2, 3)
        if (right and right[0] in _CONTEXT_AFTER) or (left and left[-1] in _CONTEXT_BEFORE):
            continue
        m.valid, m.reason = False, "ambiguous name without confirming context"


SALIENCE_THRESHOLD = 2.0
_FIELD_WEIGHT = {"title": 3.0, "lead": 1.5, "body": 0.75}


def salience(valid: list[Mention], doc: Doc) -> float:
    """How much the article is about the company: headline and lead mentions weigh most."""
    score = 0.0
    per_field: dict[str, int] = defaultdict(int)
    for m in valid:
        per_field[m.field] += 1
        if per_field[m.field] <= 3:
            score += _FIELD_WEIGHT[m.field]
        if m.kind == "symbol":
            score += 1.0
    lead_start = doc.spans["lead"][0]
    if any(
        m.field == "lead" and doc.sentence_index(m.start) == doc.sentence_index(lead_start) for m in valid
    ):
        score += 0.5
    return score
