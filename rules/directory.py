"""The company directory: pytickersymbols for names, listings and ISINs, plus curated aliases."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from rules.models import Company, WatchSpec
from rules.text import normalise_term

_LEGAL_FORMS = re.compile(
    r"[,\s]+(inc\.?|incorporated|corp\.?|corporation|co\.?|company|plc|p\.l\.c\.|ltd\.?|limited|llc|"
    r"ag|se|sa|s\.a\.|nv|n\.v\.|asa|ab|oyj|spa|s\.p\.a\.)$",
    re.I,
)
# Descriptive words stripped only from the directory's own names ('Meta Platforms' -> 'Meta').
_DESCRIPTIVE = re.compile(
    r"[,\s]+(group|holdings?|holding|platforms|technologies|systems|global|enterprise)$", re.I
)
# Words of a line of business stripped from the directory's own names only when what is left is a
# name no other word is spelled like ('Huntington Ingalls Industries' -> 'Huntington Ingalls', 'Alnylam
# Pharmaceuticals' -> 'Alnylam'; not 'Powell Industries' -> 'Powell' or 'PTC Therapeutics' -> 'PTC').
_LINE_OF_BUSINESS = re.compile(
    r"[,\s]+(industries|worldwide|pharmaceuticals|communications|therapeutics|entertainment)$", re.I
)
# what is left of a name after its descriptive word goes, when it names no company on its own
_GENERIC_WORDS = frozenset(
    {
        "partners",
        "capital",
        "holdings",
        "group",
        "industries",
        "international",
        "global",
        "financial",
        "energy",
        "resources",
        "brands",
        "trust",
        "bank",
        "bancorp",
        "insurance",
        "services",
        "solutions",
        "systems",
        "technologies",
        "properties",
        "realty",
        "networks",
        "communications",
        "investments",
        "ventures",
        "equity",
        "securities",
        "entertainment",
        "healthcare",
        "health",
        "media",
    }
)
_TRAILING_AND = re.compile(r"\s+(&|and)$", re.I)
# a state of incorporation some registries append to a name: 'VISA INC /DE', 'Dover Corp /DE/'
_STATE_SUFFIX = re.compile(r"\s*[/\\]\s*(?:[A-Z]{2,3}\s*[/\\]?)?\s*$")
_US_EXCHANGES = ("NYSE", "NASDAQ", "NYSEAMERICAN", "BATS")
# A single-word name derived from a legal name ('Southern Company' -> 'Southern', 'Everest Group' ->
# 'Everest') whose lower-case form is this common as an English word (Zipf scale: 3 is about once per
# million words) is also an ordinary word, a first name or surname, or a place: it counts only when
# confirmed, like the curated ambiguous names. Above the second bar it is too common to name a company
# on its own at all ('News' from 'News Corp', 'United' from 'United Airlines Holdings').
ORDINARY_WORD_ZIPF = 2.5
TOO_COMMON_ZIPF = 5.2


class UnknownTicker(LookupError):
    """The directory has no company for a ticker and no names were given for it."""

    def __init__(self, ticker: str, suggestions: list[str]) -> None:
        self.ticker = ticker
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"unknown ticker {ticker!r}: it is not in the company directory.{hint} "
            f"Give its company names to watch it anyway."
        )


@cache
def word_zipf(word: str) -> float:
    """How common `word` (one word, any case) is in English, on the Zipf scale (0 = never seen).
    wordfreq's data ships with the package: nothing is downloaded."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), "en"))


def is_ordinary_word(name: str) -> bool:
    """A one-word name that is also an ordinary English word, common name or place (see
    ORDINARY_WORD_ZIPF). Acronyms ('CVS', 'MSCI') are matched by case and never count as words."""
    if " " in name.strip() or not name.isalpha() or (name.isupper() and len(name) <= 5):
        return False
    return word_zipf(name) >= ORDINARY_WORD_ZIPF


def short_names(name: str, descriptive: bool = False) -> list[str]:
    """`name` and its forms without trailing legal-form words: 'Snap Inc.' -> 'Snap'.

    With `descriptive`, words such as Group or Platforms go too ('Meta Platforms, Inc.' -> 'Meta').
    A leading 'The' is dropped.
    """
    current = re.sub(r"^the\s+", "", name.strip(), flags=re.I)
    out = [name.strip(), current]
    while True:
        stripped = _TRAILING_AND.sub("", _LEGAL_FORMS.sub("", current)).strip(" ,")
        if descriptive and stripped == current:
            stripped = _DESCRIPTIVE.sub("", current).strip(" ,")
        if not stripped or stripped == current or stripped.lower() in _GENERIC_WORDS:
            break  # 'Partners Group' is not 'Partners'
        out.append(stripped)
        current = stripped
    if descriptive:
        rest = _LINE_OF_BUSINESS.sub("", current).strip(" ,")
        words = rest.split()
        rare = (
            word_zipf(words[-1]) < 3.0
            if len(words) > 1
            else bool(words) and not is_ordinary_word(rest) and word_zipf(rest) < 2.5
        )
        if rest != current and len(rest) > 3 and rare:
            out.append(rest)
    return list(dict.fromkeys(n for n in out if n))


@dataclass(frozen=True)
class _Listing:
    company: dict[str, Any]
    rank: int  # lower is preferred when a symbol is shared


def _symbols_of(stock: dict[str, Any]) -> list[tuple[str, int]]:
    """Every symbol a stock is known by, with a preference rank (0 = a US listing's own code)."""
    found: list[tuple[str, int]] = []
    for sym in stock.get("symbols") or []:
        yahoo = (sym.get("yahoo") or "").upper()
        google = (sym.get("google") or "").upper()
        exchange, _, code = google.rpartition(":")
        if yahoo and "." not in yahoo:
            found.append((yahoo, 0 if exchange in _US_EXCHANGES else 1))
        elif yahoo:
            found.append((yahoo, 2))
            found.append((yahoo.split(".")[0], 3))
        if code:
            found.append((code, 0 if exchange in _US_EXCHANGES else 2))
    primary = (stock.get("symbol") or "").upper()
    if primary:
        found.append((primary, 1 if "." not in primary else 2))
        found.append((primary.split(".")[0], 3))
    return found


def _merge_duplicates(stocks: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """pytickersymbols lists a company once per index it is in; merge those copies by name."""
    merged: dict[str, dict[str, Any]] = {}
    for stock in stocks:
        key = (stock.get("name") or "").strip().lower()
        held = merged.get(key)
        if held is None:
            merged[key] = {
                **stock,
                "symbols": list(stock.get("symbols") or []),
                "isins": list(stock.get("isins") or []),
            }
            continue
        for sym in stock.get("symbols") or []:
            if sym not in held["symbols"]:
                held["symbols"].append(sym)
        for isin in stock.get("isins") or []:
            if isin not in held["isins"]:
                held["isins"].append(isin)
    return list(merged.values())


def _load(name: str) -> dict[str, dict[str, Any]]:
    text = resources.files("rules").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return {k.upper(): v for k, v in tomllib.loads(text).items()}


def merge_curated(*layers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Curated data files in order: list fields (aliases, ambiguous, people...) add up, and a later
    file's other fields (name) win."""
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for ticker, entry in layer.items():
            held = merged.setdefault(ticker, {})
            for key, value in entry.items():
                if isinstance(value, list) and isinstance(held.get(key), list):
                    held[key] = list(dict.fromkeys([*held[key], *value]))
                else:
                    held[key] = value
    return merged


@cache
def _curated() -> dict[str, dict[str, Any]]:
    # common names of the S&P 500 first; companies.toml (brands, executives, collisions) on top
    return merge_curated(_load("common_names.toml"), _load("companies.toml"))


@dataclass(frozen=True)
class ListedCompany:
    """A company from a public register of listed companies (e.g. the SEC's ticker file): one
    ticker, the registered name and the exchange; `cik` groups several tickers of one issuer."""

    ticker: str
    name: str
    exchange: str = ""
    cik: int | None = None


def registered_name(name: str) -> str:
    """A register's company name as the directory writes names: a trailing state code dropped and an
    all-capitals name in ordinary case ('AMAZON COM INC' -> 'Amazon Com Inc'; other short words such
    as 'IBM' stay as they are)."""
    name = _STATE_SUFFIX.sub("", name.strip()).strip()
    if name.isupper():
        name = " ".join(
            w.capitalize() if w.isalpha() and (len(w) > 3 or _LEGAL_FORMS.fullmatch(" " + w)) else w
            for w in name.split()
        )
    return name


def _listed_stocks(listed: Iterable[ListedCompany]) -> list[dict[str, Any]]:
    """Stock records (the shape pytickersymbols gives) for register rows, one per issuer (cik)."""
    by_issuer: dict[Any, dict[str, Any]] = {}
    for row in listed:
        ticker = row.ticker.upper().strip()
        if not ticker or not row.name.strip():
            continue
        key = row.cik if row.cik is not None else ticker
        stock = by_issuer.setdefault(
            key, {"name": registered_name(row.name), "symbol": ticker, "symbols": [], "isins": []}
        )
        exchange = row.exchange.upper().replace("CBOE", "BATS")
        stock["symbols"].append({"yahoo": ticker, "google": f"{exchange}:{ticker}"})
    return list(by_issuer.values())


class CompanyDirectory:
    """Resolves tickers to Companies; built once, read-only afterwards."""

    _isin_index: dict[str, str]  # ISIN -> preferred symbol, built on first use

    def __init__(self, stocks: Iterable[dict[str, Any]], curated: dict[str, dict[str, Any]]) -> None:
        self._by_symbol: dict[str, _Listing] = {}
        self._curated = curated
        self._common = {w.lower() for w in curated.get("_GLOBAL", {}).get("ambiguous", [])}
        for stock in _merge_duplicates(stocks):
            for symbol, rank in _symbols_of(stock):
                held = self._by_symbol.get(symbol)
                if held is None or rank < held.rank:
                    self._by_symbol[symbol] = _Listing(stock, rank)
        # Curated entries attach to the listed company, so every symbol of it gets the same data.
        self._curated_by_stock: dict[int, dict[str, Any]] = {}
        # curated issuers: listings of one issuer that the base data keeps apart, primary first
        self._issuer_groups: dict[str, tuple[str, ...]] = {}
        for group in curated.get("_GLOBAL", {}).get("issuers", []):
            for sym in group:
                self._issuer_groups[sym.upper()] = tuple(g.upper() for g in group)
        for ticker, entry in curated.items():
            if ticker.startswith("_"):
                continue
            if ticker not in self._by_symbol and entry.get("name"):
                self._by_symbol[ticker] = _Listing(
                    {"name": entry["name"], "symbol": ticker, "symbols": [], "isins": []}, 0
                )
            if ticker not in self._by_symbol:
                continue  # a listing the base data does not carry (any more): nothing to attach to
            self._curated_by_stock.setdefault(id(self._by_symbol[ticker].company), entry)
        # who each curated alias belongs to: a form derived from a company's legal name by dropping a
        # descriptive word that is one of them ('Hewlett Packard' from Hewlett Packard Enterprise, HP
        # Inc.'s former name) is that company's, not this one's
        self._alias_owners: dict[str, set[str]] = {}
        for ticker, entry in curated.items():
            if not ticker.startswith("_"):
                for alias in entry.get("aliases", []):
                    self._alias_owners.setdefault(normalise_term(alias), set()).add(ticker)

    @classmethod
    def default(cls, extra: Iterable[ListedCompany] = ()) -> CompanyDirectory:
        """The built-in directory (pytickersymbols, data/common_names.toml, data/companies.toml),
        cached; with `extra`, a copy that also knows those listed companies (see `with_listed`)."""
        builtin = cls._builtin()
        return builtin.with_listed(extra) if extra else builtin

    @classmethod
    @cache
    def _builtin(cls) -> CompanyDirectory:
        from pytickersymbols import PyTickerSymbols

        return cls(PyTickerSymbols().get_all_stocks(), _curated())

    def with_listed(self, listed: Iterable[ListedCompany]) -> CompanyDirectory:
        """A copy of this directory that also resolves the tickers of `listed`. A ticker this directory
        already knows keeps its entry (curated data and the built-in listings always win); names are
        derived from the registered name like the directory's own ('Infosys Ltd' -> 'Infosys')."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._by_symbol = dict(self._by_symbol)
        copy.__dict__.pop("_isin_index", None)
        for stock in _listed_stocks(listed):
            for symbol, rank in _symbols_of(stock):
                if symbol not in self._by_symbol:
                    held = copy._by_symbol.get(symbol)
                    if held is None or rank < held.rank:
                        copy._by_symbol[symbol] = _Listing(stock, rank)
        return copy

    def __contains__(self, ticker: str) -> bool:
        return ticker.upper().lstrip("$") in self._by_symbol

    def tickers(self) -> list[str]:
        """Every symbol the directory resolves."""
        return sorted(self._by_symbol)

    def primary_tickers(self) -> list[str]:
        """One symbol per company (its preferred listing), for matching against the whole directory."""
        best: dict[int, tuple[int, str]] = {}
        for symbol, listing in self._by_symbol.items():
            key = id(listing.company)
            candidate = (listing.rank, symbol)
            if key not in best or candidate < best[key]:
                best[key] = candidate
        return sorted(symbol for _, symbol in best.values())

    def ticker_for_isin(self, isin: str) -> str | None:
        """The preferred symbol (a US listing's own code first) of the company with this ISIN; None
        when no company in the directory has it."""
        if "_isin_index" not in self.__dict__:
            best: dict[str, tuple[int, int, str]] = {}
            for symbol, listing in self._by_symbol.items():
                for code in listing.company.get("isins") or ():
                    candidate = (listing.rank, len(symbol), symbol)
                    if code not in best or candidate < best[code]:
                        best[code] = candidate
            self._isin_index = {code: c[2] for code, c in best.items()}
        return self._isin_index.get(isin.strip().upper())

    def suggest(self, ticker: str, limit: int = 3) -> list[str]:
        """Close matches for a mistyped ticker or a company name."""
        import difflib

        key = ticker.upper().lstrip("$")
        by_name = [
            sym
            for sym, listing in self._by_symbol.items()
            if listing.rank == 0 and listing.company.get("name", "").upper().startswith(key) and len(key) >= 3
        ]
        close = difflib.get_close_matches(
            key, [s for s, lst in self._by_symbol.items() if lst.rank <= 1], n=limit, cutoff=0.6
        )
        return list(dict.fromkeys(by_name[:limit] + close))[:limit]

    def get(self, ticker: str, extra_names: Iterable[str] = ()) -> Company | None:
        """The Company for `ticker`, with `extra_names` added; None when unknown and no names given."""
        key = ticker.upper().strip().lstrip("$")
        extra = [n.strip() for n in extra_names if n and n.strip()]
        listing = self._by_symbol.get(key)
        if listing is None and not extra:
            return None
        stock = listing.company if listing else {"name": extra[0], "symbols": [], "isins": []}
        return self._build(key, stock, extra)

    def resolve(self, ticker: str, extra_names: Iterable[str] = ()) -> Company:
        """Like `get`, but an unknown ticker raises UnknownTicker with suggestions."""
        company = self.get(ticker, extra_names)
        if company is None:
            raise UnknownTicker(ticker.upper().strip(), self.suggest(ticker))
        return company

    def listings_of(self, ticker: str, stock: dict[str, Any]) -> tuple[str, ...]:
        """The issuer's listings, primary first: a curated group, else every code of the stock that
        resolves to it (its main symbol first, then US listings before foreign ones)."""
        if ticker in self._issuer_groups:
            return self._issuer_groups[ticker]
        ranked: dict[str, int] = {}
        main = (stock.get("symbol") or "").upper()
        for rank, sym in ((-2, main), (-2, main.replace("-", ".")), (-1, main.split(".")[0])):
            if sym in self._by_symbol and self._by_symbol[sym].company is stock:
                ranked.setdefault(sym, rank)
        for sym, rank in _symbols_of(stock):
            if self._by_symbol.get(sym) is not None and self._by_symbol[sym].company is stock:
                ranked[sym] = min(rank, ranked.get(sym, rank))
        ranked.setdefault(ticker, 0)
        return tuple(sorted(ranked, key=lambda s: (ranked[s], s)))

    def _build(self, ticker: str, stock: dict[str, Any], extra: list[str]) -> Company:
        curated = self._curated.get(ticker) or self._curated_by_stock.get(id(stock)) or {}
        display = curated.get("name") or stock.get("name") or ticker
        ambiguous: list[str] = list(curated.get("ambiguous", []))
        names: list[str] = []
        own = short_names(stock.get("name") or "", descriptive=True) + short_names(display, descriptive=True)
        given = [n for raw in [*curated.get("aliases", []), *extra] for n in short_names(raw)]
        # names written in the curated data or given by the user are the company's own words for
        # itself; the forms derived from them ('Southern Co.' -> 'Southern') are checked like the rest
        strong = {raw.strip().lower() for raw in [*curated.get("aliases", []), *extra]}
        # the forms left once a descriptive word is dropped too ('Hewlett Packard' from 'Hewlett
        # Packard Enterprise'), not the legal form alone ('Siemens Healthineers AG')
        plain = set(short_names(stock.get("name") or "") + short_names(display))
        for n in own + given:
            if n not in plain and n.lower() not in strong and self._names_another(n, stock):
                continue
            if n.lower() in self._common or n in ambiguous:
                ambiguous.append(n)
            elif n.lower() not in strong and is_ordinary_word(n):
                # a derived one-word name that is also an ordinary word, a name or a place
                if word_zipf(n) < TOO_COMMON_ZIPF:
                    ambiguous.append(n)
            else:
                names.append(n)
        symbols = {ticker}
        for sym, _rank in _symbols_of(stock):
            symbols.add(sym.split(".")[0])
        return Company(
            ticker=ticker,
            name=display,
            names=tuple(dict.fromkeys(names)),
            ambiguous=tuple(dict.fromkeys(ambiguous)),
            symbols=tuple(sorted(symbols)),
            isins=tuple(stock.get("isins") or ()),
            people=tuple(curated.get("people", [])),
            collisions=tuple(curated.get("collisions", [])),
            other_sense=tuple(curated.get("other_sense", [])),
            country=str(stock.get("country") or ""),
            **self._issuer(ticker, stock),
        )

    def _names_another(self, name: str, stock: dict[str, Any]) -> bool:
        """Whether `name` is a curated alias of another listed company only."""
        owners = self._alias_owners.get(normalise_term(name))
        if not owners:
            return False
        listed = [self._by_symbol[t].company for t in owners if t in self._by_symbol]
        return bool(listed) and all(other is not stock for other in listed)

    def _issuer(self, ticker: str, stock: dict[str, Any]) -> dict[str, Any]:
        if not stock.get("symbols") and ticker not in self._issuer_groups:
            return {"issuer": ticker, "listings": (ticker,)}
        listings = self.listings_of(ticker, stock)
        return {"issuer": listings[0], "listings": listings}


def companies_for(watch: Iterable[WatchSpec], directory: CompanyDirectory | None = None) -> list[Company]:
    """Resolve a watchlist to Companies; raises UnknownTicker for the first unknown one."""
    directory = directory or CompanyDirectory.default()
    return [directory.resolve(w.ticker, w.names) for w in watch]


def with_names(company: Company, names: Iterable[str]) -> Company:
    """`company` with more names added (deduplicated, order kept)."""
    return replace(company, names=tuple(dict.fromkeys([*company.names, *names])))
