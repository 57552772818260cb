"""Names that belong to people, lists and places rather than to the company: a first name opening a
sentence, a hyphenated surname, the company a newly appointed executive came from, later names of a
clients list, the recipients of data sent, an index named after its operator; the names data for the
whole S&P 500; plural possessives in topic terms; regulators' and compliance senses of risk words."""

from __future__ import annotations

import pytest

from rules.directory import CompanyDirectory, companies_for, short_names
from rules.engine import Matcher
from rules.models import WatchSpec
from tests.rules.kit import linked, tagged

OBLIQUE: list[tuple[str, str]] = []

# a regulator's or compliance sense of a risk word
TRAPS = [
    ("sanctions", "Medicare imposes intermediate sanctions on the insurer, halting its enrolment"),
    ("surveillance", "Broker fined for failing to surveil its accounts for suspicious activity"),
]


def matcher_for(*tickers: str) -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in tickers]))


@pytest.fixture(scope="module")
def people() -> Matcher:
    return matcher_for("WMB", "META", "PYPL", "INTU", "AAPL", "AMZN", "UBER", "GOOGL", "MSFT", "CBOE")


def test_a_first_name_opening_a_sentence_makes_the_surname_a_person(people: Matcher) -> None:
    title = "Former head of exploit unit pleads guilty to selling hacking tools to a broker"
    lead = "Peter Williams, who ran the unit, admitted the sales. Williams agreed to forfeit a house."
    assert "WMB" not in linked(people, title, lead)
    assert linked(people, "Williams Companies fined over pipeline spying", "Williams said it would pay.") == {
        "WMB"
    }


def test_the_second_half_of_a_hyphenated_name_is_a_person(people: Matcher) -> None:
    title = "Ex-Meta executive Sarah Wynn-Williams tells senators the company courted Beijing"
    assert linked(people, title) == {"META"}


def test_the_company_an_appointed_executive_came_from_is_passing(people: Matcher) -> None:
    assert linked(people, "PayPal names Intuit executive Alex Chriss as chief executive") == {"PYPL"}
    # not an appointment: the executive's company is the subject
    assert "INTU" in linked(people, "Intuit executive accused of insider trading by SEC")


def test_later_names_of_a_clients_list_are_passing(people: Matcher) -> None:
    title = "Outsourcer asks home-based staff to accept webcams that watch them at their desks"
    lead = "The French outsourcer, whose clients have included Apple, Amazon and Uber, told staff."
    assert linked(people, title, lead) == set()


def test_the_recipients_of_data_sent_are_passing(people: Matcher) -> None:
    title = "Health insurer says website code sent 13 million members' data to Google, Microsoft and X"
    assert linked(people, title) == set()


def test_an_index_named_after_its_operator_is_not_the_operator(people: Matcher) -> None:
    title = "Wall Street's fear gauge spikes as global sell-off deepens"
    assert linked(people, title, "The Cboe Volatility Index jumped above 60.") == set()
    assert linked(people, "Cboe fined by SEC over surveillance lapses", "Cboe said it would pay.") == {"CBOE"}


def test_every_sp500_member_has_its_names_and_former_names() -> None:
    directory = CompanyDirectory.default()
    assert "Symantec" in directory.resolve("GEN").names
    assert "Chesapeake Energy" in directory.resolve("EXE").names
    gen = matcher_for("GEN")
    assert linked(gen, "Symantec shares sink after probe prompted by a former employee's claims") == {"GEN"}


def test_a_generic_word_left_after_stripping_is_not_a_name() -> None:
    assert "Partners" not in short_names("Partners Group", descriptive=True)
    assert "Meta" in short_names("Meta Platforms, Inc.", descriptive=True)


def test_a_term_matches_a_plural_possessive(matcher: Matcher) -> None:
    assert "surveillance" in tagged(matcher, "App maker mined users' movements and sold them to advertisers")


def test_a_parent_of_the_same_name_is_another_company() -> None:
    carrier = matcher_for("9434.T")
    title = "Arm shares jump 25% in Nasdaq debut"
    assert linked(carrier, title, "SoftBank Group, which owns 90% of Arm, raised $4.87 billion.") == set()
    assert linked(
        carrier, "SoftBank Corp fined over leaked customer data", "SoftBank said it would pay."
    ) == {"9434.T"}
