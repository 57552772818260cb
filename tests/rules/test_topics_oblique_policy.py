"""Wording for each case the label policy names, written the way outlets write it without the topic's
own word: parties on blocked lists, goods reaching weapons or embargoed places through third countries,
penalties named by the enforcing department, retaliation abroad; staff by their trade reporting to a
regulator or a hotline and punished for it; faces, profiles, viewing habits and whereabouts logged,
staff watched at work, technology for state security. Each case has its trap. The checks are in
test_topic_wording.py."""

from __future__ import annotations

OBLIQUE = [
    (
        "sanctions",
        "Software maker pays $330,000 to settle Treasury charges over sales to blocked Russian firms",
    ),
    ("sanctions", "Payments company settles over transfers to users in blocked jurisdictions"),
    ("sanctions", "Chip-tool maker gets subpoena over equipment sales to restricted Chinese fabs"),
    ("sanctions", "Phone maker pays to settle claims it dealt with a blacklisted software firm"),
    ("sanctions", "Shipbuilder among US defence firms added to Beijing's blacklist"),
    ("sanctions", "Microcontrollers recovered from Russian cruise missile wreckage in Kyiv"),
    ("sanctions", "Navigation receivers shipped to Russia via Armenia, trade data show"),
    ("sanctions", "Oilfield firm agrees to pay Treasury $8 million over work for Venezuela's PDVSA"),
    ("sanctions", "Disk maker's sales to a Chinese telecom firm draw US export-control scrutiny"),
    ("sanctions", "Moscow court orders seizure of the bank's assets in Russia in retaliation case"),
    (
        "sanctions",
        "Elevators were shipped to a Pyongyang tower in breach of a luxury-goods ban, UN experts say",
    ),
    (
        "sanctions",
        "Broker's clients in Iran, Cuba and Syria traded through its platform; firm pays $11.8 million",
    ),
    ("sanctions", "US probes whether AI chips were smuggled into China through Singapore"),
    ("sanctions", "Bank agrees record payout over transfers for Iran, Cuba and Sudan"),
    ("whistleblower", "Former shipyard welder says managers ignored faulty welds on Navy vessels"),
    ("whistleblower", "Airline mechanics tell FAA they were pressured to sign off on unfinished repairs"),
    ("whistleblower", "Parcel driver files OSHA complaint after being disciplined for heat-safety warnings"),
    ("whistleblower", "Telecom technician says he was fired after telling state regulators of lead cables"),
    ("whistleblower", "Machinery maker says a hotline complaint prompted a review of dealer accounting"),
    ("whistleblower", "Insurer pays $172 million over Medicare claims first flagged by an insider"),
    ("whistleblower", "Leaked rating agency emails show analysts questioned mortgage bond ratings"),
    ("whistleblower", "Former chemist says the company hid data on chemical exposure from regulators"),
    ("surveillance", "Retailer sued over in-store cameras that allegedly scan customers' faces"),
    ("surveillance", "Database firm to pay $115 million over claims it built dossiers on millions of people"),
    ("surveillance", "TV maker logs everything owners watch and sells it to advertisers, suit says"),
    ("surveillance", "Carrier loses appeal of $92 million fine over sale of subscribers' location"),
    ("surveillance", "Bank tracks bankers' badge swipes and app use to monitor office attendance"),
    ("surveillance", "Delivery vans' AI cameras penalise drivers for yawning, drivers say"),
    ("surveillance", "Chips power a Xinjiang police computing centre, documents show"),
    ("surveillance", "Social network scanned private Messenger conversations and flagged them to police"),
    ("surveillance", "Laptops shipped with an audio driver that logged every keystroke, researchers find"),
    ("surveillance", "Satellite trackers hidden in cars used to follow partners, abuse groups say"),
    ("surveillance", "Social network gave police a mother's private messages in an abortion case"),
    ("surveillance", "Search company will delete location history entries for visits to abortion clinics"),
    ("surveillance", "Retailer's app scores delivery drivers on braking, phone use and routes"),
    ("surveillance", "Chipmaker tests software that reads students' emotions during online lessons"),
    (
        "surveillance",
        "Chat app will set staff location from office Wi-Fi, a feature that lets employers check who is in",
    ),
    (
        "surveillance",
        "Software maker sues over orders that bar it from telling customers their data was sought",
    ),
]

TRAPS = [
    ("sanctions", "Regulators blocked the Chinese firm's takeover of the chip designer"),
    (
        "sanctions",
        "Card networks suspend Russian operations after Western measures blocked several Russian banks",
    ),
    (
        "sanctions",
        "Jailed Iranian journalist sues the phone-network maker over monitoring gear delivered to Iran",
    ),
    ("sanctions", "Treasury yields rise as investors weigh Russia talks"),
    ("sanctions", "Grain exporter's shipments to Iran rise under a humanitarian exemption"),
    ("whistleblower", "HR software company adds a tool that lets employees raise concerns anonymously"),
    ("whistleblower", "Drinks maker refreshes its code of conduct and whistleblower channels"),
    ("whistleblower", "Hackers leaked stolen emails after the ransomware attack"),
    ("surveillance", "Options exchange expands surveillance of options trading after a volatility spike"),
    ("surveillance", "Cosmetics maker's masks leave customers' faces glowing, reviews say"),
    ("surveillance", "Streaming service says viewing habits shift to mobile"),
    (
        "surveillance",
        "Messaging app delays its update after confusion that it would let the parent read private messages",
    ),
    ("surveillance", "Retailer opens new store locations and tracks sales at each"),
    ("surveillance", "Radio maker raises outlook as video security and surveillance camera sales climb"),
    (
        "whistleblower",
        "Studio settles pay discrimination suit by current and former employees who said they were underpaid",
    ),
    ("whistleblower", "Former officials warned the data hub could be misused, former IRS lawyers said"),
    ("sanctions", "Crypto exchange blocks 25,000 addresses found on sanctions lists"),
    ("sanctions", "The exchange said it screens customers against sanctions lists"),
]
