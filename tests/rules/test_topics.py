"""Topic rules: the vocabulary that must fire, and each trap from TAXONOMY.md that must not."""

from __future__ import annotations

import pytest

from tests.rules.kit import tagged

FIRES = [
    ("sanctions", "Company agrees to pay OFAC $3 million over apparent sanctions violations"),
    (
        "sanctions",
        "Prosecutors say the firm shipped chips to Russia via front companies in breach of export controls",
    ),
    ("sanctions", "Commerce adds the supplier to the Entity List over military end users"),
    ("sanctions", "Boeing agrees to pay $51 million over unauthorized exports of defense technology"),
    ("whistleblower", "Former employee says she was fired after blowing the whistle on accounting"),
    ("whistleblower", "Ex-engineer alleges retaliation after raising safety concerns internally"),
    ("whistleblower", "Insider leaked internal documents showing the company knew of the defect"),
    ("surveillance", "Regulator fines retailer over facial recognition cameras in stores"),
    ("surveillance", "Spyware sold to governments was used against journalists"),
    ("surveillance", "App sold users' location data to brokers who resold it to police"),
    ("bribery", "Subsidiary pleads guilty to bribing officials under the FCPA"),
    ("fraud", "SEC charges the company with securities fraud over inflated revenue"),
    ("money_laundering", "Bank fined for anti-money laundering failures on suspicious transactions"),
    ("antitrust", "EU fines the group for abusing its dominant position in search"),
    ("privacy", "Data breach exposed the personal data of 10 million customers"),
    ("human_rights", "Report links the supplier to Uyghur forced labour"),
    ("labour", "OSHA cites warehouse after worker killed in fall"),
    ("environment", "Regulators fine refiner over oil spill and toxic contamination"),
    ("product_safety", "Carmaker recalls 1 million vehicles over airbag defect"),
]

TRAPS = [
    ("sanctions", "NCAA sanctions Michigan football program over recruiting violations"),
    ("sanctions", "UEFA sanctions the club with a stadium ban after fan violence"),
    ("sanctions", "Local council sanctioned the plan for a new stadium"),
    ("sanctions", "Company completes exit from Russia to comply with sanctions"),
    ("whistleblower", "Vendor launches whistleblowing hotline software for compliance teams"),
    ("whistleblower", "Referee's whistle ends the match in stoppage time"),
    ("whistleblower", "'The Whistleblower' film premieres at the festival"),
    ("surveillance", "CDC expands disease surveillance for bird flu in dairy herds"),
    ("surveillance", "FDA orders post-market surveillance studies for the device"),
    ("surveillance", "Exchange upgrades market surveillance to catch spoofing"),
    ("bribery", "Company announces new anti-bribery training for staff"),
    ("fraud", "Bank launches AI fraud detection tool for small businesses"),
    ("money_laundering", "Vendor launches anti-money laundering software product"),
    ("antitrust", "Family board game night: Monopoly sales jump"),
    ("privacy", "Supplier sues customer for breach of contract"),
    ("labour", "Air strike hits fuel depot, officials say"),
    ("environment", "Oil major pledges net zero by 2050"),
    ("product_safety", "Voters recall the mayor in a special recall election"),
]


@pytest.mark.parametrize("topic,title", FIRES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(FIRES)])
def test_vocabulary_fires(matcher, topic, title) -> None:
    assert topic in tagged(matcher, title)


@pytest.mark.parametrize("topic,title", TRAPS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(TRAPS)])
def test_trap_does_not_fire(matcher, topic, title) -> None:
    assert topic not in tagged(matcher, title)


def test_trade_surveillance_vetoes_bare_word_anywhere(matcher) -> None:
    found = tagged(
        matcher,
        "Bank fined over gaps in trade surveillance",
        "Some order data was never fed into its surveillance systems.",
    )
    assert "surveillance" not in found


def test_evidence_names_rule_text_and_sentence(matcher) -> None:
    (match,) = matcher.match_text(
        "Amazon accused of breaching sanctions",
        "A former AWS employee says Amazon breached UK sanctions on Russia.",
    )
    ev = [e for e in match.evidence if e.topic == "sanctions"]
    assert ev and all(e.rule.startswith("sanctions.") for e in ev)
    assert any(
        "sanctions" in e.text.lower() and e.text in (e.sentence + match.evidence[0].sentence) for e in ev
    )


def test_stage_and_denial(matcher) -> None:
    (m,) = matcher.match_text(
        "Boeing charged with export violations; company denies wrongdoing",
        "Prosecutors charged Boeing with ITAR violations. Boeing denies the allegations.",
    )
    assert m.stage == "charges" and m.denied and m.severity in ("high", "critical")


def test_fine_raises_severity(matcher) -> None:
    (small,) = matcher.match_text("HSBC fined $1 million over money laundering controls")
    (large,) = matcher.match_text("HSBC fined $1.9 billion over money laundering controls")
    order = ["low", "medium", "high", "critical"]
    assert order.index(large.severity) > order.index(small.severity)


@pytest.mark.parametrize(
    ("later", "stage"),
    [
        ("Boeing later agreed to settle the matter.", "settlement"),
        ("Boeing has been accused of the same before.", "allegation"),
        ("A complaint was filed in March.", "allegation"),
    ],
)
def test_stage_words_count_outside_the_sentences_where_a_topic_fired(matcher, later: str, stage: str) -> None:
    (m,) = matcher.match_text(
        "Boeing breached Russia sanctions, report says",
        "A report says Boeing breached sanctions on Russia by selling parts.",
        later,
    )
    assert m.topics == ("sanctions",) and m.stage == stage


@pytest.mark.parametrize(
    "background",
    [
        "The action follows a U.S. decision last month to add NSO Group to the Entity List.",
        "U.S. sanctions imposed in 2017 already restrict the state oil company's financing.",
        "In a separate case, a U.S. court fined a rival for breaching sanctions on Iran.",
        "NSO was added to the Commerce Department's Entity List in 2021 for supplying spyware.",
    ],
)
def test_a_risk_told_only_in_the_background_does_not_tag_the_story(matcher, background: str) -> None:
    title = "Meta removes accounts of seven hacking-for-hire firms"
    assert "sanctions" not in tagged(matcher, title, f"The company said on Thursday it acted. {background}")
    # the same risk told as the story's own still tags it
    own = background.replace("follows a", "is a").replace("already ", "")
    own = own.replace("In a separate case, a", "A").replace("was added to", "is added to")
    assert "sanctions" in tagged(matcher, title, f"The company said on Thursday it acted. {own}")
