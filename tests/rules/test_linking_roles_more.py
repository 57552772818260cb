"""Linking by role, more cases: a surname after a given name in a sentence-case headline, a legal term
named after a company, a maker named only as the builder of a product or a parent of a joint venture,
the platform that received data or carried ads, a company a headline names after another company's
symbol, a unit named as the object of an acquisition, and ordinary-word airline names confirmed by
what airlines do."""

from __future__ import annotations

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec

TICKERS = ("BALL", "CVX", "BA", "LMT", "LHX", "META", "HD", "GOOGL", "DIS", "AAPL", "DAL", "UAL", "FOXA")
TICKERS += ("INTC", "NVDA", "AMD", "CNP", "KR", "WMT", "SWKS", "SMCI", "RTX", "HD", "MAR", "HST", "GNRC")
TICKERS += ("PLTR", "HOOD", "APP", "CMCSA", "MCHP", "TXN", "ADI", "TPR", "NFLX", "MSFT", "NOC", "XOM", "COP")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in TICKERS]))


def linked(matcher: Matcher, title: str, lead: str = "") -> set[str]:
    return {m.ticker for m in matcher.match_text(title, lead)}


def test_a_surname_after_a_given_name_in_a_sentence_case_headline_is_a_person(matcher) -> None:
    assert linked(matcher, "Lakers sign Dario Ball to a two-year contract") == set()
    # in title case every word is capitalised: the word before says nothing
    assert linked(matcher, "Investors Cheer Ball Corp. Results") == {"BALL"}


def test_a_doctrine_named_after_a_company_is_not_the_company(matcher) -> None:
    assert linked(matcher, "Appeals court applies the Chevron doctrine to a wetlands rule") == set()
    assert linked(matcher, "Chevron to cut 20% of its workforce") == {"CVX"}


def test_the_maker_of_a_product_or_parent_of_a_venture_is_named_in_passing(matcher) -> None:
    title = "Two Army helicopters collide during a training flight"
    assert linked(matcher, title, "The Boeing-built aircraft were returning to base.") == set()
    title = "Rocket venture's new launcher reaches orbit on its first flight"
    assert (
        linked(matcher, title, "The rocket from the Boeing-Lockheed Martin joint venture performed well.")
        == set()
    )
    assert linked(matcher, "Boeing built a new plant in South Carolina") == {"BA"}


def test_the_platform_that_received_data_or_ran_ads_is_named_in_passing(matcher) -> None:
    title = "Home Depot shared shoppers' receipts with Meta without consent, regulator finds"
    assert linked(matcher, title) == {"HD"}
    assert linked(matcher, "Disney settles claims over targeted ads on YouTube aimed at children") == {"DIS"}
    assert linked(matcher, "Meta fined over sharing users' data with advertisers") == {"META"}
    # the addressee of a regulator's letter is the subject, not a recipient of data
    assert linked(matcher, "Regulator sent a warning letter to Home Depot over shoppers' data") == {"HD"}


def test_a_company_named_after_another_companys_symbol_in_the_headline_is_passing(matcher) -> None:
    title = "Supplier Corp (NYSE: SPC) trims outlook as Boeing (NYSE: BA) slows output"
    assert "BA" not in linked(matcher, title)
    title = "Robinhood (NASDAQ: HOOD) and AppLovin (NASDAQ: APP) to join stock index"
    assert {"HOOD", "APP"} <= linked(matcher, title)
    title = "Exxon Mobil (NYSE: XOM) to acquire ConocoPhillips (NYSE: COP) in an all-stock deal"
    assert linked(matcher, title) == {"XOM", "COP"}


def test_a_unit_named_as_the_object_of_an_acquisition_is_not_its_later_parents(matcher) -> None:
    assert linked(matcher, "Lockheed Martin to buy engine maker Aerojet Rocketdyne") == {"LMT"}
    assert linked(matcher, "Aerojet Rocketdyne wins a missile-engine contract") == {"LHX"}
    # a company bought under its own name is the subject of the deal
    assert "LHX" in linked(matcher, "Lockheed Martin to buy L3Harris in a defense megadeal")


def test_airline_names_that_are_ordinary_words(matcher) -> None:
    assert linked(matcher, "Delta lets travelers board by face scan") == {"DAL"}
    assert linked(matcher, "Delta to buy a stake in a Latin American carrier") == {"DAL"}
    assert linked(matcher, "United orders 100 Boeing 787 jets") == {"UAL", "BA"}
    assert linked(matcher, "Delta variant spreads across Asia") == set()
    assert linked(matcher, "Delta is now the dominant strain", "The variant is more transmissible.") == set()
    lead = "Delta Air Lines said demand held up despite the Omicron variant."
    assert linked(matcher, "Delta flights stay full", lead) == {"DAL"}
    assert linked(matcher, "United Nations to vote on a ceasefire") == set()
    assert linked(matcher, "Manchester United to sign a new striker") == set()


def test_the_former_fox_entertainment_company_is_not_fox_corp(matcher) -> None:
    title = "Disney Completes Acquisition of 21st Century Fox Entertainment Assets"
    lead = "The deal brings the studio and a stake in Hulu under Disney, while Fox News stays apart."
    assert "FOXA" not in linked(matcher, title, lead)
    assert linked(matcher, "Fox Corp. to buy a streaming service") == {"FOXA"}


def test_an_ordinary_word_name_listed_with_company_names_is_a_company(matcher) -> None:
    title = "Chips from Texas Instruments, Analog Devices and Microchip turn up in seized drones"
    assert linked(matcher, title) == {"TXN", "ADI", "MCHP"}
    assert "MCHP" not in linked(matcher, "Vets urge owners to microchip their pets")
    assert "MCHP" not in linked(matcher, "Microchip implants let workers open doors with a wave")


def test_a_rare_opening_word_before_an_ordinary_word_name_makes_a_proper_name(matcher) -> None:
    assert linked(matcher, "Bayeux Tapestry to go on show in London next year") == set()
    assert linked(matcher, "Tapestry to buy Capri in an $8.5 billion deal") == {"TPR"}


def test_a_company_in_a_trailing_with_clause_plays_a_side_part(matcher) -> None:
    title = "Netflix launches a cheaper plan with ads, with Microsoft selling the ads"
    assert linked(matcher, title) == {"NFLX"}
    assert "MSFT" in linked(matcher, "Netflix signs an ad deal with Microsoft")


def test_a_company_listed_among_the_targets_of_a_risk_action_is_a_subject(matcher) -> None:
    title = (
        "China freezes assets of four defense contractors, including Northrop Grumman, over Taiwan arms sale"
    )
    assert linked(matcher, title) == {"NOC"}
    # a list of rivals stays a passing mention, and so does a list outside a risk sentence
    title = "Lockheed Martin probed over export-control breaches as rivals including Northrop Grumman watch"
    assert linked(matcher, title) == {"LMT"}
    assert linked(matcher, "Defense stocks rise, including Northrop Grumman and others") == set()


def test_the_supplier_of_a_designated_buyer_or_a_company_not_accused_is_named_in_passing(matcher) -> None:
    title = "U.S. adds server maker's units to the Entity List over military supercomputing"
    lead = "The server maker, one of the biggest buyers of Intel and Nvidia processors, was added."
    assert linked(matcher, title, lead) == set()
    lead = "Nvidia, which made the processors, was not accused of wrongdoing."
    assert linked(matcher, "Chips found in drones shot down over Kyiv", lead) == set()
    assert linked(matcher, "Nvidia accused of shipping processors to a listed buyer") == {"NVDA"}


def test_a_company_joined_to_the_headlines_company_in_the_risk_sentence_shares_its_role(matcher) -> None:
    title = "Apple says governments sought users' push-notification records"
    lead = "A senator wrote that governments sought users' push-notification records from Apple and Google."
    assert linked(matcher, title, lead) == {"AAPL", "GOOGL"}
    # joined in a sentence that carries no risk, it stays out
    lead = "Governments sought users' push-notification records. Apple and Google publish yearly reports."
    assert linked(matcher, title, lead) == {"AAPL"}


def test_a_platform_product_as_the_setting_of_another_story_is_named_in_passing(matcher) -> None:
    assert linked(matcher, "Spyware maker's tool hacked a journalist's iPhone while she was abroad") == set()
    assert (
        linked(matcher, "Security firm links Chrome zero-day attacks to an Italian spyware vendor") == set()
    )
    assert linked(matcher, "Contract manufacturer takes control of a rival's Indian iPhone plant") == set()
    assert linked(matcher, "Two apps on Android passed browsing identifiers to their makers") == set()
    assert linked(matcher, "Retailer monitored drivers' private Facebook groups, documents show") == set()
    # the maker named too, or the product as the story's subject
    assert linked(matcher, "Android phones will get a privacy dashboard, Google says") == {"GOOGL"}
    assert linked(matcher, "iPhone sales slump in China") == {"AAPL"}


def test_a_company_a_newcomer_is_valued_above_is_named_in_passing(matcher) -> None:
    assert "GOOGL" not in linked(matcher, "Start-up soars in its debut, valued above Google and Apple")
    assert "AAPL" not in linked(matcher, "Chinese retailer briefly overtakes Apple as most valuable company")


def test_a_companys_own_customers_are_its_story_and_another_companys_customer_is_passing(matcher) -> None:
    assert linked(matcher, "Storm knocks out power to two million CenterPoint customers in Houston") == {
        "CNP"
    }
    assert "NVDA" not in linked(matcher, "Nvidia supplier Hon Hai posts record profit")


def test_a_company_named_only_in_a_headlines_context_clause_needs_the_text_below(matcher) -> None:
    assert linked(matcher, "Kroger merger collapses; Walmart seen as winner") == {"KR"}
    assert linked(matcher, "Skyworks shares slide as Apple shifts modem design in-house") == {"SWKS"}
    title = "After Nvidia's record quarter, Super Micro delays annual report as auditor quits"
    assert linked(matcher, title) == {"SMCI"}
    # the lead makes it a subject again; a headline naming no other company keeps it whole
    lead = "Walmart agreed to buy the stores Kroger had planned to sell, the companies said."
    assert linked(matcher, "Kroger merger collapses; Walmart seen as winner", lead) == {"KR", "WMT"}
    assert linked(matcher, "Store fire closes a mall; Walmart says staff are safe") == {"WMT"}


def test_the_losing_bidder_the_shop_that_sold_it_and_the_brand_on_the_door_are_passing(matcher) -> None:
    assert linked(matcher, "Lockheed Martin beats RTX for $7.8 billion Army missile contract") == {"LMT"}
    title = "Generac recalls portable generators after burns; units sold at Home Depot"
    assert "HD" not in linked(matcher, title)
    assert "MAR" not in linked(matcher, "Host Hotels sells two Marriott-branded resorts")


def test_a_companys_researchers_reporting_on_others_are_the_source_not_the_subject(matcher) -> None:
    title = "Spyware maker is shutting down, staff say"
    lead = "The firm, which Google researchers had linked to exploits for Chrome, is winding down."
    assert linked(matcher, title, lead) == set()
    assert linked(matcher, "Microsoft researchers say Chinese hackers breached US utilities") == set()
    # its own former researchers speaking about it are insiders
    title = "Former Meta researchers tell senators the company buried findings on children's safety"
    assert linked(matcher, title) == {"META"}
    assert linked(matcher, "Disneyland workers vote to authorise a strike") == {"DIS"}


def test_the_parent_a_new_listing_was_spun_off_from_is_a_side_party() -> None:
    matcher = Matcher(companies_for([WatchSpec(t) for t in ("GE", "GEHC", "BX", "RTX")]))
    title = "GE HealthCare shares rise in Nasdaq debut after spin-off from General Electric"
    assert linked(matcher, title) == {"GEHC"}
    # a seller of a unit is a party to the deal
    assert linked(matcher, "TransDigm to buy Simmonds Precision from RTX for $765 million") == {"RTX"}


def test_the_risks_subject_below_a_headline_that_names_nobody_is_linked(matcher) -> None:
    title = "Wall Street rises as job openings beat forecasts; chipmakers lead gains"
    lead = "U.S. stocks closed higher on Tuesday after labour-market data topped expectations."
    body = (
        "Nvidia rose nearly 3% and other chipmakers advanced.\n\n"
        "In technology news, Meta Platforms said it had stopped using a technique that researchers said "
        "let its tracking code link people's web browsing to their identities. Researchers said the Meta "
        "Pixel script sent browser identifiers to Meta's apps, which were listening in the background."
    )
    found = {m.ticker: m.topics for m in matcher.match_text(title, lead, body)}
    assert "surveillance" in found.get("META", ())
    assert "NVDA" not in found
    # named below a headline that names another company, it stays a passing mention
    title = "Nvidia shares rise as chipmakers lead gains"
    assert "META" not in {m.ticker for m in matcher.match_text(title, lead, body)}
    # named only once there, it is not the subject
    body = "Meta Platforms said it had stopped using a technique that researchers said tracked people."
    assert not matcher.match_text("Wall Street rises as job openings beat forecasts", lead, body)


def test_the_maker_of_the_system_that_receives_data_is_in_the_story(matcher) -> None:
    title = "Hospitals told to send Covid-19 data to an HHS system built with Palantir"
    assert linked(matcher, title) == {"PLTR"}
    assert "META" not in linked(matcher, "Tax sites sent filers' income details to Meta")


def test_sources_landlords_listing_venues_and_heads_in_a_personal_capacity_are_side_parties() -> None:
    tickers = (
        "IQV",
        "LLY",
        "MS",
        "F",
        "KIM",
        "ULTA",
        "SPG",
        "DRI",
        "NDAQ",
        "SMCI",
        "NKE",
        "DAL",
        "BBY",
        "MU",
    )
    matcher = Matcher(companies_for([WatchSpec(t) for t in tickers]))
    assert linked(matcher, "IQVIA data show Zepbound prescriptions top 1 million a week") == {"LLY"}
    assert linked(matcher, "Morgan Stanley analysts say Ford's EV unit may be worth nothing") == {"F"}
    assert linked(matcher, "Ulta Beauty closes stores in Kimco centers as leases end") == {"ULTA"}
    assert linked(matcher, "Darden closes an Olive Garden in a mall owned by Simon Property") == {"DRI"}
    assert linked(matcher, "Super Micro regains Nasdaq compliance after late filings") == {"SMCI"}
    assert linked(matcher, "Nike's chief executive sells Oregon ranch amid divorce") == set()
    assert linked(matcher, "Delta Air Lines CEO's son charged in Atlanta crash") == set()
    assert linked(matcher, "Stalker hid a tracker bought at Best Buy in the victim's car") == set()
    assert linked(matcher, "Micron-sized plastic particles found in placentas") == set()
    # the same companies as the story's subject
    assert linked(matcher, "Nike's chief executive says sales will fall") == {"NKE"}
    assert linked(matcher, "IQVIA fined over patient data sales") == {"IQV"}
    assert linked(matcher, "Nasdaq fined over trading halt failures") == {"NDAQ"}


def test_more_ordinary_senses_and_lists_of_companies() -> None:
    tickers = ("SO", "SWK", "EG", "BA", "ORCL")
    matcher = Matcher(companies_for([WatchSpec(t) for t in tickers]))
    assert linked(matcher, "FBI cuts ties with the Southern Poverty Law Center") == set()
    assert linked(matcher, "Stanley Cup final draws a record audience") == set()
    assert linked(matcher, "Sherpa reaches the top of Everest for a record 31st time") == set()
    assert linked(matcher, "U.S. moves to seize Abramovich's Boeing 787 over export breaches") == set()
    assert linked(matcher, "Oracle, OpenAI and SoftBank launch a data-centre venture") == {"ORCL"}
    assert linked(matcher, "Boeing 787 deliveries resume after inspections") == {"BA"}


def test_opening_context_clauses_distributors_and_spinoffs() -> None:
    tickers = ("PFE", "VTRS", "INTC", "QCOM", "MCHP", "WDC", "SNDK", "MSFT")
    matcher = Matcher(companies_for([WatchSpec(t) for t in tickers]))
    assert linked(matcher, "In Pfizer's shadow, Viatris settles EpiPen pricing claims") == {"VTRS"}
    assert linked(matcher, "As Intel slumps, GlobalFoundries wins a Qualcomm chip order") == {"QCOM"}
    assert linked(matcher, "Microchip Technology distributor Arrow fined over Iran shipments") == set()
    assert linked(matcher, "Western Digital spinoff Sandisk fined in Korea over flash pricing") == {"SNDK"}
    # an opening clause naming the only company stays the story's
    assert linked(matcher, "In a blow to Microsoft, EU court rules against its licensing") == {"MSFT"}


def test_a_units_own_name_after_a_place_word_is_the_company() -> None:
    matcher = Matcher(companies_for([WatchSpec(t) for t in ("AMZN", "SO")]))
    title = "Court upholds the privacy fine on Amazon Europe Core over ad targeting"
    assert linked(matcher, title) == {"AMZN"}
    assert linked(matcher, "Southern California braces for storms") == set()
