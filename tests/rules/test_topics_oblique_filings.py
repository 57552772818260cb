"""Wording from filings, enforcement digests, dockets, trade press and tabloids, each case with its trap:
blocked or designated owners, fronts, a state's military business, business carried on despite the
restrictions, disclosures to the enforcers and licences' reach; staff named by their trade going to a
regulator, saying records were doctored, filing securities-law retaliation claims; workers scored and
followed off shift, faces and plates read, whereabouts reported, logs handed to police. The checks are
in test_topic_wording.py."""

from __future__ import annotations

OBLIQUE = [
    ("sanctions", "Mall operator says the shop's owner is a tycoon whose property Washington has blocked"),
    ("sanctions", "Card network cuts off an issuer that served customers of Russian banks blocked by the US"),
    ("sanctions", "Registrar pulls sites of broadcasters that Washington designated last year"),
    ("sanctions", "Drilling contractor's supplier turned out to be fronting for Iranian interests"),
    ("sanctions", "Hotel group's booking arm paid a resort owned by the Cuban military conglomerate"),
    ("sanctions", "IT firm's staff may have served a company owned by Iran's Revolutionary Guards"),
    ("sanctions", "Medical robots were still serviced in Russia after curbs, invoices show"),
    ("sanctions", "Soft drinks spotted on shelves in Pyongyang despite the ban"),
    ("sanctions", "Device maker voluntarily reported that pumps may have reached a Syrian clinic"),
    ("sanctions", "Carrier told Treasury it paid an operator later found to be controlled by Iran"),
    ("sanctions", "Skin-care maker says its general licence for Iran did not cover some shipments"),
    ("sanctions", "Laptops resold by a distributor ended up at Russia's defence ministry"),
    ("sanctions", "Toolmaker's orders halted after officials failed end-use checks at a Chinese buyer"),
    ("sanctions", "Engineering firm refused an export licence for gear bound for a Chinese carrier"),
    ("sanctions", "Fastener seller's Mexican arm shipped without screening the denied-party lists"),
    ("whistleblower", "Reactor operator went to the NRC over skipped valve tests, then lost his job"),
    ("whistleblower", "Meat plant inspector tells USDA that expired pork was relabelled"),
    ("whistleblower", "Truck driver tells DOT that dispatchers pushed crews to falsify logbooks"),
    ("whistleblower", "Lab chemist says emissions data at the smelter were massaged"),
    ("whistleblower", "Ex-controller files Sarbanes-Oxley claim over inventory write-downs"),
    ("whistleblower", "Utility insider blows the lid on estimated meter readings"),
    ("whistleblower", "Device engineer breaks silence on biopsy needles that broke inside patients"),
    ("whistleblower", "Tower climber fired after reporting rusted masts, lawsuit alleges"),
    ("whistleblower", "Labor Department orders utility to reinstate supervisor who reported billing errors"),
    ("whistleblower", "Former compliance chief says executives brushed aside his warnings"),
    ("whistleblower", "Informant who exposed the futures unit's failures collects $18 million from the CFTC"),
    ("surveillance", "Parts retailer's drivers say the phone app keeps following them after shifts end"),
    ("surveillance", "Fleet software let hauliers tail drivers on their days off, union says"),
    ("surveillance", "New dashboard ranks staff by mouse activity, HR press reports"),
    ("surveillance", "Software scores employees' flight risk using email and calendar metadata"),
    ("surveillance", "Dockworkers' badges beam their locations to supervisors every second"),
    ("surveillance", "Store cameras estimate shoppers' age, gender and mood at the shelf"),
    ("surveillance", "Vending machines that read buyers' faces draw a regulator's questions"),
    ("surveillance", "Car-park cameras log every car's number plate and share them with a police database"),
    ("surveillance", "Connected toothbrush phones home with users' whereabouts, researchers warn"),
    ("surveillance", "Cars came with hidden locators that report the car's position to the lender"),
    ("surveillance", "Landlord gave police tenants' door-code histories without subpoenas"),
    ("surveillance", "Detectives obtained a DNA profile from the lab's paternity records without a warrant"),
    ("surveillance", "Phone app matched advertising IDs to named households"),
    ("surveillance", "Utility let a marketing partner infer when customers were home from meter data"),
    ("surveillance", "Staff used the resort's camera network to follow her around the property"),
    ("surveillance", "Clinics' palm-vein scanners stored patients' hand templates without written consent"),
]

TRAPS = [
    ("sanctions", "Washington blocked the merger of the two chipmakers"),
    ("sanctions", "Judge blocked the company's takeover bid in a Washington court"),
    ("sanctions", "Revolutionary Guards seize a tanker in the Strait of Hormuz"),
    ("sanctions", "Shares in Moscow rose despite the ban on short selling by Russia's central bank"),
    ("sanctions", "Software company voluntarily reported a data breach to regulators"),
    ("sanctions", "The app is released under a general public licence"),
    ("sanctions", "Ukraine's military received radios supplied to its army by a US maker"),
    ("whistleblower", "Former employee charged with insider trading, SEC says"),
    ("whistleblower", "Company says the truck driver told police the brakes failed"),
    ("whistleblower", "Police say the suspect's records were falsified"),
    ("surveillance", "Drivers follow a schedule with two days off each week"),
    ("surveillance", "Car park operator's cameras issue parking charges to drivers who overstay"),
    ("surveillance", "Police said the whereabouts of the missing hiker were unknown"),
    ("surveillance", "Film crews pointed cameras at the stars on the red carpet"),
    ("surveillance", "Exchange boosts surveillance staff after an oil price spike"),
]

OBLIQUE += [
    ("sanctions", "Dual-use connectors went out to Russia without the authorisation the rules require"),
    ("surveillance", "Search company handed ICE a student's account data in response to a subpoena"),
    ("surveillance", "Supreme Court drops the email-warrant case after Congress passes the CLOUD Act"),
]

TRAPS += [
    ("sanctions", "Ticket seller's staff accessed a rival's computer systems without authorization"),
    ("sanctions", "Broker fined for operating without a licence in three states"),
    ("whistleblower", "A former employee pleaded guilty in the scheme, the filing said"),
]

OBLIQUE += [
    (
        "surveillance",
        "Regulator fines the social network for using users' religion and political views to target ads",
    ),
    ("surveillance", "Data protection authority rejects the legal basis for the platform's ad model"),
    ("surveillance", "France fines two search and social companies over hurdles to refusing cookies"),
    (
        "surveillance",
        "Retailer ignored shoppers' opt-out signals and kept sharing data through tracking technologies",
    ),
    ("surveillance", "Tracker maker adds alerts after reports of people being followed"),
    ("surveillance", "App pulled from the store after it broke data-collection rules"),
    ("whistleblower", "Walkout organisers say they were punished for speaking up"),
    ("whistleblower", "Retailer fires employee who accused her manager of assault"),
]

TRAPS += [
    ("surveillance", "Bakery chain launches a cookie subscription as recipe sales rise"),
    ("surveillance", "Fitness tracker sales climb as people count their steps"),
    ("surveillance", "Park workers vote to strike, citing pay and harassment over union activity"),
    ("surveillance", "Platform's targeted ads revenue grows 20% in the quarter"),
]

TRAPS += [("whistleblower", "Bank fires staff accused of faking keyboard activity to fool monitors")]

OBLIQUE += [
    (
        "surveillance",
        "Judge orders the messaging app blocked after it fails to hand over messages in a drug case",
    )
]
TRAPS += [("surveillance", "Court orders the founder to hand over documents in the contract dispute")]

OBLIQUE += [
    ("surveillance", "Appeals court lets the conviction stand despite the search company's location sweep"),
    ("whistleblower", "Former VP tells senators the platform's design rewards divisive posts"),
    ("whistleblower", "Carmaker let go of an employee who posted test drives critical of its software"),
    ("surveillance", "UK drops its demand for access to customers' encrypted data"),
    ("surveillance", "Phone maker dropped plan to encrypt backups after the FBI complained"),
    ("surveillance", "Phone maker adds Lockdown Mode for users targeted by state-sponsored hackers"),
    ("surveillance", "State sues search company, alleging it collected residents' face and voice data"),
]
TRAPS += [
    ("surveillance", "FBI says a ransomware gang encrypted the hospital's files"),
    ("whistleblower", "Data firm founded by engineers who built the software went public in 2021"),
]

OBLIQUE += [
    ("surveillance", "Police try out body cameras that match faces against a watch list"),
    ("surveillance", "Regulator refunds doorbell customers whose camera footage staff could view"),
    ("surveillance", "Lawsuit says the assistant was switched on to read users' emails and chats"),
    ("sanctions", "Four charged over a scheme to route AI chips to China through Malaysia"),
    ("sanctions", "Truck maker to pay $1.7 million after its European unit's sales ended up in Iran"),
]
TRAPS += [("surveillance", "Phone maker adds more phones to its flagship range and scans the market")]

OBLIQUE += [
    (
        "surveillance",
        "Court refuses the platform's request to suspend the country's ban on behavioural advertising",
    ),
    ("surveillance", "Data protection board extends the ban on behaviour-based ads across the EU"),
    ("surveillance", "Regulator opens an inquiry into how the search company processes users' location data"),
    ("surveillance", "Prosecutors open inquiry into voice recordings that contractors listened to"),
    ("surveillance", "UK issues a fresh order seeking access to users' encrypted backups"),
    ("surveillance", "Messaging app says it would leave the country if forced to break encryption"),
    (
        "whistleblower",
        "Regulator examines carmaker after an informant passes 100 gigabytes of internal files",
    ),
    ("sanctions", "Malaysia investigates whether servers in a fraud case carried chips bound for China"),
]
TRAPS += [
    (
        "whistleblower",
        "Union narrowly loses recognition vote; organisers say managers discouraged employees from joining",
    ),
    ("surveillance", "Informant tells police where the stolen files were hidden"),
]

OBLIQUE += [
    ("surveillance", "Baby-care app passed new parents' due dates to ad networks, court papers say"),
    ("surveillance", "Claims app sends policyholders' diagnoses to analytics vendors, plaintiffs allege"),
    ("surveillance", "Utility sells granular household electricity readings to a marketing company"),
    ("surveillance", "Retailer hired an intelligence firm to watch union-backed store activists"),
    ("surveillance", "Workers say microphones were installed in break areas without notice"),
    ("surveillance", "Casino cameras flag self-excluded players by face, regulators told"),
    ("surveillance", "Dashboard scores remote workers' screen time for managers"),
    ("surveillance", "Website used session replay software without customers' knowledge, suit says"),
]
TRAPS += [
    ("surveillance", "Conglomerate's unit sold cutting tools to Iranian customers through a third party"),
    ("surveillance", "Insurers report higher costs as older patients return to hospitals"),
    ("surveillance", "Utility's smart meter rollout cuts billing errors and outages"),
    ("surveillance", "Regulator sues dating service over ads from fake profiles that lured users to pay"),
]

OBLIQUE += [
    ("sanctions", "Grain cargoes loaded at a Russian-occupied Ukrainian port, shipping data show"),
    ("sanctions", "Contract manufacturer faces inquiry over electronics assembled for a Huawei affiliate"),
    ("sanctions", "Modems found in Russian loitering munitions, research group says"),
    ("sanctions", "Freight records show aircraft parts routed to Moscow via Armenia"),
    ("sanctions", "Servers reached Russia after the invasion, customs data show"),
    ("sanctions", "Forwarder receives Commerce subpoena over air shipments to Central Asian consignees"),
    ("whistleblower", "Claims adjuster tells state regulators of instructions to deny hurricane claims"),
    ("whistleblower", "Mortgage underwriter says she lost job after flagging falsified income documents"),
    ("whistleblower", "Audit committee probed hotline tips on payments to foreign agents, proxy says"),
    ("whistleblower", "Former researcher hands Congress documents on teen safety studies"),
]
TRAPS += [
    ("sanctions", "Drinks maker suspends sales in Russia after the invasion but keeps baby food on shelves"),
    ("surveillance", "Seed company backs a crop-pest surveillance network in Brazil"),
    (
        "surveillance",
        "Platform says government requests for user data hit a record in its transparency report",
    ),
    ("whistleblower", "Bank failed to keep records of staff messages sent on WhatsApp"),
]
