"""Salience by role: a company the headline names only as the tool someone used or as a supplier's
customer is not the subject; a surname after a first name is a person."""

from __future__ import annotations

import pytest

from rules.directory import companies_for
from rules.engine import Matcher
from rules.models import WatchSpec


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(companies_for([WatchSpec(t) for t in ("META", "AAPL", "JPM", "MSFT", "F", "LHX", "GS")]))


def linked(matcher: Matcher, title: str, lead: str = "") -> set[str]:
    return {m.ticker for m in matcher.match_text(title, lead)}


def test_the_tool_employees_used_is_not_the_subject(matcher) -> None:
    title = "Goldman Sachs fined $50 million over traders' use of WhatsApp to discuss client orders"
    lead = "Goldman Sachs agreed to pay the fine after bankers messaged clients via WhatsApp and text."
    assert linked(matcher, title, lead) == {"GS"}


def test_a_suppliers_customer_with_its_symbol_is_not_the_subject(matcher) -> None:
    title = "Pegatron, a contract manufacturer for Apple Inc. (NASDAQ: AAPL), reports higher sales"
    lead = "Pegatron said revenue rose, helped by assembling phones for Apple Inc. (NASDAQ: AAPL)."
    assert "AAPL" not in linked(matcher, title, lead)


def test_a_company_the_lead_carries_is_still_linked_after_a_passing_headline(matcher) -> None:
    title = "Regulators look at messaging via WhatsApp after bank fines"
    lead = (
        "Meta said on Tuesday that WhatsApp would add archiving tools. Meta faces questions from regulators."
    )
    assert "META" in linked(matcher, title, lead)


def test_the_tool_named_as_the_accused_still_links(matcher) -> None:
    assert "META" in linked(
        matcher, "WhatsApp fined €225 million by Irish regulator", "WhatsApp said it would appeal."
    )


@pytest.mark.parametrize(
    ("ticker", "lead"),
    [
        ("LHX", "The report quotes the engineer Andrew Harris, who left the agency in 2020."),
        ("F", "The gown was made by the designer Tom Ford for the ceremony."),
    ],
)
def test_surname_after_a_first_name_is_a_person(matcher, ticker, lead) -> None:
    assert ticker not in linked(matcher, "Agency criticised over cloud security review", lead)
