"""Topics told through the people involved: cameras aimed at train crews, staff viewing customers' videos,
a reviewer sharing recordings, photos checked on users' devices, cameras in seat-backs, searches tied to a
phone number, people tracked down for arrest; an engineer's ethics complaint and a reviewer's leak;
licences for an embargoed country revoked. Each with the trap next to it. Also the names these stories
turn on: a place named with a company's word, a disease's initials."""

from __future__ import annotations

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec
from tests.rules.kit import linked

OBLIQUE = [
    ("surveillance", "Unions sue the railroad over cameras pointed at locomotive crews"),
    ("surveillance", "Doorbell maker fired staff for viewing customers' videos, it tells senators"),
    ("surveillance", "A reviewer working for the assistant's maker shared customers' recordings"),
    ("surveillance", "Phone maker drops plan to check users' photos for illegal images"),
    ("surveillance", "Airlines confirm seat-back screens in the cabin carry hidden cameras"),
    ("surveillance", "Search app would tie users' queries to their phone numbers, documents show"),
    ("surveillance", "Agency used the software to track down and arrest relatives of migrant children"),
    ("whistleblower", "Engineer's internal ethics complaint says safety upgrade was rejected over cost"),
    (
        "whistleblower",
        "A reviewer for the assistant's maker leaked a thousand voice recordings to a broadcaster",
    ),
    ("sanctions", "Planemaker halts deliveries after U.S. revokes export licences for jets bound for Iran"),
]

TRAPS = [
    ("surveillance", "Airline's new seat-back screens show live television in every cabin"),
    ("surveillance", "Search engine ties local queries to weather results"),
    ("surveillance", "Film crews pointed at the stars as cameras rolled at the premiere"),
    ("whistleblower", "Engineer's ethics lecture draws a full house at the university"),
    ("sanctions", "Tourist's driving licence revoked after a crash in Cuba"),
]


@pytest.fixture(scope="module")
def places_and_initials() -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in ("DOV", "AMD", "REGN")]))


def test_a_place_named_with_the_word_is_not_the_company(places_and_initials: Matcher) -> None:
    title = "Port of Dover declares critical incident as holiday traffic backs up for hours"
    assert not linked(places_and_initials, title, "Queues stretched for miles outside Dover.")
    assert linked(places_and_initials, "Dover Corporation fined over sanctions breaches", "") == {"DOV"}


def test_initials_the_article_defines_for_something_else_are_not_the_company(places_and_initials) -> None:
    title = "Regulator approves Regeneron's higher-dose Eylea for wet AMD"
    body = "The drug treats wet age-related macular degeneration (AMD) with fewer injections."
    assert linked(places_and_initials, title, body) == {"REGN"}
    assert linked(
        places_and_initials, "AMD chips smuggled to sanctioned buyers", "AMD said it complies."
    ) == {"AMD"}
