"""Company linking: which watched companies an article is about, with the evidence for each.

Names that are also ordinary words (Amazon, Shell, Visa, ...) count only when capitalised, outside a
collision phrase ('shell company', 'Amazon rainforest') and confirmed: by another name, brand, executive
or symbol of the same company, or by corporate context next to the word ('Amazon said'). When the
article holds a word of the other sense ('rainforest', 'blood pressure'), only a strong mention confirms.

A company is linked only when the article is about it (salience): headline mentions and the subject of
the lead weigh most; mentions after 'rivals such as', 'competes with', 'supplier to' weigh little.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from rules.directory import ORDINARY_WORD_ZIPF, word_zipf
from rules.models import Company
from rules.text import Doc, normalise_term

_EXCHANGES = (
    r"NASDAQ|Nasdaq|NYSE|NYSE American|AMEX|LSE|LON|OTC|OTCMKTS|OTCQX|XETRA|ETR|FRA|SIX|SWX|"
    r"TSX|HKEX|HKG|Euronext|AMS|EPA|STO|TYO|ASX|BME|BIT|NSE|BSE|OMX"
)
_SYMBOL = re.compile(rf"\$([A-Z][A-Z.]{{0,5}})\b|\b(?:{_EXCHANGES})\s*:\s*([A-Z0-9][A-Z0-9.\-]{{0,7}})\b")
_WORDS = re.compile(r"[a-z0-9]+")
_UNCONFIRMED = "ambiguous name without confirming context"
_OTHER_SENSE_HERE = "a collocation of the word's other sense"
_US_EXCHANGES = frozenset({"NASDAQ", "NYSE", "NYSE AMERICAN", "AMEX", "OTC", "OTCMKTS", "OTCQX"})
# where an American company is based, as the directory writes it ('Newark, New Jersey', 'United States')
_US_PLACES = frozenset(
    {
        "United States",
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "Florida",
        "Georgia",
        "Hawaii",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Louisiana",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Michigan",
        "Minnesota",
        "Mississippi",
        "Missouri",
        "Montana",
        "Nebraska",
        "Nevada",
        "New Hampshire",
        "New Jersey",
        "New Mexico",
        "New York",
        "North Carolina",
        "North Dakota",
        "Ohio",
        "Oklahoma",
        "Oregon",
        "Pennsylvania",
        "Rhode Island",
        "South Carolina",
        "South Dakota",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Virginia",
        "Washington",
        "West Virginia",
        "Wisconsin",
        "Wyoming",
        "District of Columbia",
    }
)

MARKET = "*"  # the collision owner of market phrases: they collide for every company
SALIENCE_THRESHOLD = 2.0
_TITLE, _LEAD_SUBJECT, _LEAD, _BODY = 3.0, 2.0, 1.0, 0.5
_PASSING_FACTOR = 0.25
_RISK_SENTENCE_BONUS = 0.5
_BODY_ONLY_CAP = 1.5
_OFFSTAGE_THRESHOLD = 3.0
_DECISION_BAR = max(SALIENCE_THRESHOLD, _OFFSTAGE_THRESHOLD)  # salience past it decides nothing more


@dataclass(frozen=True)
class LinkingWords:
    """The word lists of rules/data/linking.toml."""

    context_after: frozenset[str]
    context_before: frozenset[str]
    passing_before: frozenset[tuple[str, ...]]  # phrases as word tuples
    passing_after: frozenset[str]
    # an ambiguous name right before / after these is the other sense: 'Southern District', 'Corning,
    # N.Y.', 'Mount Everest', 'Gerald R. Ford' (an initial before it: a person)
    other_sense_after: frozenset[tuple[str, ...]] = frozenset()
    other_sense_before: frozenset[str] = frozenset()
    # phrases naming markets, indices and listings, never their operator: 'S&P 500', 'Nasdaq-listed'
    market: tuple[str, ...] = ()
    # capitalised words that are not first names, before an ambiguous name ("on Monday Shell said")
    not_first_names: frozenset[str] = frozenset()
    # right after any name, a term named after it ('Chevron doctrine'): never the company
    term_after: frozenset[str] = frozenset()
    # right after a name joined by a hyphen, it only qualifies something else ('Boeing-built')
    modifier_after_hyphen: frozenset[str] = frozenset()
    # verbs of handing data over: 'shared ... with Meta' makes Meta the recipient, in passing
    handing_over: frozenset[str] = frozenset()
    # a unit's name after these is the object of a deal ('to buy Aerojet Rocketdyne')
    acquiring: frozenset[tuple[str, ...]] = frozenset()
    # after a name and "'s", these make it a passing mention: "Apple's rival", "Nvidia's appetite for"
    passing_after_possessive: frozenset[str] = frozenset({"rival"})
    # common first names: before an ambiguous name at the start of a sentence too ("Peter Williams, ...")
    first_names: frozenset[str] = frozenset()
    # words by which a headline speaks of a company without naming it ('maker', 'giant', 'lender')
    describing: frozenset[str] = frozenset()
    # after an ambiguous name, another organisation's name ('Cadence Bancorporation')
    organisation_after: frozenset[str] = frozenset()
    # ambiguous names that are adjectives ('Norwegian power supplier')
    adjective_names: frozenset[str] = frozenset()
    # words marking a body sentence as the story's background ('The action follows ...')
    background: tuple[str, ...] = ()
    # platform products, and the words after one that make it the setting of someone else's story
    platform_products: frozenset[str] = frozenset()
    platform_setting: frozenset[tuple[str, ...]] = frozenset()

    @classmethod
    @cache
    def default(cls) -> LinkingWords:
        text = resources.files("rules").joinpath("data/linking.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
        return cls(
            frozenset(data["context_after"]),
            frozenset(data["context_before"]),
            frozenset(tuple(normalise_term(p).split()) for p in data["passing_before"]),
            frozenset(data["passing_after"]),
            frozenset(tuple(normalise_term(p).split()) for p in data.get("other_sense_after", [])),
            frozenset(normalise_term(p) for p in data.get("other_sense_before", [])),
            tuple(data.get("market", [])),
            frozenset(w.lower() for w in data.get("not_first_names", [])),
            frozenset(normalise_term(w) for w in data.get("term_after", [])),
            frozenset(normalise_term(w) for w in data.get("modifier_after_hyphen", [])),
            frozenset(normalise_term(w) for w in data.get("handing_over", [])),
            frozenset(tuple(normalise_term(p).split()) for p in data.get("acquiring", [])),
            frozenset(normalise_term(w) for w in data.get("passing_after_possessive", ["rival"])),
            frozenset(w.lower() for w in data.get("first_names", [])),
            frozenset(normalise_term(w) for w in data.get("describing", [])),
            frozenset(data.get("organisation_after", [])),
            frozenset(w.lower() for w in data.get("adjective_names", [])),
            tuple(normalise_term(w) for w in data.get("background", [])),
            frozenset(data.get("platform_products", [])),
            frozenset(tuple(normalise_term(w).split()) for w in data.get("platform_setting", [])),
        )


@dataclass(slots=True)
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
    weight: float = 0.0


@dataclass(frozen=True)
class _Entry:
    ticker: str
    kind: str
    original: str


class CompanyIndex:
    """Watched companies by normalised name key, with collision phrases, other-sense words and symbols."""

    def __init__(self, companies: Sequence[Company], words: LinkingWords | None = None) -> None:
        self._companies = {c.ticker: c for c in companies}
        # one issuer, many listings: the watched listings of each issuer, primary first
        watched_by_issuer: dict[str, list[str]] = defaultdict(list)
        for c in companies:
            watched_by_issuer[c.issuer or c.ticker].append(c.ticker)
        self._listings: dict[str, tuple[str, ...]] = {}
        for c in companies:
            group = watched_by_issuer[c.issuer or c.ticker]
            order = {t: i for i, t in enumerate(c.listings)}
            self._listings[c.ticker] = tuple(sorted(group, key=lambda t: (order.get(t, len(order)), t)))
        self._entries: dict[str, list[_Entry]] = defaultdict(list)
        self._collisions: dict[str, set[str]] = defaultdict(set)
        self._other_sense: dict[str, set[str]] = defaultdict(set)
        self._symbols: dict[str, str] = {}
        self._info: dict[str, tuple[list[_Entry], set[str], set[str], bool]] = {}
        for c in companies:
            for kind, values in (("name", c.names), ("ambiguous", c.ambiguous), ("person", c.people)):
                for value in values:
                    key = normalise_term(value)
                    held = self._entries[key]
                    # 'JPMorgan Chase' and 'JPMorgan Chase &' are one key: one entry per company and kind
                    if len(key) >= 2 and not any(e.ticker == c.ticker and e.kind == kind for e in held):
                        held.append(_Entry(c.ticker, kind, value))
            for phrase in c.collisions:
                self._collisions[normalise_term(phrase)].add(c.ticker)
            for word in c.other_sense:
                self._other_sense[normalise_term(word)].add(c.ticker)
            for sym in (c.ticker, *c.symbols):
                self._symbols.setdefault(sym.upper(), c.ticker)
        # market phrases collide for every company ('Nasdaq Composite', 'S&P 500', 'Dow Jones')
        for phrase in (words or LinkingWords.default()).market:
            self._collisions[normalise_term(phrase)].add(MARKET)
        # the keys that are only a name (no collision phrase, no other sense, not only ambiguous names),
        # by far the most of them: such a hit is a candidate mention with nothing else to check
        self._plain: dict[str, list[_Entry]] = {
            key: entries
            for key, entries in self._entries.items()
            if key not in self._collisions
            and key not in self._other_sense
            and not all(e.kind == "ambiguous" for e in entries)
        }

    def listings(self, ticker: str) -> tuple[str, ...]:
        """The watched listings of `ticker`'s issuer, the one reported first."""
        return self._listings.get(ticker, (ticker,))

    def name_keys(self) -> list[str]:
        return list({*self._entries, *self._collisions, *self._other_sense})

    def company(self, ticker: str) -> Company:
        return self._companies[ticker]

    def key_info(self, key: str) -> tuple[list[_Entry], set[str], set[str], bool]:
        """Of a name key: (entries, tickers it collides for, tickers it gives another sense for, whether
        every entry is an ambiguous name: then only the word written with a capital can be the company)."""
        info = self._info.get(key)
        if info is None:
            entries = self._entries.get(key, [])
            info = self._info[key] = (
                entries,
                self._collisions.get(key, set()),
                self._other_sense.get(key, set()),
                all(e.kind == "ambiguous" for e in entries),
            )
        return info

    def symbol(self, code: str) -> str | None:
        return self._symbols.get(code.upper())


def _listing_owner(index: CompanyIndex, match: re.Match[str]) -> str | None:
    """The watched company a listing symbol names. A symbol on a stock exchange outside the US ('(LSE:
    PRU)', '(STO: EQT)') is another company's listing when the company with those letters is American."""
    ticker = index.symbol(match.group(1) or match.group(2))
    if ticker is None or match.group(1):
        return ticker
    exchange = match.group(0).split(":")[0].strip().upper()
    return None if exchange not in _US_EXCHANGES and _american(index.company(ticker)) else ticker


def _american(company: Company) -> bool:
    if any(isin.startswith("US") for isin in company.isins):
        return True
    return company.country.split(";")[0].split(",")[-1].strip() in _US_PLACES


def _has_capital(text: str) -> bool:
    return text[:1].isupper() or text != text.lower()


def _case_ok(original: str, text: str, kind: str) -> bool:
    if original.isupper() and len(original) <= 5:
        return text == original  # acronyms: 'BP' yes, 'bp' no
    if kind == "ambiguous":
        return text[:1].isupper()
    # a capitalised name written all in lower case is its words' ordinary sense ('use genuine parts',
    # 'a waste management crisis', 'analog devices'), in a text that capitalises elsewhere
    if kind == "name" and original[:1].isupper() and text.islower():
        # ('onsemi', a brand written in lower case, is still the company)
        return " " not in text and word_zipf(text) < ORDINARY_WORD_ZIPF
    # the same when only its first word is capitalised, as a sentence starts ('Public storage of medical
    # records', 'Waste management crisis deepens')
    if kind == "name" and " " in original:
        pairs = list(zip(original.split()[1:], text.split()[1:], strict=False))
        if any(o[:1].isupper() and t.islower() for o, t in pairs):
            return False
    return True


def _words_before(low: str, start: int, count: int) -> list[str]:
    # the normalised text has spaces at every word boundary, so split() gives the words
    return low[max(0, start - 60) : start].split()[-count:]


def _words_after(low: str, end: int, count: int) -> list[str]:
    return low[end : end + 60].split()[:count]


def link_companies(
    index: CompanyIndex,
    doc: Doc,
    names: list[tuple[str, int, int]],
    risk_sentences: Collection[int] = (),
    words: LinkingWords | None = None,
    *,
    decide_only: bool = False,
) -> tuple[dict[str, list[Mention]], dict[str, float], dict[str, str]]:
    """Mentions per ticker, the linked tickers with their salience, and why the others were not linked.

    `names` are (normalised key, start, end) hits of the automaton, in its order (by end);
    `risk_sentences` the indices of sentences where topic rules fired (a company named there is more
    likely the subject). With
    `decide_only`, salience stops adding up once it clears every threshold a decision compares it with
    (faster; same decisions).
    """
    words = words or LinkingWords.default()
    mentions: dict[str, list[Mention]] = defaultdict(list)
    collision_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    other_sense: set[str] = set()
    hits = []
    text_of = doc.text
    # a field written all in lower case ("meta fined €91m by irish regulator") says nothing by case
    caseless = {f for f, (a, b) in doc.spans.items() if b > a and not _has_capital(text_of[a:b])}
    key_info, known, plain = index.key_info, index._info, index._plain
    # 'next', 'target', 'apple' in lower case: never the company. When only the decision matters they
    # are set aside once every name has been weighed against the others and the headline looked at,
    # so that both modes see the same names there
    never: set[tuple[int, int]] = set()
    for key, start, end in names:
        only_a_name = plain.get(key)
        if only_a_name is not None:
            hits.append((only_a_name, start, end))
            continue
        entries, collides, senses, all_ambiguous = known.get(key) or key_info(key)
        for ticker in collides:
            collision_spans[ticker].append((start, end))
        if senses:
            other_sense.update(senses)
        if not entries:
            continue
        if (
            decide_only
            and all_ambiguous
            and text_of[start].islower()
            and (not caseless or doc.field_at(start) not in caseless)
        ):
            never.add((start, end))
        hits.append((entries, start, end))
    _drop_inside_other_names(hits)
    symbols = [
        (_listing_owner(index, match), match)
        for match in (_SYMBOL.finditer(text_of) if ("$" in text_of or ":" in text_of) else ())
    ]
    # A company named only in the body is not linked on its salience (see `salience`): when only the
    # decision matters, companies that the headline and lead never name are not looked at any further,
    # unless nobody is named there (see `_link_body_subject`).
    head: set[str | None] | None = None
    title_end = doc.spans["title"][1]
    described = not any(start <= title_end for _, start, _ in hits) and describes_a_company(doc, words)
    if never:
        hits = [hit for hit in hits if (hit[1], hit[2]) not in never]
    head_end = doc.spans["lead"][1]
    # whether the headline and lead hold any company name or symbol, as the automaton found them (in
    # either mode, before any is judged)
    named_up_top = any(start <= head_end for _, start, _ in names) or any(
        match.start() <= head_end for _, match in symbols
    )
    if decide_only and not described and (named_up_top or not risk_sentences):
        # (nobody in the headline or lead: the risk's subject may be named below, see
        # `_link_body_subject`)
        head = {e.ticker for entries, start, _ in hits if start <= head_end for e in entries}
        head.update(owner for owner, match in symbols if match.start() <= head_end)
    # an exchange named in a listing symbol ('(NASDAQ: AMZN)') is where the shares trade, not a company
    symbol_spans = [(match.start(), match.end()) for _, match in symbols]
    market = collision_spans.get(MARKET, [])
    title_end, lead_end = doc.spans["title"][1], doc.spans["lead"][1]  # as Doc.field_at
    for entries, start, end in hits:
        if head is not None:
            if len(entries) == 1:  # most names belong to one company
                if entries[0].ticker not in head:
                    continue
            else:
                entries = [e for e in entries if e.ticker in head]
                if not entries:
                    continue
        text = text_of[start:end]
        field = "title" if start <= title_end else "lead" if start <= lead_end else "body"
        in_symbol = bool(symbol_spans) and any(s <= start < e for s, e in symbol_spans)
        in_market = bool(market) and any(s <= start < e or s < end <= e for s, e in market)
        for entry in entries:
            m = Mention(entry.ticker, entry.kind, text, start, end, field)
            if field not in caseless and not _case_ok(entry.original, text, entry.kind):
                m.valid, m.reason = False, "wrong case"
            elif in_symbol:
                m.valid, m.reason = False, "the exchange of a listing symbol"
            elif in_market:
                m.valid, m.reason = False, "names a market or index, not the company"
            elif entry.ticker in collision_spans and any(
                s <= start < e or s < end <= e for s, e in collision_spans[entry.ticker]
            ):
                m.valid, m.reason = False, "inside a collision phrase"
            elif words.term_after and _names_a_term(doc.low, end, words):
                m.valid, m.reason = False, "part of a term named after it"
            elif _AGE_AFTER.match(text_of, end):
                m.valid, m.reason = False, "a person's name: an age follows it"
            elif text_of[end : end + 1] == "-" and len(text.rsplit(None, 1)[-1]) <= 3 and " " in text:
                m.valid, m.reason = False, "the start of a hyphenated word"  # 'Southern Co-op'

            mentions[entry.ticker].append(m)
    title_owners: set[str | None] = set()
    first_title_symbol = _first_title_symbol(symbols, title_end)
    for owner, match in symbols:
        if match.start() < title_end:
            title_owners.add(owner)
        if owner and (head is None or owner in head):
            field = doc.field_at(match.start())
            mentions[owner].append(
                Mention(owner, "symbol", match.group(0), match.start(), match.end(), field)
            )
    if symbols:
        _named_with_another_listing(index, mentions, symbols, text_of)
    linked: dict[str, float] = {}
    rejected: dict[str, str] = {}
    named = _name_spans(mentions)
    spelled_out: dict[str, str | None] = {}  # what the article spells each acronym out as, on first need
    runs: list[list[str]] | None = None
    for ticker, found in mentions.items():
        found.sort(key=lambda m: m.start)
        _drop_nested(found)
        if words.acquiring:
            _drop_acquired_units(found, doc, index.company(ticker).name, words)
        _confirm_ambiguous(found, doc, ticker in other_sense, words, named)
        american: bool | None = None
        for m in found:
            if (
                m.valid
                and m.kind != "symbol"
                and not _FOREIGN_FORMS.isdisjoint(_words_after(doc.low, m.end, 1))
            ):
                american = _american(index.company(ticker)) if american is None else american
                if american:  # 'Merck KGaA' is not Merck & Co.
                    m.valid, m.reason = False, "a company of that name incorporated abroad"
                    continue
            if m.valid and m.kind != "symbol" and _ACRONYM.fullmatch(m.text):
                if m.text not in spelled_out:
                    spelled_out[m.text], runs = _spelled_out(doc.text, m.text, runs)
                phrase = spelled_out[m.text]
                if phrase and not _own_name(index.company(ticker), phrase):
                    m.valid, m.reason = False, f"short for {phrase!r} here"
    _confirm_listed_with_confirmed(mentions, doc.text)
    context = _headline_context(doc, mentions)
    for ticker, found in mentions.items():
        valid = [m for m in found if m.valid]
        if not valid:
            rejected[ticker] = "; ".join(sorted({f"{m.text!r} {m.reason}" for m in found}))
            continue
        # another company's symbol (watched or not) in the headline marks that one as the subject
        foreign_symbol = bool(title_owners - {ticker})
        score = salience(
            valid,
            doc,
            risk_sentences,
            words,
            # the highest bar a decision compares with: an offstage company must clear the higher one
            stop_at=_DECISION_BAR if decide_only else None,
            title_weight=_TITLE / 2 if foreign_symbol else _TITLE,
            subordinate=_after_other_symbol(valid, ticker, first_title_symbol, doc),
            context=[span for span, others in context if others - {ticker}],
        )
        in_title = [m for m in valid if m.field == "title" and m.kind != "symbol"]
        if in_title and score < _OFFSTAGE_THRESHOLD and all(m.reason == "passing" for m in in_title):
            # the headline names it only in a passing role (the supplier's customer, the tool employees
            # used): such a story is about it only when the rest of the lead carries it
            rejected[ticker] = (
                f"named in the headline only in passing (salience {score:.2f} < {_OFFSTAGE_THRESHOLD:g})"
            )
        elif score >= SALIENCE_THRESHOLD:
            linked[ticker] = score
        else:
            rejected[ticker] = f"passing mention only (salience {score:.2f} < {SALIENCE_THRESHOLD:g})"
    _demote_offstage(linked, rejected, mentions)
    if linked and risk_sentences:
        _link_co_named(doc, mentions, linked, rejected, risk_sentences)
    if described and not linked:
        _link_the_described(doc, mentions, linked, rejected, risk_sentences)
    if not linked and risk_sentences and not described and not named_up_top:
        _link_body_subject(doc, mentions, linked, rejected, risk_sentences)
    _shared_names(index, linked, rejected, mentions, doc)
    _one_listing_per_issuer(index, linked, rejected)
    return mentions, linked, rejected


def _link_body_subject(
    doc: Doc,
    mentions: dict[str, list[Mention]],
    linked: dict[str, float],
    rejected: dict[str, str],
    risk_sentences: Collection[int],
) -> None:
    """A headline and lead that name no company (a market wrap, a feature; the caller checks), with the
    risk told in the body about one company named again and again in the sentences that carry it ('Meta
    said it had stopped using a technique that...'): that company is the risk's subject. Named at least three
    times, at least twice in risk sentences other than in passing, and more often there than any other
    company."""
    counts: dict[str, int] = {}
    for ticker, found in mentions.items():
        valid = [m for m in found if m.valid]
        in_risk = sum(
            1 for m in valid if m.reason != "passing" and doc.sentence_index(m.start) in risk_sentences
        )
        if len(valid) >= 3 and in_risk >= 2:
            counts[ticker] = in_risk
    if not counts:
        return
    best = max(counts.values())
    top = [t for t, n in counts.items() if n == best]
    if len(top) == 1:
        linked[top[0]] = SALIENCE_THRESHOLD
        rejected.pop(top[0], None)


# legal forms of companies incorporated outside the US, as written after the name
_FOREIGN_FORMS = frozenset({"ag", "se", "sa", "nv", "kgaa", "plc", "asa", "ab", "oyj", "spa", "gmbh", "bv"})
_ACRONYM = re.compile(r"[A-Z]{3,5}")
_CAPITALISED_RUN = re.compile(
    r"[A-Z][A-Za-z'\u2019\-]*(?:\s+(?:(?:of|and|for|on|&)\s+)?[A-Z][A-Za-z'\u2019\-]*)+"
)
_DEFINED = re.compile(r"((?:[\w'\u2019-]+\s+){2,6})\(([A-Z]{3,5})\)")
_CONNECTORS = frozenset({"of", "and", "for", "on", "&"})
_ARTICLES = frozenset({"The", "A", "An"})


def _spelled_out(text: str, acronym: str, runs: list[list[str]] | None) -> tuple[str | None, list[list[str]]]:
    """The words `text` spells `acronym` with, if any: a definition in parentheses ('wet age-related
    macular degeneration (AMD)') or a run of capitalised words with those initials ('Prudential
    Regulation Authority' -> PRA, 'Department of Justice' -> DOJ and DJ). `runs` (the capitalised runs'
    words, found on first need) comes back for the next acronym of the same text."""
    if f"({acronym})" in text:
        for defined in _DEFINED.finditer(text):
            if defined.group(2) != acronym:
                continue
            words = defined.group(1).split()
            for k in range(2, min(len(words), 6) + 1):
                if "".join(w[0] for w in words[-k:]).upper() == acronym:
                    return " ".join(words[-k:]), runs or []
    if runs is None:
        runs = [run.group(0).split() for run in _CAPITALISED_RUN.finditer(text)]
    size = len(acronym)
    for tokens in runs:
        if len(tokens) < 2:
            continue
        for words, letters in (
            (ws := [t for t in tokens if t not in _CONNECTORS], "".join(w[0] for w in ws)),
            (ts := [t for t in tokens if t != "&"], "".join(t[0].upper() for t in ts)),
        ):
            at = letters.find(acronym)
            while at != -1:
                first, last = words[at], words[at + size - 1]
                if first not in _CONNECTORS and first not in _ARTICLES and last not in _CONNECTORS:
                    return " ".join(words[at : at + size]), runs
                at = letters.find(acronym, at + 1)
    return None, runs


def _own_name(company: Company, phrase: str) -> bool:
    key = normalise_term(phrase.replace("\u2019s", "").removesuffix("'s"))
    return any(normalise_term(n) == key for n in (company.name, *company.names, *company.ambiguous))


_BEFORE_SYMBOL = re.compile(r"(?:'s)?(?:\s+[A-Z][\w&.'-]*){0,3}\s*\(")


def _named_with_another_listing(
    index: CompanyIndex,
    mentions: dict[str, list[Mention]],
    symbols: list[tuple[str | None, re.Match[str]]],
    text: str,
) -> None:
    """'APA Group (ASX: APA)': a name followed by a listing symbol that is not its company's names
    the company of that listing (here an Australian one), not the watched company of the name."""
    owner_at = {match.start(): (owner, match) for owner, match in symbols}
    for ticker, found in mentions.items():
        for m in found:
            if not m.valid or m.kind == "symbol":
                continue
            gap = _BEFORE_SYMBOL.match(text, m.end)
            if gap is None:
                continue
            at = gap.end()
            if at not in owner_at or owner_at[at][0] == ticker:
                continue
            owner, match = owner_at[at]
            foreign = match.group(0).split(":")[0].strip().upper() not in _US_EXCHANGES
            if (owner is None and foreign) or (owner is not None and owner not in index.listings(ticker)):
                m.valid, m.reason = False, "named with another company's listing symbol"


def describes_a_company(doc: Doc, words: LinkingWords) -> bool:
    """Whether the headline speaks of a company by what it is ('Missile maker to pay...', 'Search
    giant paid card network...', "Electric-car maker's former investigator says...")."""
    a, b = doc.spans["title"]
    return not words.describing.isdisjoint(doc.low[a:b].split())


def _link_the_described(
    doc: Doc,
    mentions: dict[str, list[Mention]],
    linked: dict[str, float],
    rejected: dict[str, str],
    risk_sentences: Collection[int],
) -> None:
    """A headline that describes a company without naming it is about the company the text below
    names most (at least twice, not in passing), and in a sentence that carries the risk when it is
    named only twice; a second company the text names as often is linked too."""
    counts: dict[str, int] = {}
    risky: set[str] = set()
    for ticker, found in mentions.items():
        named = [m for m in found if m.valid and m.field != "title" and m.reason != "passing"]
        if len(named) >= 2:
            counts[ticker] = len(named)
            if any(doc.sentence_index(m.start) in risk_sentences for m in named):
                risky.add(ticker)
    counts = {t: n for t, n in counts.items() if n >= 3 or t in risky}
    if not counts:
        return
    top = max(counts.values())
    for ticker, n in sorted(counts.items(), key=lambda kv: -kv[1])[:2]:
        if n * 2 >= top:
            linked[ticker] = SALIENCE_THRESHOLD
            rejected.pop(ticker, None)


def _shared_names(
    index: CompanyIndex,
    linked: dict[str, float],
    rejected: dict[str, str],
    mentions: dict[str, list[Mention]],
    doc: Doc,
) -> None:
    """Two issuers of one name ('Merck': Merck & Co. and Merck KGaA): the article is about the one its
    words point to. A company whose every mention is a name the other linked issuer also has, while that
    one has more (its own name, brand or symbol too), is not linked. With nothing else to tell them
    apart, a legal form from outside the US after the name ('Merck KGaA') points to the foreign company,
    and otherwise the name is the American company's."""
    if len(linked) < 2:
        return
    evidence = {
        t: {normalise_term(m.text) if m.kind != "symbol" else f"${m.text}" for m in mentions[t] if m.valid}
        for t in linked
    }
    issuer = {t: index.company(t).issuer or t for t in linked}

    def loses_to(ticker: str, other: str) -> bool:
        own, theirs = evidence[ticker], evidence[other]
        if issuer[other] == issuer[ticker] or not own <= theirs:
            return False
        if own < theirs:
            return True
        american, other_american = _american(index.company(ticker)), _american(index.company(other))
        if american == other_american:
            return False
        foreign_form = any(
            m.valid and not _FOREIGN_FORMS.isdisjoint(_words_after(doc.low, m.end, 1))
            for m in mentions[ticker]
        )
        return other_american != foreign_form

    for ticker in list(linked):
        winner = next((o for o in linked if o != ticker and loses_to(ticker, o)), None)
        if winner is not None:
            linked.pop(ticker)
            rejected[ticker] = f"named only by a name {winner} shares, and the article points to {winner}"


def _one_listing_per_issuer(index: CompanyIndex, linked: dict[str, float], rejected: dict[str, str]) -> None:
    """An article about an issuer is linked once, under its first watched listing (GOOGL before GOOG);
    the match carries the others (`Match.listings`) for the channels that watch them."""
    for ticker in list(linked):
        listings = index.listings(ticker)
        if len(listings) > 1 and ticker != listings[0]:
            primary = listings[0]
            score = linked.pop(ticker)
            if primary not in linked:
                linked[primary] = score
                rejected.pop(primary, None)
            rejected[ticker] = f"another listing of the same issuer, reported as {primary}"


def _drop_inside_other_names(hits: list[tuple[list[_Entry], int, int]]) -> None:
    """'Southern' inside 'Norfolk Southern', 'Discover' inside 'Discover Financial': a name inside a
    longer name of another company is part of that name. (Within one company, `_drop_nested` keeps
    the longest mention and explains the shorter one.) `hits` are in the order of their ends."""
    # A name can only lie inside a name that overlaps it, so only runs of overlapping names are
    # compared with each other. Walking back from the last end, a name joins the run on its right
    # when it ends after the run's first start (the run covers one stretch of text).
    dropped: list[int] = []
    i = len(hits) - 1
    while i > 0:
        first_start = hits[i][1]
        j = i - 1
        while j >= 0 and hits[j][2] > first_start:
            first_start = min(first_start, hits[j][1])
            j -= 1
        if j < i - 1:
            dropped += _inside_other_names(hits, range(j + 1, i + 1))
        i = j
    if dropped:
        gone = set(dropped)
        hits[:] = [hit for k, hit in enumerate(hits) if k not in gone]


def _inside_other_names(hits: list[tuple[list[_Entry], int, int]], run: range) -> list[int]:
    """The indices of the hits in `run` (overlapping ones) that lie inside another company's name."""
    spans = [(hits[k][1], hits[k][2], {e.ticker for e in hits[k][0]}) for k in run]
    out = []
    for k, (start, end, mine) in zip(run, spans, strict=True):
        outer = [owners for s, e, owners in spans if s <= start and end <= e and (s, e) != (start, end)]
        if not outer:
            continue
        if not any(owners & mine for owners in outer):
            out.append(k)
            continue
        # a name two companies share, inside the longer name of one of them ('Hewlett Packard' in
        # 'Hewlett Packard Enterprise'): it is that one's
        keep = set().union(*(owners & mine for owners in outer))
        if keep != mine:
            hits[k] = ([e for e in hits[k][0] if e.ticker in keep], start, end)
    return out


def _demote_offstage(
    linked: dict[str, float], rejected: dict[str, str], mentions: dict[str, list[Mention]]
) -> None:
    """When the headline names a linked company, another linked company missing from the headline needs
    more than the usual evidence: such stories are about the one the headline names."""
    in_title = {t for t in linked if any(m.valid and m.field == "title" for m in mentions[t])}
    if not in_title:
        return
    for ticker in [t for t in linked if t not in in_title]:
        if linked[ticker] < _OFFSTAGE_THRESHOLD:
            rejected[ticker] = (
                f"not in the headline, which names another company (salience {linked.pop(ticker):.2f} "
                f"< {_OFFSTAGE_THRESHOLD:g})"
            )


_JOINT = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+or\s+)")


def _link_co_named(
    doc: Doc,
    mentions: dict[str, list[Mention]],
    linked: dict[str, float],
    rejected: dict[str, str],
    risk_sentences: Collection[int],
) -> None:
    """'officials were seeking records from Apple and Google': in the lead's sentence that carries the
    risk, a company joined by 'and' or a comma to the company the headline names shares its role (both
    were asked, sued, fined), unless its mention there is a passing one ('rivals Apple and Google')."""
    in_title = [t for t in linked if any(m.valid and m.field == "title" for m in mentions[t])]
    if not in_title:
        return
    partners = [
        m for t in in_title for m in mentions[t] if m.valid and m.field == "lead" and m.reason != "passing"
    ]
    if not partners:
        return
    text = doc.text
    for ticker in [t for t in rejected if t in mentions]:
        for m in mentions[ticker]:
            if not m.valid or m.field != "lead" or m.kind == "symbol" or m.reason == "passing":
                continue
            if doc.sentence_index(m.start) not in risk_sentences:
                continue
            if any(
                _JOINT.fullmatch(text[p.end : m.start]) or _JOINT.fullmatch(text[m.end : p.start])
                for p in partners
            ):
                linked[ticker] = max(m.weight, SALIENCE_THRESHOLD)
                del rejected[ticker]
                break


# 'Philip Morris, 82, a local veteran': a person's name with their age
_AGE_AFTER = re.compile(r",\s*\d{1,3}\s*,(?!\d)")

_CONTEXT_OPENERS = (
    "after ",
    "amid ",
    "following ",
    "despite ",
    "with ",
    "as ",
    "in the wake of ",
    "in the shadow of ",
    "months after ",
    "weeks after ",
    "days after ",
    "years after ",
    "a year after ",
    "a day after ",
    "a week after ",
    "in ",
)
_CONTEXT_JOINTS = ("; ", " as ", " while ")


def _headline_context(doc: Doc, mentions: dict[str, list[Mention]]) -> list[tuple[tuple[int, int], set[str]]]:
    """The headline's context clauses, each with the companies named in the rest of the headline: what
    follows a semicolon, 'as' or 'while' ('Kroger-Albertsons merger collapses; Walmart seen as winner',
    'Skyworks slides as Apple shifts modem design in-house'), and an opening 'After ...,' or 'Amid ...,'
    clause. A company named only there is context when another company is named in the main clause."""
    a, b = doc.spans["title"]
    spans: list[tuple[int, int]] = []
    title = doc.text[a:b]
    cut = min((i for i in (title.find(j) for j in _CONTEXT_JOINTS) if i > 0), default=-1)
    if cut > 0:
        spans.append((a + cut, b))
    if title.lower().startswith(_CONTEXT_OPENERS) and "," in title:
        spans.append((a, a + title.index(",")))
    if not spans:
        return []
    named = [(m.start, t) for t, found in mentions.items() for m in found if m.valid and m.field == "title"]
    out = []
    for lo, hi in spans:
        outside = {t for start, t in named if not lo <= start < hi}
        out.append(((lo, hi), outside))
    return out


def _drop_nested(found: list[Mention]) -> None:
    """'Amazon Web Services' also contains 'Amazon': keep only the longest mention at a place.

    `found` is sorted by start; a mention inside the span of an earlier, longer one is dropped."""
    if all(a.end <= b.start for a, b in pairwise(found)):
        return  # nothing overlaps (most articles)
    reach_end = -1
    reach_start = -1
    for m in sorted(found, key=lambda x: (x.start, x.start - x.end)):
        if m.start >= reach_start and m.end <= reach_end and (m.start, m.end) != (reach_start, reach_end):
            m.valid, m.reason = False, "part of a longer name"
        elif m.end > reach_end:
            reach_start, reach_end = m.start, m.end


_PREFIXES = frozenset(
    {"ex", "pro", "anti", "non", "post", "pre", "mid", "sino", "euro", "pan", "trans", "u.s."}
)


_UNIT_SPEAKS = frozenset(
    {
        "said",
        "says",
        "told",
        "denied",
        "denies",
        "confirmed",
        "confirms",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "chief",
        "head",
        "ceo",
        "president",
        "unit",
        "subsidiary",
    }
)


def _unit_of_place(m: Mention, doc: Doc, after: tuple[str, ...]) -> bool:
    """'Intel China said', 'Amazon Europe Core': the word after the place says the company's unit in
    that place is meant (it speaks, or its name goes on in capitals)."""
    if after[1] in _UNIT_SPEAKS:
        return True
    following = doc.text[m.end : m.end + 60].split("\n", 1)[0].split()[1:2]  # in the same line
    return bool(following) and following[0][:1].isupper() and following[0].isalpha()


def _other_sense_here(m: Mention, doc: Doc, words: LinkingWords) -> bool:
    """'Southern District', 'Corning, N.Y.', 'Mount Everest', 'Gerald R. Ford': the word's other sense."""
    after = tuple(_words_after(doc.low, m.end, 3))
    if any(after[:n] in words.other_sense_after for n in (1, 2, 3)):
        # ('Intel China said', 'Apple India's head', 'Amazon Europe Core': the company's unit in that
        # country speaking, or the unit's own name)
        return not (len(after) > 1 and after[:1] in words.other_sense_after and _unit_of_place(m, doc, after))
    before = _words_before(doc.low, m.start, 2)
    if not before:
        return False
    if before[-1] in words.other_sense_before or " ".join(before) in words.other_sense_before:
        return True
    before = before[-1:]
    # the second half of a hyphenated name ('Sarah Wynn-Williams', 'Saint-Gobain'), not a prefix ('Ex-Meta')
    if m.start > 1 and doc.text[m.start - 1] == "-":
        joined = doc.text[max(0, m.start - 30) : m.start - 1].split()[-1:]
        if joined and joined[0][:1].isupper() and joined[0].lower() not in _PREFIXES and len(joined[0]) > 2:
            return True
    # an initial right before it ('Gerald R. Ford', 'J. Lo'): part of a person's name
    gap = doc.text[max(0, m.start - 3) : m.start]
    if len(before[0]) == 1 and gap.endswith(". ") and gap[0].isupper():
        return True
    if m.field == "title" and _sentence_case_title(doc) and _after_rare_opening_word(doc, m, words):
        return True
    following = _NEXT_WORD.match(doc.text, m.end)
    if following is not None:
        word = following.group(1)
        if word in words.organisation_after:
            return True  # 'Cadence Bancorporation', 'Constellation Software'
        if (
            m.text.lower() in words.adjective_names
            and word.islower()
            and word not in ("and", "or", "to", "is", "was", "has", "had", "will", "said", "says")
            and word not in words.context_after
            and normalise_term(word) not in words.context_after
        ):
            return True  # 'Norwegian power supplier'
    previous = _PREVIOUS_WORD.search(doc.text, max(0, m.start - 40), m.start)
    if previous is not None and (
        _CAMEL_FIRST_NAME.fullmatch(previous.group(2)) or previous.group(2).lower() in words.first_names
    ):
        return True  # 'LaMelo Ball', 'Serena Williams': a first name, in a headline too
    return (m.field != "title" or _sentence_case_title(doc)) and _after_first_name(doc.text, m.start, words)


def _after_rare_opening_word(doc: Doc, m: Mention, words: LinkingWords) -> bool:
    """'Bayeux Tapestry to be loaned...': a sentence-case headline opening with a capitalised word
    rarer than any ordinary word (a place or a person) right before the name: a proper name it
    belongs to, such as an artwork's or a person's."""
    a = doc.spans["title"][0]
    opening = doc.text[a : m.start].split()
    if len(opening) != 1:
        return False
    word = opening[0]
    if (
        not (word.isalpha() and word[0].isupper() and not word.isupper())
        or word.lower() in words.not_first_names
    ):
        return False
    return word_zipf(word) < ORDINARY_WORD_ZIPF


_SHORT_FUNCTION_WORDS = frozenset(
    [
        "with", "from", "into", "over", "onto", "upon", "than", "that", "after", "about", "under", "among",
        "before", "against", "between", "through", "during", "without", "within", "amid", "since", "until",
    ]
)  # fmt: skip


def _sentence_case_title(doc: Doc) -> bool:
    """A headline written in sentence case ('Bulls trade Lonzo Ball to Cavaliers') capitalises only
    names, so a capitalised word right before an ambiguous name reads as in running text. Title case
    capitalises every word of four letters or more, except some prepositions."""
    a, b = doc.spans["title"]
    title_words = doc.text[a:b].split()[1:]
    return any(
        len(w) >= 4 and w.isalpha() and w.islower() and w not in _SHORT_FUNCTION_WORDS for w in title_words
    )


def _after_first_name(text: str, start: int, words: LinkingWords) -> bool:
    """'engineer Andrew Harris', 'designer Tom Ford': right after a capitalised word inside a sentence,
    a surname-like name is a person's. (Not in headlines, where every word may be capitalised.)"""
    match = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
    if match is None:
        return False
    word, lead = match.group(2), match.group(1)
    if not word[0].isupper() or word.isupper() or word.lower() in words.not_first_names:
        return False
    # the word before it must not start a sentence ('In March Shell said'): a lower-case word does,
    # unless it is a common first name ('Peter Williams, who ran the unit')
    return (bool(lead) and lead[-1].islower()) or word.lower() in words.first_names


_NEXT_WORD = re.compile(r" ([A-Za-z][\w&-]*)")
_PREVIOUS_WORD = re.compile(r"(?:(\w*)[ ,]*\s|^)([A-Z][a-z]+(?:[A-Z][a-z]+)?|[A-Z][a-z]?['’][A-Z][a-z]+) $")
# first names with an inner capital or apostrophe: 'LaMelo', 'DeAndre', "De'Aaron", "D'Angelo"
_CAMEL_FIRST_NAME = re.compile(r"(?:La|Le|De|Da|Di|Ja|Ke|Ty|Sha|Tre)[A-Z][a-z]+|[A-Z][a-z]?['’][A-Z][a-z]+")


def _name_spans(mentions: dict[str, list[Mention]]) -> list[tuple[int, int]]:
    """Where companies are named by a name that is not an ordinary word (for `_listed_with_names`)."""
    return sorted(
        (m.start, m.end) for found in mentions.values() for m in found if m.valid and m.kind == "name"
    )


def _listed_with_names(m: Mention, text: str, named: list[tuple[int, int]]) -> bool:
    """'Texas Instruments, Analog Devices and Microchip': an ordinary-word name listed with other
    companies' names ('X, Y and Z', 'X or Y') is a company too."""
    for start, end in named:
        if 0 < m.start - end <= 6:
            gap = text[end : m.start]
        elif 0 < start - m.end <= 6:
            gap = text[m.end : start]
        else:
            continue
        if gap.strip(" ,") in ("", "and", "or", "&") and gap.strip():
            return True
    return False


def _confirm_listed_with_confirmed(mentions: dict[str, list[Mention]], text: str) -> None:
    """'Southwest and United workers': an ordinary-word name joined by 'and'/'or' to another company's
    ordinary-word name that its own context confirmed ('United workers') is a company too."""
    confirmed = sorted(
        (m.start, m.end) for found in mentions.values() for m in found if m.valid and m.kind == "ambiguous"
    )
    if not confirmed:
        return
    for found in mentions.values():
        unconfirmed = [m for m in found if m.kind == "ambiguous" and m.reason == _UNCONFIRMED]
        if not unconfirmed or any(m.valid for m in found):
            continue
        # 'the Southwest and Delta workers': a region named with an article, not a company
        if any(_listed_with_names(m, text, confirmed) and not _after_article(m, text) for m in unconfirmed):
            for m in unconfirmed:
                m.valid, m.reason = True, ""


def _after_article(m: Mention, text: str) -> bool:
    return text[max(0, m.start - 4) : m.start].lower().endswith("the ")


_AFTER_JOINT_NAME = re.compile(
    r"(?:,\s+(?:[A-Z][\w&.'-]*\s*){1,3}?)*,?\s+and\s+(?:[A-Z][\w&.'-]*\s+){1,4}([a-z]+)\b"
)
_PRODUCTS = frozenset({"gear", "equipment", "devices", "software", "systems", "products", "chips", "servers"})


def _confirm_ambiguous(
    found: list[Mention],
    doc: Doc,
    other_sense: bool,
    words: LinkingWords,
    named: list[tuple[int, int]] | None = None,
) -> None:
    for m in found:
        if m.valid and m.kind == "ambiguous" and _other_sense_here(m, doc, words):
            m.valid, m.reason = False, _OTHER_SENSE_HERE
    candidates = [m for m in found if m.valid and m.kind == "ambiguous"]
    if not candidates:
        return
    if any(m.valid and m.kind != "ambiguous" for m in found):
        return  # a strong mention (name, brand, executive, symbol) confirms every ambiguous one
    if other_sense or any(m.reason == _OTHER_SENSE_HERE for m in found):
        # a word of the other sense in the article, or the word itself used in it ('Mike Tyson' in the
        # headline, 'Tyson' alone below it)
        for m in candidates:
            m.valid, m.reason = False, "the article uses this word in another sense"
        return
    confirmed = False
    for m in candidates:
        after = _words_after(doc.low, m.end, 3)
        before = _words_before(doc.low, m.start, 1)
        if (after and after[0] in words.context_after) or (before and before[0] in words.context_before):
            confirmed = True
            break
        if len(after) > 1 and (after[0],) in words.other_sense_after and _unit_of_place(m, doc, tuple(after)):
            confirmed = True  # 'Intel China said', 'Amazon Europe Core': the company's unit there
            break
        joint = (
            _AFTER_JOINT_NAME.match(doc.text, m.end)
            if after[:1] == ["and"] or doc.text[m.end : m.end + 1] == ","
            else None
        )
        if joint and joint.group(1).lower() in words.context_after and not _after_article(m, doc.text):
            confirmed = True  # 'Intel and Classroom Technologies test software': the verb of both
            break
        product = next((w for w in after if w in _PRODUCTS), None)
        if product is not None:
            reach = doc.low.find(f" {product}", m.end) + len(product) + 1
            if doc.text[m.end : reach].islower():
                confirmed = True  # 'Harris phone-tracking gear': the company's product
                break
        if named and _listed_with_names(m, doc.text, named):
            confirmed = True
            break
    if not confirmed:
        for m in candidates:
            m.valid, m.reason = False, _UNCONFIRMED


# 'apps on Android', 'malware for Windows', someone else's device ('Timchenko's iPhone')
_PLATFORM_BEFORE = re.compile(r"(?:\b(?:on|for)|[A-Za-z]['’]s(?:\s+[A-Z][a-z]+)?)\s+$")


def _platform_as_setting(m: Mention, doc: Doc, words: LinkingWords) -> bool:
    """'Android users' web browsing', 'Chrome zero-day attacks', 'Pegatron's Indian iPhone plant',
    'Timchenko's iPhone': the product is where someone else's story happens."""
    after = tuple(doc.low[m.end : m.end + 40].split()[:2])
    if after[:1] in words.platform_setting or after in words.platform_setting:
        return True
    before = doc.text[max(0, m.start - 40) : m.start]
    return _PLATFORM_BEFORE.search(before) is not None


def _possessive_passing(after: list[str], words: LinkingWords) -> bool:
    return len(after) >= 2 and after[0] == "s" and after[1] in words.passing_after_possessive


# right after a company's name: the story says it is not the accused ('Nvidia, which makes the chips,
# was not accused of wrongdoing', 'Apple is not a party to the suit')
_CLEARED = re.compile(
    r"(?:\s*,[^,.]{0,80},)?\s+(?:(?:was|is|were|are|has|have|had)\s+)?(?:not|never)\s+(?:been\s+)?"
    r"(?:accused|charged|named in|named as|implicated|alleged|a party|a target|a defendant|sued)\b"
)
# someone's item of the company's make ("Abramovich's Boeing 787 and Gulfstream jet")
_POSSESSOR = re.compile(r"\b[A-Z][a-z]+['\u2019]s\s+$")
_OWNED_ITEM = re.compile(
    r"\s+(?:[A-Z]?\d{2,4}\w*|jet|jets|plane|yacht|car|cars|truck|helicopter|superyacht)\b"
)
# the company as the source of figures or views about others ('IQVIA data show...', 'Morgan Stanley
# analysts say Ford's unit...', 'Goldman Sachs research flags risks to...')
_SOURCE_OF = re.compile(
    r"(?:['\u2019]s)?\s+(?:data|analysts?|research|analysis|economists?|strategists?|survey|figures)\s+"
    r"(?:show|shows|showed|say|says|said|flag|flags|flagged|put|puts|find|finds|found|estimate|estimates|"
    r"expect|expects|see|sees|predict|predicts|warn|warns|downgrade|downgrades|downgraded|upgrade|"
    r"upgrades|upgraded|cut|cuts|suggest|suggests|point|points)\b"
)
# the company's head in a personal capacity ('Nike's chief executive sells Oregon ranch amid divorce',
# 'Delta CEO's son charged', 'the founder's foundation gives')
_PERSONAL = re.compile(
    r"(?:['\u2019]s)?\s+(?:chief executive|ceo|founder|co-founder|chairman|chairwoman|boss)(?:['\u2019]s)?\s+"
    r"(?:\w+\s+){0,4}?(?:son|daughter|wife|husband|brother|sister|divorce|ranch|mansion|yacht|estate|"
    r"funeral|wedding|foundation|charity|philanthrop\w*|family office)\b",
    re.IGNORECASE,
)


# its researchers reporting a finding ('Google researchers had linked...', 'Microsoft researchers say')
_FINDING = re.compile(
    r"\s+(?:security\s+|threat\s+)?researchers\s+(?:had\s+|have\s+)?(?:tie|ties|tied|link|links|linked|attribute\w*|"
    r"found|find|finds|uncover\w*|discover\w*|spott\w*|say|says|said|traced|trace|traces|identif\w*|detect\w*)\b"
)


def _passing(m: Mention, doc: Doc, words: LinkingWords) -> bool:
    low = doc.low
    if (
        _CLEARED.match(doc.text, m.end)
        or _SOURCE_OF.match(doc.text, m.end)
        or _PERSONAL.match(doc.text, m.end)
    ):
        return True
    if _OWNED_ITEM.match(doc.text, m.end) and _POSSESSOR.search(doc.text, max(0, m.start - 40), m.start):
        return True  # "Abramovich's Boeing 787": someone's jet, car or yacht
    if m.text in words.platform_products and _platform_as_setting(m, doc, words):
        return True
    after = low[m.end : m.end + 60].split(None, 2)
    # 'two million CenterPoint customers' are its own customers, unlike 'AWS customer Acme'
    own_people = bool(after) and after[0] in _OWN_PEOPLE and not _NAME_NEXT.match(doc.text, m.end)
    if after and not own_people and (after[0] in words.passing_after or _possessive_passing(after, words)):
        return True
    if after and after[0] in _ROLES and _appointed_before(m, doc):
        return True
    before = tuple(low[max(0, m.start - 60) : m.start].rsplit(None, 3)[-3:])
    if (
        after[:1] == ["researchers"]
        and before[-1:] not in (("former",), ("ex",))
        and _FINDING.match(low, m.end)
    ):
        return True  # 'Google researchers tie the firm to exploits': the source of a finding on others
    passing_before = words.passing_before
    if before[-1:] in passing_before or before[-2:] in passing_before or before in passing_before:
        return True
    # a later name of a list that a passing phrase opens ('clients including Apple, Amazon and Uber')
    raw = doc.text[max(0, m.start - 120) : m.start]
    opening = _LIST_TAIL.sub("", raw) if _after_list_joint(raw) else raw
    if len(opening) < len(raw):
        before = tuple(normalise_term(opening).split()[-3:])
        if before[-1:] in passing_before or before[-2:] in passing_before or before in passing_before:
            return True
    return _qualifies_another(m, doc, words) or _data_recipient(m, doc, words) or _side_clause(m, doc)


# after a name, words for the people it deals with: passing only when another name follows ('Apple
# supplier Foxconn'), the company's own otherwise ('CenterPoint customers lost power')
_OWN_PEOPLE = frozenset({"customer", "customers", "supplier", "suppliers", "partner", "partners"})
_NAME_NEXT = re.compile(r"\s+\S+\s+(?:[A-Z]|\d)")

_LIST_OPENERS = frozenset({("including",), ("includes",), ("such", "as"), ("among", "them")})


_ROLES = frozenset(
    {"executive", "exec", "ceo", "cfo", "coo", "chief", "president", "chairman", "chairwoman", "boss", "head"}
)
_APPOINTING = frozenset(
    {
        "names",
        "named",
        "appoints",
        "appointed",
        "hires",
        "hired",
        "taps",
        "tapped",
        "picks",
        "picked",
        "poaches",
        "poached",
        "recruits",
        "recruited",
        "elects",
        "elected",
        "nominates",
        "nominated",
    }
)


def _appointed_before(m: Mention, doc: Doc) -> bool:
    """'PayPal names Intuit executive Alex Chriss as chief executive': the company before the role
    describes the person another company appoints."""
    start, _ = doc.sentence_bounds(m.start)
    return not _APPOINTING.isdisjoint(doc.low[start : m.start].split())


def _named_among_targets(m: Mention, doc: Doc, risk_sentences: Collection[int], words: LinkingWords) -> bool:
    """'China freezes assets of five defense contractors, including Northrop Grumman': in a sentence
    where a risk rule fired, a company listed among the things acted on is one of the subjects, unless
    the list is of rivals, customers or partners ('rivals including Google')."""
    if not risk_sentences or doc.sentence_index(m.start) not in risk_sentences:
        return False
    before = doc.low[max(0, m.start - 80) : m.start].split()
    for opener in _LIST_OPENERS:
        n = len(opener)
        if tuple(before[-n:]) == opener:
            head = tuple(before[-n - 1 : -n])
            return bool(head) and head not in words.passing_before and head[0] not in words.passing_after
    return False


def _side_clause(m: Mention, doc: Doc) -> bool:
    """'Netflix launches an ad plan, with Microsoft selling the ads': a company in a trailing 'with X
    doing Y' clause plays a side part in the main clause's story."""
    if not doc.text[max(0, m.start - 8) : m.start].endswith(", with "):
        return False
    after = doc.low[m.end : m.end + 30].split()[:1]
    return bool(after) and len(after[0]) > 4 and after[0].endswith("ing")


def _qualifies_another(m: Mention, doc: Doc, words: LinkingWords) -> bool:
    """'Boeing-built helicopters', 'the Boeing-Lockheed Martin joint venture': the name only describes
    something else (a product it made, a venture it is a parent of), which is the story's subject."""
    after = doc.low[m.end : m.end + 60].split()
    if doc.text[m.end : m.end + 1] == "-" and after and after[0] in words.modifier_after_hyphen:
        return True
    return "joint venture" in " ".join(after[:5])


_LIST_TAIL = re.compile(r"(?:\b[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3}\s*(?:,\s*(?:and\s+)?|\s+and\s+))+$")


def _after_list_joint(before: str) -> bool:
    """Whether the text before a name ends with a list's comma or 'and' (cheap; checked first)."""
    tail = before[-5:].rstrip()
    return tail.endswith(",") or tail.endswith(" and")


_SENDING = frozenset({"sent", "sends", "sending", "send"})
_MAKING = frozenset({"built", "developed", "designed", "created", "made", "run", "operated", "supplied"})
_DATA_WORDS = frozenset({"data", "information", "records", "details", "recordings", "identifiers"})


def _data_recipient(m: Mention, doc: Doc, words: LinkingWords) -> bool:
    """'shared customers' e-receipt details with Meta': the platform that received data from the
    company the story is about is named in passing."""
    before = doc.text[max(0, m.start - 120) : m.start]
    if _after_list_joint(before):  # 'sent data to Google, Microsoft': each name of the list
        before = _LIST_TAIL.sub("", before)
    cut = max(before.rfind(". "), before.rfind("; "), before.rfind("\n"))
    before_words = normalise_term(before[cut + 1 :]).split()
    if not before_words or before_words[-1] not in ("with", "to"):
        return False
    if before_words[-2:-1] and before_words[-2] in _MAKING:
        return False  # 'data sent to an HHS system built with Palantir': the system's maker
    window = before_words[-9:-1]
    if any(w in words.handing_over for w in window):
        return True
    # 'sent members' data to Google' (but 'sent a warning letter to Home Depot' is addressed to it)
    return not _SENDING.isdisjoint(window) and not _DATA_WORDS.isdisjoint(window)


def _names_a_term(low: str, end: int, words: LinkingWords) -> bool:
    """'the Chevron doctrine', 'Chevron deference': a term named after the company, not the company."""
    after = low[end : end + 30].split()[:1]
    return bool(after) and after[0] in words.term_after


_TitleSymbol = tuple[int, int, str | None]


def _first_title_symbol(
    symbols: list[tuple[str | None, re.Match[str]]], title_end: int
) -> _TitleSymbol | None:
    """Where the headline's first listing symbol is and whose it is (None: a company not watched)."""
    in_title = [(match.start(), match.end(), owner) for owner, match in symbols if match.start() < title_end]
    return min(in_title) if in_title else None


def _after_other_symbol(valid: list[Mention], ticker: str, first: _TitleSymbol | None, doc: Doc) -> bool:
    """'Hexcel (NYSE: HXL) trims outlook as Boeing (NYSE: BA) strike...': the headline's first symbol
    names its subject; a company the headline names only after it is that company's customer, rival or
    partner: it comes after a word opening a side clause ('as', 'amid', 'that serves'). Joined as
    co-subjects ('Robinhood (NASDAQ: HOOD) and AppLovin') or as the object of the headline's verb
    ('Exxon (NYSE: XOM) to acquire ConocoPhillips'), it is a subject too."""
    if first is None or first[2] == ticker:
        return False
    in_title = [m for m in valid if m.field == "title"]
    if not in_title or any(m.start <= first[0] for m in in_title):
        return False
    gap = normalise_term(doc.text[first[1] : in_title[0].start]).split()
    return not _SIDE_CLAUSE_OPENERS.isdisjoint(gap)


_SIDE_CLAUSE_OPENERS = frozenset(
    ["as", "amid", "after", "that", "which", "while", "because", "despite", "following", "though", "although"]
)


def _drop_acquired_units(found: list[Mention], doc: Doc, company_name: str, words: LinkingWords) -> None:
    """'Lockheed Martin to buy rocket-engine maker Aerojet Rocketdyne': a unit's or brand's name (one
    sharing no word with the company's own name) as the object of a purchase is the business being
    bought, which a story of that deal does not place under the parent that owns it at another time."""
    own = set(normalise_term(company_name).split())
    for m in found:
        if not m.valid or m.kind not in ("name", "ambiguous") or own & set(normalise_term(m.text).split()):
            continue
        before = doc.text[max(0, m.start - 80) : m.start]
        cut = max(before.rfind(". "), before.rfind("; "), before.rfind("\n"))
        recent = normalise_term(before[cut + 1 :]).split()[-5:]
        if any(tuple(recent[i : i + n]) in words.acquiring for n in (1, 2, 3) for i in range(len(recent))):
            m.valid, m.reason = False, "the object of an acquisition, not the parent's unit"


def _is_lead_subject(m: Mention, doc: Doc) -> bool:
    """Named within the first five words of the lead's first sentence (its grammatical subject, mostly)."""
    lead_start, lead_end = doc.spans["lead"]
    if not lead_start <= m.start <= lead_end or m.start - lead_start > 80:
        return False
    return _same_sentence(doc.text, lead_start, m.start) and len(doc.low[lead_start : m.start].split()) <= 5


def _same_sentence(text: str, a: int, b: int) -> bool:
    """No sentence end between offsets a and b (a cheap test: '. ', '? ', '! ' or a line break)."""
    gap = text[a:b]
    return not ("\n" in gap or ". " in gap or "? " in gap or "! " in gap)


def salience(
    valid: list[Mention],
    doc: Doc,
    risk_sentences: Collection[int] = (),
    words: LinkingWords | None = None,
    stop_at: float | None = None,
    title_weight: float = _TITLE,
    subordinate: bool = False,
    context: Sequence[tuple[int, int]] = (),
) -> float:
    """How much the article is about the company: the headline and the lead's subject weigh most.

    Each mention weighs by where it is (title 3 for the first title mention, subject of the lead 2,
    lead 1, body 0.5, the body counting at most four), a quarter of that after words marking a passing
    mention, plus 0.5 in a sentence where a risk rule fired. A symbol right after a name ('Amazon
    (NASDAQ: AMZN)') adds 1 unless that name was a passing mention; a symbol alone weighs like a name,
    at most 1 outside titles. A company named only in the body scores at most 1.5 (not linked on its
    salience; see `_link_body_subject` for the risk's subject below a headline that names nobody).
    `title_weight` is lower when the headline carries another company's symbol ("Cirrus Logic (NASDAQ:
    CRUS) ... as Apple reliance climbs": the symbol names the subject). With `subordinate`, the headline
    names the company only after another company's symbol, whose story it is: its headline mention and
    its own symbol there weigh like a passing mention.
    With `stop_at`, adding up stops once the score reaches it.
    """
    words = words or LinkingWords.default()
    body_only = True
    for m in valid:
        if m.field != "body":
            body_only = False
            if m.kind == "symbol" and m.field == "title" and not subordinate:
                title_weight = _TITLE  # its own symbol in the headline
    if body_only:
        # named only deep in the text: a company the story is about is named in its headline or lead
        stop_at = None
    score = 0.0
    body = 0
    title_best = 0.0  # the headline counts once, at its best mention
    previous: Mention | None = None
    sentence_best = 0.0
    for m in valid:
        if stop_at is not None and score >= stop_at:
            break
        if m.kind == "symbol" and previous is not None and 0 <= m.start - previous.end <= 4:
            m.weight = 0.0 if previous.reason == "passing" else 1.0
            score += m.weight
            continue
        if m.field == "title":
            # a headline's context clause ('...; Walmart seen as winner', 'After Nvidia's record quarter,
            # ...') names a company like the lead does
            weight = _LEAD if any(a <= m.start < b for a, b in context) else title_weight
        elif m.field == "lead":
            weight = _LEAD_SUBJECT if _is_lead_subject(m, doc) else _LEAD
        else:
            body += 1
            weight = _BODY if body <= 4 else 0.0
        if m.kind == "symbol" and m.field != "title":
            weight = min(weight, 1.0)
        if weight and (
            (subordinate and m.field == "title")
            or (_passing(m, doc, words) and not _named_among_targets(m, doc, risk_sentences, words))
        ):
            weight *= _PASSING_FACTOR
            m.reason = "passing"
        elif weight and risk_sentences and doc.sentence_index(m.start) in risk_sentences:
            weight += _RISK_SENTENCE_BONUS
        if m.field == "title":
            # a later mention counts for what it adds ('Android phones get a dashboard, Google says')
            weight, title_best = max(0.0, weight - title_best), max(title_best, weight)
        if (
            previous is not None
            and m.field == previous.field
            and m.field != "title"
            and _same_sentence(doc.text, previous.end, m.start)
        ):
            # 'Amazon's pause on police use of Rekognition': one sentence counts once, at its best
            weight = max(0.0, weight - sentence_best)
            sentence_best += weight
        else:
            sentence_best = weight
        m.weight = weight
        score += weight
        previous = m
    if body_only:
        score = min(score, _BODY_ONLY_CAP)
    return round(score, 2)
