"""Topics in the words of enforcement and employment news: dealings with embargoed countries' companies
through a distributor, governments blacklisting or designating a company, export privileges denied,
probes over shipments to listed buyers; workers ordered reinstated after a report, insiders speaking to
Congress, tipsters' awards; drivers' data sold to insurers, geofence requests, facial matching, viewing
habits sold, phone records handed to a spy agency, device identifiers tied to addresses, workers timed
to the minute, activists' messages read. Each with the traps next to it: tourism and aid, heritage
designations, sports blacklists, insider trading and insider newsletters, strike settlements, viewing
trends, break times won in a contract, consented telematics."""

from __future__ import annotations

OBLIQUE = [
    ("sanctions", "Commerce adds chipmaker's Chinese customer to the Entity List"),
    ("sanctions", "China puts defence contractor on its unreliable entity list"),
    ("sanctions", "Beijing adds U.S. drone maker to unreliable entity list over Taiwan arms sales"),
    ("sanctions", "Exporter shipped routers to a listed Russian party without a licence, BIS says"),
    ("sanctions", "Company admits selling software to Iranian firms through a Dubai distributor"),
    ("sanctions", "Treasury designates shipping company for carrying Iranian oil"),
    ("sanctions", "Oil trader settles with OFAC over Venezuelan crude cargoes"),
    ("sanctions", "Chip tools maker probed over shipments to Huawei-linked fabs"),
    ("sanctions", "Commerce Department denies export privileges of freight forwarder for 10 years"),
    ("sanctions", "Bank agrees to pay $8 million over transactions involving Cuba and Syria"),
    ("sanctions", "Company's Russian unit sold parts used in drones after the invasion, investigators say"),
    ("sanctions", "U.S. blacklists Chinese surveillance firm over Xinjiang"),
    ("sanctions", "Firm fined for trading with North Korea through front companies"),
    ("whistleblower", "Former compliance manager told the SEC the insurer hid losses"),
    ("whistleblower", "Ex-employee says she was fired after reporting safety lapses to regulators"),
    ("whistleblower", "Jury awards $10 million to engineer who was demoted for raising fraud concerns"),
    ("whistleblower", "Labor Department orders railroad to reinstate worker who reported an injury"),
    ("whistleblower", "Former manager's lawsuit claims bank retaliated after she flagged fake accounts"),
    ("whistleblower", "SEC awards $20 million to tipster whose information led to enforcement action"),
    ("whistleblower", "Insider tells Congress the company misled regulators about safety tests"),
    ("whistleblower", "Former employees allege the drugmaker concealed trial data"),
    ("whistleblower", "Leaked internal memo shows managers knew of defects"),
    ("whistleblower", "Ex-staffer files complaint with OSHA alleging retaliation"),
    ("whistleblower", "Former trader says he was dismissed after objecting to rigged quotes"),
    ("whistleblower", "Fired executive's suit says he was punished for questioning accounting"),
    ("surveillance", "Automaker sold drivers' data to insurers without consent, lawsuit says"),
    ("surveillance", "App shared users' browsing data with advertisers"),
    ("surveillance", "Police used geofence requests to identify phones near the protest"),
    ("surveillance", "Retailer monitored staff's social media to track union organizing"),
    ("surveillance", "Company tracked employees' keystrokes and webcam images"),
    ("surveillance", "Data broker sold location data from prayer apps"),
    ("surveillance", "Retailer used facial matching cameras to flag shoplifters"),
    ("surveillance", "Carrier gave bounty hunters access to customers' real-time locations"),
    ("surveillance", "Smart TV maker recorded viewing habits and sold them"),
    ("surveillance", "Telecom handed phone records to the spy agency without a court order"),
    ("surveillance", "Ad-tech firm linked device identifiers to people's home addresses"),
    ("surveillance", "Warehouse workers' handheld scanners track their every minute, staff say"),
    ("surveillance", "Doorbell camera maker let police request owners' footage without warrants"),
    ("surveillance", "Company's software let governments read activists' messages"),
]

TRAPS = [
    ("sanctions", "Airline adds flights to Cuban resorts as tourism rebounds"),
    ("sanctions", "Charity ships earthquake aid to Syrian families"),
    ("sanctions", "City designates the old factory a heritage landmark"),
    ("sanctions", "Player blacklisted by the league after doping case"),
    ("sanctions", "Washington designates a new national monument in Utah"),
    ("sanctions", "Huawei shipments to Europe rose 10% in the quarter"),
    ("sanctions", "Iranian film wins top prize at Cannes"),
    ("whistleblower", "Insider trading charges filed against former director"),
    ("whistleblower", "Business Insider says its staff will unionise"),
    ("whistleblower", "Corporate insiders bought shares after the results"),
    ("whistleblower", "Union wins reinstatement of workers after strike ends"),
    ("whistleblower", "SEC awards contract for new data system"),
    ("whistleblower", "Industry insiders say the deal will close next month"),
    ("surveillance", "Smart TV maker reports record sales as viewing habits shift to streaming"),
    ("surveillance", "Warehouse workers get longer bathroom breaks under new contract"),
    ("surveillance", "Journalists read messages of support from readers, the editor said"),
    ("surveillance", "Insurers cut premiums for careful drivers who share driving data with consent"),
    ("surveillance", "Agency publishes records of phone complaints"),
]
