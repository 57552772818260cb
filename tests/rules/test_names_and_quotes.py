"""Names a story uses in another sense: a foreign unit of a parent with a US namesake ('T-Mobile
Netherlands'), a celebrity of the family name, a venue named under a naming-rights deal, an athlete
whose first name is spelled with an inner capital. Topic words in quotes or with a plural possessive;
an insider going public, keeping tabs on people, cameras flagging shoppers, friends' exact locations;
and a new law's whistleblower awards, which are no case."""

from __future__ import annotations

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec
from tests.rules.kit import linked, tagged

OBLIQUE = [
    ("whistleblower", "Former phone maker contractor goes public, urges regulators to act on recordings"),
    ("surveillance", "Ride-hailing firm used fake rider accounts to keep tabs on rival's drivers"),
    ("surveillance", "Retailer's computer-vision cameras at checkouts flag shoppers who skip items"),
    ("surveillance", "Messaging app's new map shows friends' exact locations, alarming parents"),
]

TRAPS = [
    ("whistleblower", "Congress passed the act, which expands whistleblower awards for reporting"),
    ("whistleblower", "Former executive's start-up goes public on Nasdaq"),
    ("surveillance", "Investors keep tabs on inflation data before the Fed meeting"),
    ("surveillance", "Camera maker's sales rise as shoppers snap up new models"),
]


@pytest.fixture(scope="module")
def names() -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in ("TMUS", "HLT", "MET", "BALL", "LMT", "RTX", "COF")]))


@pytest.mark.parametrize(
    "title",
    [
        "Deutsche Telekom agrees to sell T-Mobile Netherlands for 5.1 billion euros",
        "Paris Hilton urges Congress to rein in abuse at youth treatment centres",
        "MetLife Stadium in New Jersey will host the World Cup final",
        "Hornets' LaMelo Ball named NBA Rookie of the Year",
    ],
)
def test_another_sense_of_the_name_is_not_the_company(names: Matcher, title: str) -> None:
    assert linked(names, title) == set()


def test_the_companies_themselves_still_link(names: Matcher) -> None:
    assert linked(names, "T-Mobile fined $60 million over sales to unauthorised buyers") == {"TMUS"}
    assert linked(names, "Hilton Worldwide sued over facial recognition at hotels") == {"HLT"}
    assert linked(names, "MetLife pays SEC over whistleblower rules") == {"MET"}
    assert linked(names, "Ball Corp. agrees to pay $2 million over export control violations") == {"BALL"}


def test_a_quoted_list_name_is_found(names: Matcher) -> None:
    title = "China puts Lockheed Martin and Raytheon units on 'unreliable entity' list over Taiwan arms sales"
    assert "sanctions" in tagged(names, title)
    assert linked(names, title) == {"LMT", "RTX"}
