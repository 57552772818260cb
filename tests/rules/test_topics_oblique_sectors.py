"""Topics told obliquely across sectors: a relator's share of a settlement collected by a former
insider, the 'implied certification' theory of False Claims Act suits, severance deals that make staff
waive tip awards; location data sold through aggregators or handled in a way users sue over, browsing
scanned or tracked, employers watching for labour organising; a penalty over work for a Russian company
under sectoral sanctions. Each with the trap next to it. Also a listing on a foreign exchange that
shares its letters with an American company's ticker."""

from __future__ import annotations

import pytest

from rules.engine import Matcher
from tests.rules.kit import linked

OBLIQUE = [
    ("whistleblower", "Ex-billing manager will receive $12 million of the hospital group's settlement"),
    ("whistleblower", "Court revives implied false certification claims against the lab operator"),
    ("whistleblower", "Insurer fined over severance agreements that had staff waive any award from the SEC"),
    ("surveillance", "Carriers supplied customers' location data to aggregators that resold it"),
    ("surveillance", "Phone locations ended up with bounty hunters after carriers sold them"),
    ("surveillance", "Search firm settles state lawsuit over its handling of users' location history"),
    ("surveillance", "Internet provider charged customers who did not want their browsing scanned"),
    ("surveillance", "Retailer built a dashboard to track union organizing at its stores"),
    ("surveillance", "Staff say the new tool is meant to flag attempts to organize"),
    ("sanctions", "Oilfield unit fined over drilling work for Rosneft in the Arctic"),
]

TRAPS = [
    ("whistleblower", "Former workers to receive back pay from the overtime settlement"),
    ("whistleblower", "Former shareholders will collect $40 million from the merger settlement"),
    ("whistleblower", "It found the trades, fired the staff and reported them: voluntarily disclosed"),
    ("whistleblower", "The suit follows complaints to the National Labor Relations Board by former staff"),
    ("surveillance", "Stolen location data from the breach was posted online, and the firm was sued"),
    ("surveillance", "Browser maker says browsing is faster after the update"),
    ("surveillance", "Union says organizing drive at the warehouse is gaining ground"),
    ("sanctions", "Oil major pays for a stake in Rosneft's Arctic field"),
]


def test_a_foreign_exchange_symbol_is_not_the_american_ticker(portfolio: Matcher) -> None:
    assert "PRU" not in linked(portfolio, "Prudential plc (LSE: PRU) sells its Asian unit")
    assert "EQT" not in linked(portfolio, "EQT AB (STO: EQT) raises a new buyout fund")
    assert "PRU" in linked(portfolio, "Prudential Financial (NYSE: PRU) sells its Asian unit")


def test_a_foreign_exchange_symbol_still_names_a_foreign_company(portfolio: Matcher) -> None:
    assert "SHEL" in linked(portfolio, "Shell plc (LSE: SHEL) fined over sanctions breach")


def test_a_platform_that_merely_streamed_an_event_is_not_its_subject(portfolio: Matcher) -> None:
    assert "NFLX" not in linked(portfolio, "Boxer wins title in a Netflix-streamed fight")
    assert "NFLX" not in linked(portfolio, "Title fight will be broadcast by Netflix, promoter says")
    assert "NFLX" in linked(portfolio, "Netflix streamed the fight to 60 million homes")


def test_venues_and_vehicles_named_like_companies_are_not_them(portfolio: Matcher) -> None:
    assert "COF" not in linked(portfolio, "Hockey team signs a new lease at Capital One Arena")
    assert "SYK" not in linked(portfolio, "Army sends more Stryker combat vehicles to Europe")
    assert "SYK" in linked(portfolio, "Stryker recalls hip implants over loosening")


def test_an_association_sharing_a_companys_initials_is_not_it(portfolio: Matcher) -> None:
    assert "APA" not in linked(portfolio, "APA warns psychologists against using chatbots in therapy")
    assert "APA" in linked(portfolio, "APA to buy a shale producer in $4.5 billion deal")


def test_short_names_of_units_and_issuers(portfolio: Matcher) -> None:
    assert "GEV" in linked(portfolio, "Vernova shares jump on first day of trading")
    assert "UHS" in linked(portfolio, "Universal Health unit settles billing claims")
    assert "UHS" not in linked(portfolio, "Senators back Universal Health Coverage bill")


def test_an_ordinary_word_name_listed_with_a_confirmed_one_is_a_company(portfolio: Matcher) -> None:
    assert {"LUV", "UAL"} <= linked(portfolio, "Southwest and United workers sue over fingerprint scans")
    assert "LUV" not in linked(portfolio, "Heat grips the Southwest and Delta workers walk out")


def test_a_customer_whose_demand_drives_a_suppliers_results_is_passing(portfolio: Matcher) -> None:
    title = "Memory maker posts record profit as Apple's appetite for chips grows"
    assert "AAPL" not in linked(portfolio, title)
    assert "AAPL" not in linked(portfolio, "Lens supplier's sales jump on Apple's demand for cameras")
    assert "AAPL" in linked(portfolio, "Apple's sales jump on demand for cameras")


@pytest.mark.parametrize(
    ("ticker", "title"),
    [
        ("SLB", "OneSubsea fined over equipment shipped to Russia"),
        ("CNC", "Health Net agrees to pay $97 million to settle billing claims"),
        ("MDT", "Covidien accused of paying kickbacks to surgeons"),
        ("HII", "Newport News Shipbuilding worker alleges falsified inspections"),
    ],
)
def test_well_known_units_map_to_their_parent(portfolio: Matcher, ticker: str, title: str) -> None:
    assert ticker in linked(portfolio, title)


@pytest.mark.parametrize(
    ("ticker", "venue"),
    [("TMUS", "T-Mobile Arena"), ("WFC", "Wells Fargo Center"), ("PNC", "PNC Park"), ("T", "AT&T Stadium")],
)
def test_a_venue_named_under_a_naming_rights_deal_is_not_the_company(
    portfolio: Matcher, ticker: str, venue: str
) -> None:
    assert ticker not in linked(portfolio, f"Protesters gather outside {venue} before the final")
