"""Tracking and insiders in other words: drivers' braking and speeding data sold to insurers, voice
recordings kept, devices fingerprinted, government access to users' keys, information gathered through
fake accounts, users followed around the web, face scans collected from people not told what for, critics
hacked for hire, data processed for advertising; a False Claims Act suit brought by a private party.
With the traps: workers' own biometric suits, hacks of a company, voice features, legitimate access.
Also the names: a name two companies share inside the longer name of one, a name followed by another
company's listing symbol, a research firm named like a utility."""

from __future__ import annotations

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec
from tests.rules.kit import linked

OBLIQUE = [
    ("surveillance", "State sues carmaker, saying it sold drivers' braking and speeding data to insurers"),
    ("surveillance", "Speaker maker to pay $25 million over holding on to children's voice recordings"),
    ("surveillance", "Ride app fingerprinted iPhones even after it was deleted, report says"),
    (
        "surveillance",
        "Phone maker moves users' iCloud keys to a state-run centre, raising fears of government access",
    ),
    ("surveillance", "Ride company used fake rider accounts to collect information on rival drivers"),
    ("surveillance", "Court orders social network to stop following users around the web"),
    (
        "surveillance",
        "Contractors offered homeless people gift cards for face scans to train a phone feature",
    ),
    ("surveillance", "Filings tie hacker-for-hire case to campaign against oil major's climate critics"),
    ("surveillance", "Regulator fines retailer over processing of personal data for advertising"),
    ("whistleblower", "Court lets an auditor's False Claims Act lawsuit against the phone company proceed"),
    ("surveillance", "Army bars the carmaker's vehicles from its bases, fearing they could be used to spy"),
    ("surveillance", "Privacy regulators question the social network over smart glasses that record video"),
]

TRAPS = [
    (
        "whistleblower",
        "Workers' fingerprint time-clock suit goes to arbitration; it was brought by workers at two airports",
    ),
    ("surveillance", "Hackers hit the oil major's systems in a ransomware attack"),
    ("surveillance", "Speaker maker adds voice recordings feature for musicians"),
    ("whistleblower", "Government files False Claims Act case itself against the hospital chain"),
    ("surveillance", "Smart glasses sales triple as the social network cuts prices"),
]


@pytest.fixture(scope="module")
def names() -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in ("HPE", "HPQ", "APA", "ED", "EIX", "UBER")]))


def test_a_shared_name_inside_one_companys_longer_name_is_that_companys(names: Matcher) -> None:
    title = "Hewlett Packard Enterprise to buy Juniper Networks for $14 billion"
    assert linked(names, title, "Hewlett Packard Enterprise said the deal would close next year.") == {"HPE"}


def test_a_name_followed_by_another_companys_listing_symbol_is_that_company(names: Matcher) -> None:
    assert linked(names, "APA Group (ASX: APA) to buy power assets for A$1.7 billion") == set()
    assert linked(names, "APA Corp (NASDAQ: APA) fined over methane leaks", "APA said it would pay.") == {
        "APA"
    }


def test_a_research_firm_named_like_a_utility_is_not_the_utility(names: Matcher) -> None:
    assert linked(names, "Edison Research exit poll: economy tops voters' concerns") == set()


def test_a_corporate_verb_confirms_an_ambiguous_name(names: Matcher) -> None:
    title = "Uber ran secret program using fake rider accounts to find and poach rival drivers"
    assert linked(names, title) == {"UBER"}
