"""Regression guard: the labelled sets in tests/rules/labelled/ keep their linking and alert scores.

The `matcher` fixture (conftest.py) watches the same tickers and names as ../shared/eval/watchlist.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.models import Article
from rules.engine import Matcher

HERE = Path(__file__).resolve().parent / "labelled"
TOPICS = ("sanctions", "whistleblower", "surveillance")


def f1(got: set[tuple[str, ...]], want: set[tuple[str, ...]]) -> float:
    tp = len(got & want)
    p = tp / len(got) if got else 1.0
    r = tp / len(want) if want else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("*.jsonl")))
def test_labelled_set_keeps_its_scores(matcher: Matcher, name: str) -> None:
    items = [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line]
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
    assert f1(got_links, want_links) >= 0.95, sorted(got_links ^ want_links)
    assert f1(got_alerts, want_alerts) >= 0.9, sorted(got_alerts ^ want_alerts)
