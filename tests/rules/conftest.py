from __future__ import annotations

from pathlib import Path

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec
from rules.watchlist import load_watchlist

WATCHED = [
    "AMZN",
    "AAPL",
    "META",
    "GOOGL",
    "MSFT",
    "ORCL",
    "V",
    "MA",
    "TGT",
    "SHEL",
    "BP",
    "XOM",
    "F",
    "XYZ",
    "BA",
    "WFC",
    "JPM",
    "GS",
    "C",
    "HSBC",
    "DB",
    "UBS",
    "NVDA",
    "TSLA",
    "UBER",
    "PLTR",
    "AXON",
    "NKE",
    "CAT",
    "ERIC",
    "GLNCY",
    "VWAGY",
    "SIEGY",
    "INTC",
    "CSCO",
    "WMT",
    "COIN",
]


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    specs = [WatchSpec(t) for t in WATCHED] + [
        WatchSpec("SNAP", ("Snap Inc.", "Snapchat")),
        WatchSpec("GAP", ("Gap Inc.", "Old Navy", "Banana Republic", "Athleta")),
        WatchSpec("BABA", ("Alibaba Group", "Alibaba", "Taobao")),
    ]
    return Matcher(companies_for(specs))


@pytest.fixture(scope="session")
def portfolio() -> Matcher:
    """A matcher watching the S&P 500 portfolio sets' watchlist."""
    return Matcher(
        companies_for(load_watchlist(Path(__file__).resolve().parent / "labelled_sp500" / "watchlist.toml"))
    )
