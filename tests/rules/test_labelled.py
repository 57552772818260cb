"""Regression guard: the labelled sets keep their linking and alert scores.

Sets in tests/rules/labelled/ are scored with the `matcher` fixture (conftest.py), which watches the
same tickers and names as ../shared/eval/watchlist.toml; sets in tests/rules/labelled_sp500/ with a
matcher watching that folder's watchlist.toml (the eval tickers plus the S&P 500), as users watching a
portfolio would. Every set file in a folder is scored (set7 to set19, set26, set32 and set33 in
labelled_sp500/; heldout/ is not scored here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.models import Article
from rules.directory import companies_for
from rules.engine import Matcher
from rules.watchlist import load_watchlist

HERE = Path(__file__).resolve().parent / "labelled"
SP500 = Path(__file__).resolve().parent / "labelled_sp500"
TOPICS = ("sanctions", "whistleblower", "surveillance")


def f1(got: set[tuple[str, ...]], want: set[tuple[str, ...]]) -> float:
    tp = len(got & want)
    p = tp / len(got) if got else 1.0
    r = tp / len(want) if want else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


@pytest.fixture(scope="module")
def portfolio_matcher() -> Matcher:
    return Matcher(companies_for(load_watchlist(SP500 / "watchlist.toml")))


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("*.jsonl")))
def test_labelled_set_keeps_its_scores(matcher: Matcher, name: str) -> None:
    links, alerts = scores(matcher, HERE / name)
    assert links >= 0.95 and alerts >= 0.9, (links, alerts)


@pytest.mark.parametrize("name", sorted(p.name for p in SP500.glob("*.jsonl")))
def test_labelled_set_keeps_its_scores_watching_the_sp500(portfolio_matcher: Matcher, name: str) -> None:
    links, alerts = scores(portfolio_matcher, SP500 / name)
    assert links >= 0.94 and alerts >= 0.92, (links, alerts)


def scores(matcher: Matcher, path: Path) -> tuple[float, float]:
    """Linking F1 and alerts F1 of `matcher` on the labelled items in `path`."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    got_links: set[tuple[str, ...]] = set()
    got_alerts: set[tuple[str, ...]] = set()
    want_links: set[tuple[str, ...]] = set()
    want_alerts: set[tuple[str, ...]] = set()
    for it in items:
        if it.get("ambiguous"):
            continue
        article = Article(
            id=it["id"],
            link=it["link"],
            title=it["title"],
            summary=it.get("summary", ""),
            content=it.get("content", ""),
        )
        for m in matcher.match(article):
            got_links.add((it["id"], m.ticker))
            got_alerts.update((it["id"], m.ticker, t) for t in m.topics if t in TOPICS)
        for t in it["expect"]["tickers"]:
            want_links.add((it["id"], t))
            want_alerts.update((it["id"], t, topic) for topic in it["expect"]["topics"])
    return f1(got_links, want_links), f1(got_alerts, want_alerts)
