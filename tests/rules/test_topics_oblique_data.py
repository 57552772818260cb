"""More topics told obliquely: data handed to advertisers, identifiers that follow people, scanning
people's devices, informants, DNA gathered by police, footage searchable by skin tone, secret tools to
spot officials; governments sanctioning or freezing companies, parts found in a sanctioned country's
weapons; insiders going to regulators, the employee who exposed wrongdoing, staff fired for a safety
protest. Each with the trap next to it."""

from __future__ import annotations

from tests.rules.kit import tagged

OBLIQUE = [
    ("surveillance", "Carrier to share subscribers' browsing and app data with advertisers by default"),
    (
        "surveillance",
        "Retailer sent shoppers' purchase history to a social network without consent, watchdog says",
    ),
    ("surveillance", "Studio settles claims it let children's data be collected for targeted ads"),
    ("surveillance", "Telecom fined over supercookies that followed customers across websites"),
    ("surveillance", "Phone maker will scan users' photos for banned images before they reach the cloud"),
    ("surveillance", "Agency paid repair technicians as informants who searched customers' computers"),
    ("surveillance", "Lab-equipment maker halts sales of DNA kits after police collected samples in Tibet"),
    ("surveillance", "City's camera analytics let officers search footage by skin tone"),
    ("surveillance", "Ride app used a secret tool to identify and block transport inspectors"),
    ("sanctions", "Beijing says it will sanction the missile maker over arms sales to Taiwan"),
    ("sanctions", "China freezes assets of three defense contractors over Taiwan arms deal"),
    ("sanctions", "Western chips found inside Russian drones shot down over Kyiv, researchers say"),
    ("sanctions", "Trader fined for shipping Russian crude above the price cap"),
    ("surveillance", "Hospital chain shared patient data with Meta through a tracking pixel without consent"),
    ("surveillance", "Utility handed smart meter data to police without a warrant"),
    ("whistleblower", "Bank analyst warned FINRA that brokers churned client accounts"),
    ("whistleblower", "Software engineer warns FTC that the company's chatbot gives dangerous advice"),
    ("whistleblower", "Crew member who exposed illegal dumping awarded part of the fine"),
    ("whistleblower", "Retailer fires worker who led walkout over unsafe conditions during the pandemic"),
]

TRAPS = [
    ("surveillance", "Bank shares fall as investors weigh new app data showing slower sign-ups"),
    ("surveillance", "Former carmaker chief denies knowing of defeat devices before the scandal broke"),
    ("surveillance", "Airport scanners to search luggage faster with new x-ray machines"),
    ("surveillance", "Scientists collect DNA samples from patients to study a virus variant"),
    ("surveillance", "Phone camera app adds filters that flatter every skin tone"),
    ("sanctions", "Judge orders asset freeze on fraud suspect's companies"),
    ("sanctions", "Regulator lowers the energy price cap for households"),
    ("sanctions", "League will sanction the club over crowd trouble, football body says"),
    (
        "whistleblower",
        "Chipmaker sued a rival alleging that former employees took its designs to a partner",
    ),
    ("whistleblower", "Police fired tear gas at protesters in a walkout over unsafe conditions"),
]


def test_a_government_leak_about_a_company_is_not_an_insiders_leak(matcher) -> None:
    title = "Telecom helped the spy agency wiretap internet traffic, files leaked by a contractor show"
    assert tagged(matcher, title) == {"surveillance"}
