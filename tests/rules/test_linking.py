"""Company linking: every ambiguous name links in a company story and not in its other sense."""

from __future__ import annotations

import pytest

from rules.engine import Matcher


def linked(matcher: Matcher, title: str, lead: str = "", body: str = "") -> set[str]:
    return {m.ticker for m in matcher.match_text(title, lead, body)}


# (ticker, a story about the company, the same word in another sense)
AMBIGUOUS = [
    (
        "AMZN",
        "Amazon said it will hire 250,000 seasonal workers",
        "Fires in the Amazon rainforest reached a record as drought hit the region",
    ),
    (
        "SHEL",
        "Shell said it would cut 20% of jobs in its low-carbon unit",
        "Investigators traced the payments through a shell company in Cyprus",
    ),
    (
        "V",
        "Visa agrees to buy fintech start-up for $2 billion",
        "U.S. imposes visa bans on officials accused of rigging the election",
    ),
    (
        "TGT",
        "Target cuts its sales forecast as shoppers pull back",
        "The minister became the target of new sanctions announced on Monday",
    ),
    (
        "AAPL",
        "Apple unveils new iPhone with larger battery",
        "Growers expect a record apple harvest as orchards recover from frost",
    ),
    (
        "META",
        "Meta agrees to pay $725 million to settle privacy lawsuit",
        "A meta-analysis of 48 trials found that lowering blood pressure saves lives",
    ),
    (
        "ORCL",
        "Oracle signs multiyear cloud deal with OpenAI",
        "The 'Oracle of Omaha' Warren Buffett releases his annual letter",
    ),
    (
        "XYZ",
        "Block said Cash App revenue rose 20% in the quarter",
        "Protesters block the road to the capital for a third day",
    ),
    (
        "GAP",
        "Gap Inc. names new chief executive for Old Navy",
        "The gap between rich and poor widened again last year",
    ),
    (
        "SNAP",
        "Snap shares jump after Snapchat user growth beats forecasts",
        "The prime minister called a snap election for November",
    ),
    (
        "F",
        "Ford Motor recalls 500,000 SUVs over brake defect",
        "Ontario premier Doug Ford threatens to cut electricity to three U.S. states",
    ),
    (
        "INTC",
        "Intel said it will cut 15% of its workforce",
        "Military intel suggests a troop build-up near the border",
    ),
    (
        "TSLA",
        "Tesla recalls 2 million cars over Autopilot safeguards",
        "The new MRI scanner uses a magnetic field of 7 tesla",
    ),
    (
        "UBER",
        "Uber fined by Dutch regulator over driver data transfers",
        "The uber-rich flock to Monaco as new taxes loom",
    ),
    (
        "BP",
        "BP said it would sell its stake in the Azerbaijan pipeline",
        "Lowering BP below 120 mmHg cut strokes by a quarter, the trial found",
    ),
]


@pytest.mark.parametrize("ticker,company_story,other_sense", AMBIGUOUS, ids=[a[0] for a in AMBIGUOUS])
def test_ambiguous_name_links_in_company_story(matcher, ticker, company_story, other_sense) -> None:
    assert ticker in linked(matcher, company_story)


@pytest.mark.parametrize("ticker,company_story,other_sense", AMBIGUOUS, ids=[a[0] for a in AMBIGUOUS])
def test_ambiguous_name_does_not_link_in_other_sense(matcher, ticker, company_story, other_sense) -> None:
    assert ticker not in linked(matcher, other_sense)


@pytest.mark.parametrize(
    "text,ticker",
    [
        ("Instagram fined over children's data", "META"),
        ("WhatsApp says spyware targeted 90 users", "META"),
        ("YouTube removes channels tied to state media", "GOOGL"),
        ("AWS outage disrupts banks and airlines", "AMZN"),
        ("Ring to pay $5.8 million over staff access to videos", "AMZN"),
        ("Cash App fined by state regulators over compliance failures", "XYZ"),
        ("Old Navy recalls children's jackets", "GAP"),
        ("Azure suffers global outage", "MSFT"),
    ],
)
def test_brands_and_units_map_to_parent(matcher, text, ticker) -> None:
    assert ticker in linked(matcher, text)


@pytest.mark.parametrize(
    "text,ticker",
    [
        ("$TSLA slides as deliveries fall", "TSLA"),
        ("Shares of XYZ company (NASDAQ: AMZN) rose in early trading on cloud demand", "AMZN"),
        ("Results beat forecasts (NYSE: F) as trucks sell well", "F"),
        ("Miner posts record profit (LSE: GLEN) on coal prices", "GLNCY"),
    ],
)
def test_explicit_symbols_are_strong_evidence(matcher, text, ticker) -> None:
    assert ticker in linked(matcher, text)


def test_supplier_story_is_not_about_the_customer(matcher) -> None:
    found = linked(
        matcher,
        "Foxconn profit rises on AI server demand",
        "Foxconn, the assembler for Apple Inc. (NASDAQ: AAPL), said quarterly profit rose 14%.",
    )
    assert "AAPL" not in found


def test_competitors_named_for_context_are_not_linked(matcher) -> None:
    found = linked(
        matcher,
        "Snap unveils Spectacles AR glasses",
        "Snap introduced new glasses, as it competes with Meta and Apple in head-worn devices.",
    )
    assert found == {"SNAP"}


def test_company_named_twice_in_lead_is_linked(matcher) -> None:
    found = linked(
        matcher,
        "Regulators fine two banks over reporting failures",
        "HSBC was fined £57 million. HSBC said it had fixed the problems.",
    )
    assert "HSBC" in found


def test_executive_confirms_ambiguous_name(matcher) -> None:
    assert "AMZN" in linked(
        matcher, "Amazon faces questions in Congress", "Andy Jassy was asked about warehouse safety."
    )


def test_lowercase_ambiguous_name_is_not_the_company(matcher) -> None:
    assert "XYZ" not in linked(matcher, "Officials said they would block the merger of two regional banks")
