"""Watchlists: which tickers to match, from a TOML file or a comma-separated list."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from rules.models import WatchSpec

_TICKER = re.compile(r"^\$?[A-Za-z0-9][A-Za-z0-9.\-]{0,11}$")


class WatchlistError(ValueError):
    """A watchlist file or ticker list is malformed; the message says where and why."""


def parse_tickers(text: str) -> list[str]:
    """Tickers from 'AMZN, aapl $TSLA' -> ['AMZN', 'AAPL', 'TSLA']; raises WatchlistError on junk."""
    out: list[str] = []
    for raw in re.split(r"[\s,;]+", text.strip()):
        if not raw:
            continue
        if not _TICKER.match(raw):
            shown = raw if len(raw) <= 24 else raw[:21] + "..."
            raise WatchlistError(f"{shown!r} is not a ticker symbol (letters, digits, '.' or '-', up to 12)")
        out.append(raw.lstrip("$").upper())
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
        specs.append(WatchSpec(tickers[0], tuple(n.strip() for n in names if n.strip())))
    return specs
