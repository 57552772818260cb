"""Topics told obliquely in financial, health-care, energy and real-estate news: former staff as a
report's sources, an anonymous insider, a tip to the company's ethics line or to a regulator,
agreements that make staff waive whistleblower awards or say they never went to a regulator, staff
pushed out after challenging their employer, a former employee's suit; records handed to police, people
tracked down for immigration agents, cameras trained on the company's own drivers; Helms-Burton suits
and payments over dealings with an embargoed country, export-enforcement lists and Magnitsky
designations, facial analysis of shoppers. Each with the trap next to it. Also the names and roles
these stories turn on (a unit's parent under its former name, a delivery fleet's owner, a property
owner sharing a car brand's name)."""

from __future__ import annotations

from rules.engine import Matcher
from tests.rules.kit import linked

OBLIQUE = [
    ("whistleblower", "Insurer's shares halve after short seller cites former agents alleging fraud"),
    ("whistleblower", "Report drew on interviews with former employees of the lender's card unit"),
    ("whistleblower", "An anonymous staff member on the project told a paper patients were not informed"),
    ("whistleblower", "Probe began after an anonymous tip to the company's ethics helpline"),
    ("whistleblower", "Property firm pays SEC over releases saying staff had not filed complaints"),
    ("whistleblower", "Fund firm fined for separation agreements that made staff waive SEC award rights"),
    ("whistleblower", "Former sustainability chief says she was fired after challenging the fund's claims"),
    ("whistleblower", "Manager says he was fired for resisting improper demands from the board"),
    ("whistleblower", "Drugmaker to pay $900 million to settle former employee's kickback suit"),
    ("whistleblower", "Search company employee raises alarm over access to millions of patient records"),
    ("whistleblower", "A retired intelligence analyst testified the bank gave agents a list of customers"),
    ("whistleblower", "An employee tipped off the SEC about the inflated loan values"),
    ("whistleblower", "Loan officer's complaint to the CFPB said the bank opened accounts"),
    ("surveillance", "Pharmacy chains hand prescription records to police without a warrant, lawmakers find"),
    ("surveillance", "Lawmakers press bank over claims it combed customers' card data for the FBI"),
    ("surveillance", "Immigration agents used utility records from a credit bureau to track down immigrants"),
    ("surveillance", "Delivery drivers must consent to AI cameras that record them, or lose their jobs"),
    ("sanctions", "Family sues travel site under the Helms-Burton Act over bookings at a seized hotel"),
    ("sanctions", "Home-rental site pays $91,172 over Cuba stays that lacked required documentation"),
    ("sanctions", "Treasury penalises chemicals maker over shipments to Cuba hidden under a code name"),
    ("sanctions", "Commerce adds the freight forwarder to the Denied Persons List"),
    ("sanctions", "Global Magnitsky designations hit the mining group's chairman"),
    ("surveillance", "Mall owner used facial analysis software to estimate shoppers' age without consent"),
]

TRAPS = [
    ("whistleblower", "Bank hires former employees of a failed rival to staff its new desk"),
    ("whistleblower", "Anonymous employee survey shows morale fell after the merger"),
    ("whistleblower", "Vendor launches ethics hotline software for mid-sized firms"),
    ("whistleblower", "Separation agreement with the departing finance chief is filed with the SEC"),
    ("whistleblower", "Chief executive fired after a challenging year for the retailer"),
    ("whistleblower", "Nurses raise the alarm over staffing shortages at the hospital chain"),
    ("whistleblower", "Former employee's suit over unpaid overtime is dismissed"),
    ("whistleblower", "Analysts tipped the stock to rise after the SEC approved the fund"),
    ("surveillance", "Police released footage of the robbery at the store on Monday"),
    ("surveillance", "Courier tracks down lost parcels with a new scanning system"),
    ("surveillance", "Dashcam cameras recorded the crash as drivers swerved on the icy road"),
    ("surveillance", "Camera maker's sales rise as workers return to offices"),
    ("sanctions", "Family pays ransom to free hostage held in Syria"),
    ("surveillance", "Phone maker's facial analysis feature unlocks the phone in the dark"),
]


def test_a_delivery_fleet_confirms_the_company(matcher: Matcher) -> None:
    title = "Amazon delivery drivers must consent to AI cameras that record them, or lose their jobs"
    assert "AMZN" in linked(matcher, title)


def test_the_company_a_product_is_used_in_is_a_passing_mention(matcher: Matcher) -> None:
    title = "Netradyne, maker of AI cameras used in Amazon delivery vans, raises $150 million"
    assert "AMZN" not in linked(matcher, title)


def test_a_former_name_identifies_the_company(portfolio: Matcher) -> None:
    title = "AmerisourceBergen to pay $625 million to resolve former executives' claims"
    assert "COR" in linked(portfolio, title)


def test_a_property_owner_is_not_the_car_brand(portfolio: Matcher) -> None:
    assert "GM" not in linked(portfolio, "Cadillac Fairview collected shoppers' images at 12 malls")
    assert "GM" in linked(portfolio, "Cadillac recalls 20,000 SUVs over faulty airbags")
