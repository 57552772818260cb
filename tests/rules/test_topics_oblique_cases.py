"""Wording from court reports, enforcement releases and researchers' findings, each case with its
trap: export-law guilty pleas; staff punished by name, suits brought by insiders, executives coming
forward; users' details passed to government agencies or sought by law enforcement, reading habits
sent back to the maker, intelligence services reading e-mail with companies' gear. The checks are in
test_topic_wording.py."""

from __future__ import annotations

OBLIQUE = [
    ("sanctions", "Engine maker's unit pleads guilty to violating arms export law over helicopter software"),
    ("sanctions", "Valve supplier admits violating export rules on shipments to a Chinese shipyard"),
    ("whistleblower", "Appeals court upholds ruling that the railroad retaliated against a mechanic"),
    ("whistleblower", "Jury finds the bank retaliated against a former analyst who questioned loan files"),
    ("whistleblower", "Carriers settle a lawsuit filed in 2012 by an industry insider over school contracts"),
    ("whistleblower", "Printer maker says a senior executive came forward with accounting concerns"),
    ("surveillance", "Rental app tells hosts it will start passing their details to government agencies"),
    ("surveillance", "Carrier says law enforcement sought customer data 300,000 times last year"),
    ("surveillance", "E-reader app sends details of what users read back to the company unencrypted"),
    ("surveillance", "Library app logged reading histories and uploaded them to an ad partner"),
    ("surveillance", "Storage gear lets the country's intelligence services intercept e-mail traffic"),
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
]
