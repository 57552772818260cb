"""Surveillance told through governments and devices abroad: a court order to unlock a phone, a law that
would weaken encryption or make messages traceable, governments seeking users' records, usage data or
faces collected without consent, cameras filming passers-by, call logs kept, workers' hand movements
tracked. With the traps next to them. Also the names foreign news turns on: another organisation named
with a company's word ('Cadence Bancorporation', 'Constellation Software'), a nationality adjective
('Norwegian power supplier'), a name that starts a hyphenated word ('Southern Co-op'), a longer foreign
name followed by its own listing symbol, a Windows version."""

from __future__ import annotations

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec
from tests.rules.kit import linked

OBLIQUE = [
    ("surveillance", "Phone maker fights court order to help FBI unlock gunman's iPhone"),
    (
        "surveillance",
        "Messaging app warns it would leave the UK rather than weaken encryption under the new law",
    ),
    ("surveillance", "App sues government to block rule that would force it to trace messages"),
    ("surveillance", "Governments sought users' push-notification records from the phone makers"),
    ("surveillance", "Regulator says operating system collects users' usage data without valid consent"),
    ("surveillance", "Company sued over dataset built from photos of faces without consent"),
    ("surveillance", "Watchdog says carmaker changed its cameras after they filmed passers-by"),
    ("surveillance", "Social network kept years of users' call logs, users find"),
    ("surveillance", "Retailer wins patent for wristband that tracks warehouse workers' hand movements"),
]

TRAPS = [
    ("surveillance", "Phone maker adds a way to unlock the phone with a watch"),
    ("surveillance", "Court records show the chain gathered photos for its catalogue"),
    ("surveillance", "Carmaker unveils new cameras for parking as sales rise"),
]


@pytest.fixture(scope="module")
def abroad() -> Matcher:
    return Matcher(
        companies_for([WatchSpec(t) for t in ("CDNS", "CEG", "NCLH", "SO", "DPZ", "MSFT", "LUV", "UAL")])
    )


@pytest.mark.parametrize(
    "title",
    [
        "BancorpSouth and Cadence Bancorporation agree to merge",
        "Constellation Software founder steps down as president",
        "Taiwan firm completes takeover of Norwegian power supplier Eltek",
        "Southern Co-op's use of cameras in stores faces complaint to UK privacy regulator",
        "Domino's Pizza Enterprises (ASX: DMP) to shut about 200 stores in Japan",
    ],
)
def test_another_organisation_named_with_the_word_is_not_the_company(abroad: Matcher, title: str) -> None:
    assert linked(abroad, title) == set()


def test_the_companies_still_link(abroad: Matcher) -> None:
    assert linked(abroad, "Cadence Design pleads guilty over exports", "Cadence said it would pay.") == {
        "CDNS"
    }
    assert linked(abroad, "Norwegian Cruise Line fined over passengers' data") == {"NCLH"}
    assert linked(abroad, "Southwest and United workers' fingerprint claims go to arbitration") == {
        "LUV",
        "UAL",
    }
    assert linked(abroad, "Dutch regulator says Windows 10 collects usage data without valid consent") == {
        "MSFT"
    }
