from __future__ import annotations

import pytest

from rules.directory import CompanyDirectory, UnknownTicker, short_names


@pytest.fixture(scope="module")
def directory() -> CompanyDirectory:
    return CompanyDirectory.default()


@pytest.mark.parametrize(
    "ticker,name_part",
    [
        ("SHEL", "Shell"),
        ("ERIC", "Ericsson"),
        ("GLNCY", "Glencore"),
        ("GLEN", "Glencore"),
        ("VWAGY", "Volkswagen"),
        ("HSBC", "HSBC"),
        ("AMZN", "Amazon"),
        ("XYZ", "Block"),
        ("SIEGY", "Siemens"),
    ],
)
def test_every_listed_symbol_resolves(directory, ticker, name_part) -> None:
    assert name_part in directory.resolve(ticker).name


def test_bare_us_ticker_prefers_us_listing(directory) -> None:
    assert "Boeing" in directory.resolve("BA").name
    assert "BAE" not in directory.resolve("BA").name


def test_cashtag_and_case_are_accepted(directory) -> None:
    assert directory.resolve("$amzn").ticker == "AMZN"


def test_unknown_ticker_suggests(directory) -> None:
    with pytest.raises(UnknownTicker) as err:
        directory.resolve("AMZM")
    assert "AMZN" in err.value.suggestions


def test_unknown_ticker_with_names_is_accepted(directory) -> None:
    company = directory.resolve("ZZZQ", ["Zedquux Holdings", "Zedquux"])
    assert "Zedquux" in company.names


def test_ambiguous_names_are_kept_apart(directory) -> None:
    amzn = directory.resolve("AMZN")
    assert "Amazon" in amzn.ambiguous and "Amazon" not in amzn.names
    assert "AWS" in amzn.names and "Rekognition" in amzn.names
    snap = directory.resolve("SNAP", ["Snap Inc.", "Snapchat"])
    assert "Snap" in snap.ambiguous and "Snapchat" in snap.names


def test_short_names_strip_legal_forms() -> None:
    assert "Snap" in short_names("Snap Inc.")
    assert "Meta" in short_names("Meta Platforms, Inc.", descriptive=True)
    assert "Meta Platforms" in short_names("Meta Platforms, Inc.")
    assert short_names("Ant Group") == ["Ant Group"]
