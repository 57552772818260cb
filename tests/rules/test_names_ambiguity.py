"""Names people write (common, former, brand and unit names) and names that are also ordinary words,
first names, surnames or places (computed from word frequencies, confirmed only by context)."""

from __future__ import annotations

import pytest

from rules.directory import CompanyDirectory, companies_for, is_ordinary_word, short_names
from rules.engine import Matcher
from rules.models import WatchSpec

WATCHED = [
    "SO",
    "EG",
    "GLW",
    "F",
    "CARR",
    "NSC",
    "CMG",
    "TMUS",
    "LLY",
    "CVS",
    "BRK.B",
    "CCL",
    "NCLH",
    "RCL",
    "STX",
    "SMCI",
    "NWSA",
    "GM",
    "PSKY",
    "LHX",
    "SIEGY",
    "DOW",
    "BAX",
    "CAT",
    "HII",
    "VRTX",
    "INTC",
    "TFC",
    "KEY",
    "RJF",
    "HLT",
    "PEP",
    "FOXA",
    "CPT",
    "GPC",
    "WM",
    "PM",
    "DD",
    "CL",
    "COO",
    "ON",
    "CAH",
    "DAL",
    "C",
    "MOH",
    "TPR",
    "WMB",
    "ORLY",
    "ALGN",
    "MAA",
    "ESS",
    "APA",
    "D",
    "PSA",
    "PGR",
    "HPE",
    "HPQ",
    "SBAC",
    "RTX",
    "ROK",
    "GOOGL",
    "FIS",
    "EW",
    "DGX",
    "ZBH",
    "NDAQ",
    "AXON",
    "EL",
    "DIS",
    "LHX",
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in WATCHED]))


def linked(matcher: Matcher, title: str, lead: str = "") -> set[str]:
    return {m.ticker for m in matcher.match_text(title, lead)}


@pytest.mark.parametrize(
    ("ticker", "title"),
    [
        ("CMG", "Chipotle raises menu prices for the second time this year"),
        ("TMUS", "T-Mobile to pay $60 million over unauthorised data access"),
        ("LLY", "Eli Lilly cuts the list price of its insulin by 70%"),
        ("LLY", "Lilly said its weight-loss drug met the main goal of a trial"),
        ("CVS", "Omnicare accused of dispensing drugs without valid prescriptions"),
        ("BRK.B", "BNSF Railway sued by Washington tribe over oil trains"),
        ("NSC", "Norfolk Southern agrees to pay $600 million over Ohio derailment"),
        ("CCL", "Carnival Corp. fined for dumping plastic at sea"),
        ("RCL", "Royal Caribbean cancels sailings after outbreak"),
        ("NCLH", "Norwegian Cruise Line sued by passengers over cancelled voyage"),
        ("STX", "Seagate Technology raises its outlook on data centre demand"),
        ("SMCI", "Super Micro delays its annual report again"),
        ("SO", "Southern Co. said its Georgia nuclear plant would cost more"),
        # staff, trades and what a company does, in headline words
        ("F", "Ford quality engineer says he was demoted for warning about transmission defects"),
        ("BAX", "Baxter discloses possible export-rule breaches in sales to Iran"),
        ("CAT", "Caterpillar dealer network kept servicing Russian mines"),
        ("CAT", "Caterpillar union members turn down contract"),
        ("INTC", "Intel and Classroom Technologies test software for classrooms"),
        # the names people write for banks and brands, and more of what companies do
        ("TFC", "Truist fined by regulators over lapses in anti-money-laundering checks"),
        ("KEY", "KeyBank remote workers say webcams snapped photos every ten minutes"),
        ("RJF", "Raymond James fined for supervision failings in advisory accounts"),
        ("HLT", "Hilton hotel cleaners strike in Chicago"),
        ("CAT", "Caterpillar sees steel tariffs adding $500 million in costs"),
        ("VRTX", "Vertex ex-scientist says lab data were selectively reported"),
        ("PEP", "Brussels consumer body challenges PepsiCo's recycled-bottle claims"),
        ("ON", "onsemi flags costs from chip tariffs"),
        ("CAH", "Cardinal settles Ohio opioid claims for $150 million"),
        ("DAL", "Delta cancels 3,000 flights after global IT outage"),
        ("GM", "Recall report: General Motors, 300,000 pickups, seat-belt warning circuit"),
        # the company's own staff, goods and dealings right after an ambiguous name
        ("MOH", "Molina worker says she was fired for raising concerns about denied care"),
        ("INTC", "Intel processors turn up in a Russian missile's guidance computer"),
        ("TPR", "Coach bags reach Pyongyang's elite through Chinese traders"),
        ("WMB", "Williams pipeline expansion draws a regulator's questions"),
        ("ORLY", "O'Reilly delivery drivers say the app tracks them after shifts"),
        ("ESS", "Essex Property internal emails leaked by employees"),
        ("D", "Berkshire Hathaway Energy to buy Dominion's gas transmission assets"),
        # the company's unit in a country speaking is not the word's place sense
        ("INTC", "Intel China said it complies with the law after calls for a review of its chips"),
        # a name left when a line-of-business word goes: a rare one names the company
        ("HII", "Huntington Ingalls wins a $2 billion Navy contract"),
        ("VRTX", "Vertex said its pain drug met the main goal of a trial"),
        # former names and the units of merged companies map to today's issuer
        ("HPQ", "Hewlett-Packard servers found in a state monitoring centre"),
        ("NWSA", "Former News of the World reporter says editors knew of the hacking"),
        ("RTX", "United Technologies to buy an avionics maker for $23 billion"),
        ("RTX", "Rockwell Collins wins a cockpit display contract"),
        ("ZBH", "Biomet recalls hip implants after failure reports"),
        ("NDAQ", "Nasdaq OMX Group files to take over trading oversight from FINRA"),
        ("AXON", "Dedrone wins a counter-drone contract at European airports"),
        ("PSKY", "Viacom settles claims it tracked children on its websites"),
        ("LHX", "L-3 Communications units pay $4.6 million over padded hours"),
    ],
)
def test_common_names_link(matcher, ticker, title) -> None:
    assert ticker in linked(matcher, title)


@pytest.mark.parametrize(
    "title",
    [
        "Floods cut off villages across southern Spain",
        "Prosecutors in the Southern District of Texas charge three traders",
        "Two climbers die on Mount Everest during the spring season",
        "Nepal expects a record number of climbers on Everest this year",
        "Corning, N.Y., votes to repair its historic glass district",
        "Aircraft carrier strike group sails for the Red Sea",
        "USS Gerald R. Ford returns to Norfolk after deployment",
        "Norfolk Southern conductor wins back pay in safety dispute",
        "Top editors say independence is paramount in the newsroom",
        "Harris leads the latest poll by three points",
        "Cruise ship passengers stranded by storm",
        "Siemens Energy wins a gas turbine order in Saudi Arabia",
        "Local news outlets struggle as advertising shrinks",
        "Kings trade De'Aaron Fox to Spurs in a three-team deal",
        "Orioles and Maryland sign a 30-year lease to keep the team at Camden Yards",
        # ordinary words written in lower case, people with their age, places and terms named like companies
        "Carmaker warns drivers to use genuine parts after counterfeit filter fires",
        "Waste management crisis in Beirut as landfill closes",
        "Philip Morris, 82, local veteran, honoured at Memorial Day parade",
        "DuPont Circle protest blocks traffic in Washington",
        "Colgate University receives record donation",
        "The Dow falls 700 points as tariff fears return",
        "Anderson Cooper leaves 60 Minutes to focus on CNN",
        "Venus Williams, 45, wins her first singles match in more than a year at the Citi Open",
        "Bill O'Reilly returns to radio with a new show",
        "Teachers align lessons with the new state standards",
        "Apache helicopters arrive in Poland",
        "Serena Williams opens a tennis academy in Florida",
        "Dominion Voting Systems wins its defamation case against a cable channel",
        "Public storage of medical records on open servers exposed patient scans",
        "Fico's party finishes ahead of Progressive Slovakia in the election",
        "Ontario's Progressive Conservative government tables its budget",
        "Southern England braces for a week of storms",
        "SBA pauses new disaster loans after two hurricanes exhaust its funding",
        "Gemini crypto exchange to police its markets with new software",
        "Fans cheered the news of the World Cup win in the capital",
        "Rockwell Collins wins a cockpit display contract",
        "FIS bars Russian skiers from World Cup events",
        "Test jet lands at Edwards Air Force Base after its first flight",
        "Snack maker to buy Quest Nutrition for $1 billion",
        "Scheffler wins the RBC Heritage at Hilton Head",
        "Cosmetics heir Ronald Lauder urged the purchase of Greenland",
        "Conductor to leave the Walt Disney Concert Hall for New York",
    ],
)
def test_other_senses_do_not_link(matcher, title) -> None:
    assert not linked(matcher, title) & {
        "SO",
        "EG",
        "GLW",
        "F",
        "CARR",
        "PSKY",
        "LHX",
        "GM",
        "NWSA",
        "SIEGY",
        "FOXA",
        "CPT",
        "ORLY",
        "ALGN",
        "APA",
        "WMB",
        "D",
        "PSA",
        "PGR",
        "SBAC",
        "GOOGL",
        "ROK",
        "FIS",
        "EW",
        "DGX",
        "HLT",
        "EL",
        "DIS",
    }


def test_a_line_of_business_word_goes_only_when_a_rare_name_is_left() -> None:
    assert "Huntington Ingalls" in short_names("Huntington Ingalls Industries", descriptive=True)
    assert "Alnylam" in short_names("Alnylam Pharmaceuticals", descriptive=True)
    assert "Powell" not in short_names("Powell Industries", descriptive=True)
    assert "PTC" not in short_names("PTC Therapeutics", descriptive=True)
    assert "Alnylam" not in short_names("Alnylam Pharmaceuticals")  # only the directory's own names


def test_derived_ordinary_word_names_are_ambiguous() -> None:
    directory = CompanyDirectory.default()
    southern = directory.get("SO")
    everest = directory.get("EG")
    assert southern is not None and "Southern" in southern.ambiguous and "Southern" not in southern.names
    assert everest is not None and "Everest" in everest.ambiguous


def test_a_derived_name_too_common_to_name_a_company_is_dropped() -> None:
    news = CompanyDirectory.default().get("NWSA")
    assert news is not None and "News" not in news.names and "News" not in news.ambiguous


def test_a_form_derived_by_dropping_a_word_that_is_another_issuers_name_is_not_taken() -> None:
    # 'Hewlett Packard' from Hewlett Packard Enterprise is HP Inc.'s former name, not HPE's
    directory = CompanyDirectory.default()
    hpe, hpq = directory.get("HPE"), directory.get("HPQ")
    assert hpe is not None and hpq is not None
    assert "Hewlett Packard" not in hpe.names and "Hewlett Packard Enterprise" in hpe.names
    assert "Hewlett-Packard" in hpq.names
    # a legal form dropped keeps the name even when a former parent lists it as a unit
    healthineers = directory.get("SHL.DE")
    assert healthineers is not None and "Siemens Healthineers" in healthineers.names


def test_hewlett_packard_links_hp_inc_only(matcher) -> None:
    assert linked(matcher, "Hewlett-Packard servers found in a state monitoring centre") == {"HPQ"}


def test_ordinary_word_test_spares_acronyms_and_coined_names() -> None:
    assert is_ordinary_word("Southern") and is_ordinary_word("Carrier") and is_ordinary_word("Lincoln")
    assert not is_ordinary_word("CVS") and not is_ordinary_word("Zoetis") and not is_ordinary_word("Dow Inc")


def test_user_given_names_stay_strong() -> None:
    company = CompanyDirectory.default().get("SO", ["Southern"])
    assert company is not None and "Southern" in company.names


def test_a_company_doing_what_companies_do_confirms_its_word_name(matcher) -> None:
    assert "INTC" in linked(matcher, "Intel hands over its first foundry wafers to a customer")
