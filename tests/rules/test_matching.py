"""The canonical case and the traps that must never match (one test per trap)."""

from __future__ import annotations

import pytest

from feeds.models import Article
from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec
from tests.feedkit import SEED

WATCH = ["AMZN", "SHEL", "V", "TGT", "ORCL", "F", "META", "BP", "AAPL", "INTC", "TSLA", "UBER", "JPM", "NVDA"]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    specs = [WatchSpec(t) for t in WATCH] + [
        WatchSpec("SNAP", ("Snap Inc.", "Snapchat")),
        WatchSpec("XYZ"),
        WatchSpec("GAP", ("Gap Inc.", "Old Navy")),
    ]
    return Matcher(companies_for(specs))


def tickers(matcher: Matcher, title: str, body: str = "") -> dict[str, tuple[str, ...]]:
    return {m.ticker: m.topics for m in matcher.match_text(title, "", body)}


def test_seed_story_is_one_amzn_alert_with_three_topics(matcher) -> None:
    text = SEED.read_text(encoding="utf-8")
    title, _, body = text.partition("\n\n")
    article = Article(id="seed", link="https://x.example/seed", title=title, content=body)
    matches = matcher.match(article)
    assert [m.ticker for m in matches] == ["AMZN"]
    (m,) = matches
    assert {"sanctions", "whistleblower", "surveillance"} <= set(m.topics)
    assert m.denied
    assert m.evidence and all(e.sentence for e in m.evidence)
    assert {e.topic for e in m.evidence} >= {"sanctions", "whistleblower", "surveillance"}


@pytest.mark.parametrize(
    "title,body,forbidden",
    [
        ("Treasury sanctions network shipping Iranian oil through front and shell companies", "", "SHEL"),
        ("Drought drives the Amazon river to record lows as Amazon deforestation rises", "", "AMZN"),
        ("U.S. imposes visa bans on officials accused of undermining democracy", "", "V"),
        ("EU readies targeted sanctions; officials are the target of new measures", "", "TGT"),
        ("'Oracle of Omaha' Warren Buffett writes his Thanksgiving letter", "", "ORCL"),
        ("Ontario's Doug Ford calls a snap election", "", "F"),
        ("Ontario's Doug Ford calls a snap election", "", "SNAP"),
        ("Meta-analysis: lowering BP benefits patients", "Blood pressure (BP) targets cut strokes.", "META"),
        ("Meta-analysis: lowering BP benefits patients", "Blood pressure (BP) targets cut strokes.", "BP"),
        ("Farmers report record apple harvest as apples flood markets", "", "AAPL"),
        ("Military intel suggests troop build-up near the border", "", "INTC"),
        ("Magnetic field of 3 tesla used in new MRI scanner", "", "TSLA"),
        ("The uber-rich flock to Monaco as taxes rise", "", "UBER"),
        ("Protesters block the road to the port as the wage gap widens", "", "XYZ"),
        ("Protesters block the road to the port as the wage gap widens", "", "GAP"),
    ],
)
def test_name_collisions_never_link(matcher, title, body, forbidden) -> None:
    assert forbidden not in tickers(matcher, title, body)


def test_sporting_sanctions_are_not_the_sanctions_topic(matcher) -> None:
    found = matcher.analyse_doc(
        __import__("rules.text", fromlist=["Doc"]).Doc.from_parts(
            "NCAA sanctions Michigan over sign-stealing scheme with fines and show-cause orders"
        )
    )
    assert not any(t.tagged for t in found.topics if t.spec.id == "sanctions")


def test_trade_surveillance_is_not_surveillance(matcher) -> None:
    found = tickers(
        matcher,
        "JPMorgan fined $348 million over gaps in trade surveillance",
        "Regulators said JPMorgan failed to monitor billions of orders in its trade surveillance.",
    )
    assert found.get("JPM") == ()


def test_passing_mention_is_not_linked(matcher) -> None:
    found = tickers(
        matcher,
        "Snap unveils new Spectacles AR glasses for developers",
        "Snap Inc. said the glasses ship next year. The device competes with offerings from Meta and Apple.",
    )
    assert "SNAP" in found and "META" not in found and "AAPL" not in found


def test_cashtag_links(matcher) -> None:
    assert "TSLA" in tickers(matcher, "$TSLA slides as deliveries drop")


def test_denial_never_suppresses(matcher) -> None:
    found = matcher.match_text(
        "Former Oracle manager sues, says she was fired for refusing to inflate revenue",
        "Oracle denies the claims.",
    )
    assert found and found[0].ticker == "ORCL" and "whistleblower" in found[0].topics and found[0].denied
