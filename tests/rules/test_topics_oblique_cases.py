"""Wording from court reports, enforcement releases and researchers' findings, each case with its
trap: export-law guilty pleas; staff punished by name, suits brought by insiders, executives coming
forward; users' details passed to government agencies or sought by law enforcement, reading habits
sent back to the maker, intelligence services reading e-mail with companies' gear. The checks are in
test_topic_wording.py."""

from __future__ import annotations

OBLIQUE = [
    ("sanctions", "Engine maker's unit pleads guilty to violating arms export law over helicopter software"),
    ("sanctions", "Valve supplier admits violating export rules on shipments to a Chinese shipyard"),
    ("sanctions", "Missile maker to pay $8 million over hundreds of arms-export lapses"),
    ("whistleblower", "Appeals court upholds ruling that the railroad retaliated against a mechanic"),
    ("whistleblower", "Jury finds the bank retaliated against a former analyst who questioned loan files"),
    ("whistleblower", "Carriers settle a lawsuit filed in 2012 by an industry insider over school contracts"),
    ("whistleblower", "Printer maker says a senior executive came forward with accounting concerns"),
    ("surveillance", "Rental app tells hosts it will start passing their details to government agencies"),
    ("surveillance", "Carrier says law enforcement sought customer data 300,000 times last year"),
    ("surveillance", "E-reader app sends details of what users read back to the company unencrypted"),
    ("surveillance", "Library app logged reading histories and uploaded them to an ad partner"),
    ("surveillance", "Storage gear lets the country's intelligence services intercept e-mail traffic"),
    # goods sent with prosecutors acting, restrictions breached, asset freezes, designations
    ("sanctions", "Prosecutors charge a tool dealer with shipping milling machines to Russia via Armenia"),
    ("sanctions", "Police arrest trading firm's director over camera parts sent to Iran"),
    ("sanctions", "Broker admits selling Iranian fuel oil to refiners in breach of US restrictions"),
    ("sanctions", "Advisers fined for handling funds of a tycoon under asset freeze over Russia ties"),
    ("sanctions", "Seoul designates nine individuals and firms over Pyongyang's missile funding"),
    ("sanctions", "Brussels agrees a new package of measures against Moscow"),
    ("sanctions", "Fertiliser maker asks the General Court to annul its listing"),
    ("sanctions", "Engineers indicted for sending restricted lasers to a Chinese weapons maker"),
    ("sanctions", "UN panel of experts finds foreign-made parts in North Korean missiles"),
    # documents to reporters, punished for records to regulators, gag clauses, insiders' files
    ("whistleblower", "Files passed to reporters by employees show the bank knew of the losses"),
    ("whistleblower", "Nurse says she was fired for sending staffing records to state inspectors"),
    ("whistleblower", "Regulator fines broker over gag clauses that deterred staff from reporting"),
    ("whistleblower", "Fraud case against the insurer rests on documents from a former claims manager"),
    ("whistleblower", "Former chief executive revealed the hidden losses in a letter to the board"),
    ("whistleblower", "Maintenance engineer says the airline ignored warnings about worn brakes"),
    ("whistleblower", "Regulator fines utility over a contract worker dropped after filing a safety report"),
    ("whistleblower", "Mine owner forced out a surveyor who questioned the safety plan, suit says"),
    # bulk records, phones broken into, screens captured, staff monitored, protesters, firewalls, cameras
    ("surveillance", "Leaked files show the agency collected call records of millions of citizens"),
    ("surveillance", "Court finds the hacking firm liable for breaking into activists' phones"),
    ("surveillance", "Call-centre software took screenshots of remote workers every five minutes"),
    ("surveillance", "Regulator fines courier over intrusive monitoring of its drivers"),
    ("surveillance", "Police used drones and camera networks to identify protesters after the march"),
    ("surveillance", "Imported firewall lets the government monitor and censor citizens' web traffic"),
    ("surveillance", "Council rips out Hikvision cameras over security fears"),
    ("surveillance", "Eye-scanning project told to stop collecting iris data"),
]

TRAPS = [
    ("sanctions", "Lawmakers debate violating norms as the arms export law is rewritten"),
    ("whistleblower", "Retailer retaliated against workers who tried to organize a union, labor board says"),
    ("whistleblower", "China retaliated against US tariffs on steel and aluminium"),
    ("whistleblower", "Fund manager sued over insider trading in a case filed by the SEC"),
    ("whistleblower", "Restaurant chain settles EEOC claims that managers turned away older applicants"),
    ("whistleblower", "Job applicants testified that managers asked about their age"),
    ("surveillance", "Customers asked to update their contact details before the app migration"),
    ("surveillance", "E-book service pays authors per page read, tracking pages read for royalties"),
    ("surveillance", "Bank uses artificial intelligence to monitor e-mail for phishing"),
    ("surveillance", "Exchange says its regulatory staff conduct surveillance of the settlement process"),
    ("surveillance", "Lab wins contract to sequence coronavirus samples for variant surveillance"),
    ("sanctions", "Bank fined over mirror trades that moved money out of Russia, money laundering lapses"),
    ("sanctions", "Police arrest crew after cocaine shipped to Iran was found in a container"),
    ("sanctions", "Builder fined for breaching planning restrictions in Washington suburb"),
    ("sanctions", "Court freezes assets of crypto fraudster in Ponzi case"),
    ("sanctions", "Magazine lists top employers and companies for graduates"),
    ("sanctions", "Central bank announces new measures against inflation"),
    ("sanctions", "Airport staff seize prohibited items from passengers' luggage"),
    ("whistleblower", "Bug bounty pays hackers who sign non-disclosure agreements"),
    ("whistleblower", "Former president reveals his cancer diagnosis in a memoir"),
    ("whistleblower", "Analysts say the market ignored warnings on inflation"),
    ("whistleblower", "Privacy group warned the plate readers could help officers stalking former partners"),
    ("whistleblower", "Shares dropped after the filing showed weaker sales"),
    ("whistleblower", "Former housekeeper sues hotel owner, saying it scanned workers' fingerprints"),
    ("surveillance", "Thieves broke into the phone shop and stole handsets"),
    ("surveillance", "Hospital's monitoring of staff levels shows shortages on night shifts"),
    ("surveillance", "Ransomware hackers block access to the firewall vendor's customers"),
]
