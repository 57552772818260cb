"""Watchlists: which tickers to match, from a TOML file or a comma-separated list."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from rules.models import WatchSpec

_TICKER = re.compile(r"^\$?[A-Za-z0-9][A-Za-z0-9.\-]{0,11}$")
# Invisible characters that change nothing a reader sees (zero-width spaces and joiners, soft hyphen,
# word joiner, BOM): dropped, since text pasted from web pages and chat often carries them.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b\u200c\u200d\u2060-\u2064\ufeff]")
# Direction controls reorder what a reader sees, the classic way to disguise text: refused.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Scripts whose letters look like Latin ones: one word mixing two of them is a look-alike.
_LOOKALIKE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"}

MAX_NAMES = 20
MAX_NAME_CHARS = 100


class WatchlistError(ValueError):
    """A watchlist file or ticker list is malformed; the message says where and why."""


def shown(text: str, limit: int = 24) -> str:
    """`text` quoted for an error message: control characters escaped, long text cut."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def clean_text(text: str) -> str:
    """User input made comparable: invisible characters dropped, then NFKC (so full-width 'ＡＭＺＮ'
    becomes 'AMZN'). Text-direction controls raise WatchlistError, as they only serve to disguise."""
    if _BIDI.search(text):
        raise WatchlistError(f"{shown(text)} contains invisible text-direction controls; type it plainly")
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ", 1)[0]


def _not_a_ticker(raw: str) -> WatchlistError:
    foreign = next((c for c in raw if c.isalpha() and not c.isascii()), None)
    if foreign is not None:
        return WatchlistError(
            f"{shown(raw)} contains {foreign!r} ({unicodedata.name(foreign, 'a non-Latin letter')}), "
            "which is not a Latin letter: type tickers with A-Z, 0-9, '.' or '-'"
        )
    return WatchlistError(f"{shown(raw)} is not a ticker symbol (letters, digits, '.' or '-', up to 12)")


def parse_tickers(text: str) -> list[str]:
    """Tickers from 'AMZN, aapl $TSLA' -> ['AMZN', 'AAPL', 'TSLA']; raises WatchlistError on junk.

    Input is cleaned first (see clean_text): full-width letters count as their ASCII selves and
    zero-width characters are ignored; letters from other scripts that merely look Latin (Cyrillic
    'А', Greek 'Α') are refused with a message naming them, never matched to a lookalike ticker.
    """
    out: list[str] = []
    for raw in re.split(r"[\s,;]+", clean_text(text).strip()):
        if not raw:
            continue
        if not _TICKER.match(raw):
            raise _not_a_ticker(raw)
        out.append(raw.lstrip("$").upper())
    return list(dict.fromkeys(out))


def clean_names(names: Iterable[str]) -> list[str]:
    """Company names or aliases from user input, cleaned (see clean_text) and checked.

    A name needs two letters or digits, at most MAX_NAME_CHARS characters, no control characters,
    and no word that mixes look-alike scripts ('Аmazon' with a Cyrillic 'А'); at most MAX_NAMES.
    Non-Latin names in one script ('Газпром', 'トヨタ自動車') are fine.
    """
    out: list[str] = []
    for raw in names:
        name = " ".join(clean_text(raw).split())
        if not name:
            continue
        if len(name) > MAX_NAME_CHARS:
            raise WatchlistError(f"{shown(name)}: a company name is limited to {MAX_NAME_CHARS} characters")
        if any(unicodedata.category(c).startswith("C") for c in name):
            raise WatchlistError(f"{shown(name)} contains control characters")
        if sum(c.isalnum() for c in name) < 2:
            raise WatchlistError(f"{shown(name)} is not a company name: it needs two letters or digits")
        for word in name.split():
            scripts = {_script(c) for c in word if c.isalpha()} & _LOOKALIKE_SCRIPTS
            if len(scripts) > 1:
                raise WatchlistError(
                    f"{shown(word)} mixes {' and '.join(sorted(scripts)).lower()} letters in one word, "
                    "which makes it a look-alike; type it in one script"
                )
        out.append(name)
    if len(out) > MAX_NAMES:
        raise WatchlistError(f"at most {MAX_NAMES} names per ticker")
    return list(dict.fromkeys(out))


def load_watchlist(path: str | Path) -> list[WatchSpec]:
    """Read a TOML watchlist: `[[watch]]` tables with `ticker` and optional `names`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WatchlistError(f"{path}: cannot read watchlist: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise WatchlistError(f"{path}: watchlist is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise WatchlistError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("watch")
    if not isinstance(entries, list) or not entries:
        raise WatchlistError(f"{path}: expected one or more [[watch]] tables with a ticker")
    specs: list[WatchSpec] = []
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("ticker"), str):
            raise WatchlistError(f"{path}: [[watch]] number {i} has no ticker")
        tickers = parse_tickers(entry["ticker"])
        if len(tickers) != 1:
            raise WatchlistError(f"{path}: [[watch]] number {i}: ticker must be one symbol")
        names = entry.get("names", [])
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise WatchlistError(f"{path}: [[watch]] number {i}: names must be a list of strings")
        try:
            cleaned = clean_names(names)
        except WatchlistError as exc:
            raise WatchlistError(f"{path}: [[watch]] number {i}: {exc}") from None
        specs.append(WatchSpec(tickers[0], tuple(cleaned)))
    return specs
