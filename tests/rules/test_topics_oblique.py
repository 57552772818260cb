"""Topics told in oblique words (no 'sanctions', 'whistleblower' or 'surveillance'), and the traps
next to them."""

from __future__ import annotations

OBLIQUE = [
    (
        "sanctions",
        "Toolmaker probed over sending parts to a Chinese fab without the required export licences",
    ),
    ("sanctions", "Customs records show network switches kept flowing into Belarus after the export ban"),
    ("sanctions", "Hotel chain found liable for trafficking in property confiscated by Cuba's government"),
    ("sanctions", "Airline sued under the Helms-Burton Act over flights to a Cuban airport"),
    ("whistleblower", "Insurer settles a former actuary's claims that it overstated risk scores"),
    ("whistleblower", "Hospital chain loses fraud case brought by former nurse over billing"),
    ("whistleblower", "Bank fired an analyst who reported falsified loan files, regulator finds"),
    ("whistleblower", "Retailer retaliated against a cashier after she accused managers of theft"),
    ("surveillance", "Carmaker barred from sharing drivers' driving data with insurers"),
    ("surveillance", "Agency buys access to a license-plate database of billions of vehicle sightings"),
    ("surveillance", "App maker accused of sharing data from its period-tracking app with advertisers"),
    ("surveillance", "Warehouse operator scanned workers' fingerprints without consent, suit says"),
    ("surveillance", "Grocer sued over face scans at self-checkout lanes"),
    ("surveillance", "Rental platform bans hosts from installing indoor security cameras"),
]

TRAPS = [
    (
        "whistleblower",
        "State bank sues lender in Moscow court, saying it should not be punished for refusing to pay",
    ),
    (
        "whistleblower",
        "Courier fined over intrusive monitoring after complaints from employees about working conditions",
    ),
    (
        "whistleblower",
        '"These matters concern a few former employees," the company said after pleading guilty',
    ),
    ("sanctions", "Coast guard seized cocaine trafficked from Cuba to Florida"),
    ("surveillance", "Phone maker adds an in-display fingerprint sensor to unlock the handset"),
    ("surveillance", "Camera maker's sales of indoor security cameras beat estimates"),
    ("surveillance", "Retailer lets shoppers pay by face at checkout in a new trial"),
]
