"""The official lists Riskwire can load: who publishes each, where, and in what format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OfficialList:
    """One published list: a short id (the list's name in Riskwire), a label, its default URL and the
    format its parser reads."""

    id: str
    label: str
    url: str
    format: str
    short: str = ""


OFFICIAL: dict[str, OfficialList] = {
    "us-csl": OfficialList(
        "us-csl",
        "US Consolidated Screening List (Commerce, State, Treasury)",
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
        "csl-csv",
        "US Consolidated Screening List",
    ),
    "uk": OfficialList(
        "uk",
        "UK Sanctions List (FCDO)",
        "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
        "uk-xml",
        "UK sanctions list",
    ),
    "eu": OfficialList(
        "eu",
        "EU consolidated financial sanctions list",
        "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
        "eu-xml",
        "EU sanctions list",
    ),
    "un": OfficialList(
        "un",
        "UN Security Council consolidated list",
        "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
        "un-xml",
        "UN Security Council list",
    ),
}
