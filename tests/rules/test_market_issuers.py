"""Market infrastructure is not the subject; one issuer with several listings is linked once."""

from __future__ import annotations

import pytest

from rules.directory import CompanyDirectory, companies_for
from rules.engine import Matcher
from rules.models import WatchSpec


def matcher_for(*tickers: str) -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in tickers]))


def linked(matcher: Matcher, title: str, lead: str = "", body: str = "") -> set[str]:
    return {m.ticker for m in matcher.match_text(title, lead, body)}


@pytest.fixture(scope="module")
def markets() -> Matcher:
    return matcher_for("NDAQ", "SPGI", "DOW", "NWSA", "MSCI", "ICE", "HD", "MSFT", "WMT")


@pytest.mark.parametrize(
    ("title", "lead"),
    [
        (
            "Home Depot (NASDAQ: HD) is fined $2 million over lead paint rules",
            "Home Depot said it would pay.",
        ),
        ("Nasdaq-listed chipmaker slumps after its auditor quits", "The Nasdaq Composite closed 2% lower."),
        ("Walmart to join the S&P 500 index on Monday", "Walmart replaces a retailer in the S&P 500."),
        ("Microsoft and Walmart join the Dow Jones Industrial Average", "The Dow Jones index adds two."),
        ("Chinese shares added to the MSCI Emerging Markets index", "The MSCI World index also rose."),
        ("Walmart stock hits a record on the New York Stock Exchange", "NYSE-listed shares of Walmart rose."),
        ("Nasdaq closes at a record as rate-cut bets grow", "The tech-heavy Nasdaq gained 1.2%."),
    ],
)
def test_markets_indices_and_symbols_do_not_link_their_operator(markets, title, lead) -> None:
    assert not linked(markets, title, lead) & {"NDAQ", "SPGI", "DOW", "NWSA", "MSCI", "ICE"}


def test_market_operator_as_the_subject_still_links(markets) -> None:
    assert "NDAQ" in linked(
        markets, "Nasdaq Inc. fined by SEC over trading halt failures", "Nasdaq said it would pay."
    )
    assert "SPGI" in linked(markets, "S&P Global agrees to buy data provider", "S&P Global said on Monday.")
    assert "NDAQ" in linked(markets, "Nasdaq fined by SEC over trading halt failures")


def test_a_symbols_own_company_still_links(markets) -> None:
    assert "HD" in linked(
        markets, "Home Depot (NYSE: HD) fined over lead paint", "Home Depot said it would pay."
    )


def test_share_classes_are_one_issuer_listed_under_the_primary() -> None:
    directory = CompanyDirectory.default()
    for first, second in (("GOOGL", "GOOG"), ("FOXA", "FOX"), ("NWSA", "NWS")):
        a, b = directory.get(first), directory.get(second)
        assert a is not None and b is not None
        assert a.issuer == b.issuer and a.listings[0] == first and b.listings[0] == first


def test_article_links_an_issuer_once_under_its_primary_watched_listing() -> None:
    matcher = matcher_for("GOOG", "GOOGL", "FOX", "FOXA")
    matches = matcher.match_text(
        "Google fined €100 million over tracking of users", "Google said it would appeal."
    )
    assert [m.ticker for m in matches] == ["GOOGL"]
    assert matches[0].listings == ("GOOGL", "GOOG")


def test_a_single_watched_class_is_reported_as_itself() -> None:
    matcher = matcher_for("GOOG")
    assert linked(
        matcher, "Google fined €100 million over tracking of users", "Google said it would appeal."
    ) == {"GOOG"}


def test_curated_issuer_group_joins_listings_the_base_data_keeps_apart() -> None:
    stocks = [
        {
            "name": "Acme A",
            "symbol": "ACMA",
            "symbols": [{"yahoo": "ACMA", "google": "NYSE:ACMA"}],
            "isins": [],
        },
        {
            "name": "Acme B",
            "symbol": "ACMB",
            "symbols": [{"yahoo": "ACMB", "google": "NYSE:ACMB"}],
            "isins": [],
        },
    ]
    directory = CompanyDirectory(stocks, {"_GLOBAL": {"issuers": [["ACMB", "ACMA"]]}})
    a, b = directory.get("ACMA"), directory.get("ACMB")
    assert a is not None and b is not None
    assert a.issuer == b.issuer == "ACMB"
    matcher = Matcher([a, b])
    assert linked(matcher, "Acme A and Acme B shares fall after fine", "Acme A said it would pay.") == {
        "ACMB"
    }


def test_a_name_two_issuers_share_links_the_one_the_article_points_to() -> None:
    both = matcher_for("MRK", "MRK.F")
    # nothing else said: the American company of the name; its German namesake writes its legal form
    title = "Judge sides with Merck in former scientists' whistleblower suit over vaccine claims"
    assert linked(both, title, "Merck said the ruling confirmed its position.") == {"MRK"}
    german = "Merck KGaA fined over sanctions breaches at its Darmstadt lab supplier"
    assert linked(both, german, "Merck KGaA said it would appeal the fine.") == {"MRK.F"}
    # either one alone is still linked by the name
    assert linked(matcher_for("MRK.F"), title, "Merck said the ruling confirmed its position.") == {"MRK.F"}


def test_an_acronym_the_article_spells_out_for_another_body_is_not_the_company() -> None:
    pra = matcher_for("PRAA", "IBM")
    title = "Bank of England's Prudential Regulation Authority delays capital rules by a year"
    assert not linked(pra, title, "The PRA said banks would get more time to prepare.")
    # spelled out as the company's own name, the acronym is the company
    ibm = "International Business Machines (IBM) settles whistleblower claims"
    assert linked(pra, ibm, "IBM said it would pay $1 million.") == {"IBM"}
    # not spelled out: the company
    assert linked(pra, "PRA Group fined by CFPB", "PRA said it would pay the fine.") == {"PRAA"}
