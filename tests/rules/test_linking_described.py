"""A headline that speaks of a company by what it is ('Missile maker to pay...', 'Search giant paid card
network...') is about the company the text below names most; product nouns and corporate verbs
confirm an ambiguous name; a known first name makes a person of it in any headline; the tool staff
used is named in passing."""

from __future__ import annotations

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec
from rules.text import Doc


def linked(matcher: Matcher, title: str, lead: str = "", body: str = "") -> set[str]:
    return {m.ticker for m in matcher.match_text(title, lead, body)}


@pytest.fixture(scope="module")
def described() -> Matcher:
    return Matcher(
        companies_for([WatchSpec(t) for t in ("RTX", "LMT", "AMZN", "LHX", "WMB", "META", "TSLA", "NWSA")])
    )


def test_the_company_a_headline_describes_is_linked(described: Matcher) -> None:
    title = "Missile maker to pay $950 million to end bribery and arms-export cases"
    lead = "The defense contractor entered two deferred prosecution agreements."
    body = (
        "RTX, formerly Raytheon Technologies, admitted that Raytheon paid a Qatari official. "
        "Raytheon also failed to disclose the payments in export licence applications, prosecutors said. "
        "Lockheed Martin, a rival, was not involved."
    )
    assert linked(described, title, lead, body) == {"RTX"}
    # the risk is found as well: the article is not dropped for naming nobody in its headline
    assert {m.ticker for m in described.risk_matches_doc(Doc.from_parts(title, lead, body))} == {"RTX"}


def test_a_describing_headline_needs_the_company_named_more_than_once(described: Matcher) -> None:
    title = "Missile maker to pay $950 million to end arms-export case"
    assert linked(described, title, "", "Analysts at a bank compared it with Lockheed Martin.") == set()


def test_a_product_noun_or_a_corporate_verb_confirms_an_ambiguous_name(described: Matcher) -> None:
    assert linked(described, "Police agreed to keep Harris phone-tracking gear secret, records show") == {
        "LHX"
    }
    assert linked(described, "Amazon sent operatives to gather intelligence on warehouse union drives") == {
        "AMZN"
    }


def test_a_known_first_name_makes_a_person_in_any_headline(described: Matcher) -> None:
    assert linked(described, "Serena Williams Says She Is Evolving Away From Tennis") == set()


def test_the_app_staff_used_is_named_in_passing(described: Matcher) -> None:
    assert linked(described, "Wall Street banks fined as staff used WhatsApp to talk business") == set()


def test_a_publisher_described_in_the_headline_is_the_company_named_below(described: Matcher) -> None:
    title = "Actor settles claim against Sun publisher over phone hacking and private investigators"
    lead = "The actor settled his lawsuit against News Group Newspapers, the publisher of The Sun."
    body = "News Group, a unit of News Corp, said it made no admission. News Group Newspapers denied it."
    assert linked(described, title, lead, body) == {"NWSA"}
