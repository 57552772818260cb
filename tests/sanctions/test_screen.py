"""Parties in a story matched against listed names: the traps each normalisation step guards against."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.sanctions.models import ListedEntry
from rules.sanctions.screen import SanctionsIndex, extract_parties
from rules.sanctions.teamlist import parse_team_list

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "amazon-sanctions-article.txt"


@pytest.fixture(scope="module")
def index() -> SanctionsIndex:
    loaded = parse_team_list("team", (FIXTURES / "team-list.csv").read_bytes())
    return SanctionsIndex(loaded.entries)


def _found(index: SanctionsIndex, text: str, own: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    return {p.listed_name: (p.name, p.match) for p in index.screen(text, own)}


def test_the_seed_story_names_visionlabs(index: SanctionsIndex) -> None:
    text = (
        SEED.read_text(encoding="utf-8")
        if SEED.exists()
        else "sold Rekognition to VisionLabs, a Russian company"
    )
    parties = index.screen(text, ("Amazon", "Amazon Web Services", "AWS"))
    assert [(p.name, p.list, p.programme, p.listed, p.match) for p in parties] == [
        ("VisionLabs", "team", "Russia", "2023-02-24", "exact")
    ]


def test_an_alias_matches_as_alias(index: SanctionsIndex) -> None:
    assert _found(index, "The chips went through Techsec last year.") == {
        "Limited Liability Company Tekhnologii Bezopasnosti": ("Techsec", "alias")
    }


def test_a_transliterated_name_matches(index: SanctionsIndex) -> None:
    # the list holds the Cyrillic 'Газпромбанк'; the story writes it in Latin letters
    assert _found(index, "Payments were routed via Gazprombank in Moscow.") == {
        "Газпромбанк": ("Gazprombank", "exact")
    }
    # and the other way round: a Cyrillic story naming a Latin-listed company's Cyrillic alias
    assert _found(index, "Контракт с ВижнЛабс") == {"VisionLabs": ("ВижнЛабс", "alias")}


def test_a_legal_form_variant_matches(index: SanctionsIndex) -> None:
    # listed as 'Limited Liability Company Tekhnologii Bezopasnosti'; the story writes 'OOO ...'
    assert _found(index, "It sold cameras to OOO Tekhnologii Bezopasnosti.") == {
        "Limited Liability Company Tekhnologii Bezopasnosti": ("OOO Tekhnologii Bezopasnosti", "exact")
    }
    assert _found(index, "a deal with VisionLabs B.V. in Amsterdam") == {
        "VisionLabs": ("VisionLabs B.V", "exact")
    }


def test_spacing_variants_match_as_fuzzy(index: SanctionsIndex) -> None:
    entries = [ListedEntry(list="x", name="Vision Labs Group", programme="Russia")]
    found = {p.name: p.match for p in SanctionsIndex(entries).screen("Talks with VisionLabsGroup stalled.")}
    assert found == {"VisionLabsGroup": "fuzzy"}


def test_a_common_person_name_does_not_match(index: SanctionsIndex) -> None:
    # Ivan Petrov is listed with the alias 'Petrov': another Petrov, or Petrov alone, is no match
    assert _found(index, "Alexander Petrov, a lawyer, said Petrov would appeal.") == {}
    assert _found(index, "Ivan Petrov denied it.") == {}  # made only of common names: nobody in particular
    smith = SanctionsIndex([ListedEntry(list="x", name="SMITH, John", aliases=("SMITH",), kind="person")])
    assert smith.screen("John Smith, a farmer, and Mr Smith spoke.") == []
    sechin = SanctionsIndex([ListedEntry(list="x", name="Igor Ivanovich SECHIN", kind="person")])
    assert [p.name for p in sechin.screen("Sechin met Igor Ivanovich Sechin.")] == ["Igor Ivanovich Sechin"]
    people = SanctionsIndex([ListedEntry(list="x", name="Mohammed", kind="entity")])
    assert people.screen("Mohammed said the deal was legal.") == []


def test_a_listed_name_inside_another_word_does_not_match(index: SanctionsIndex) -> None:
    assert _found(index, "Rosneftegaz and NeoRosneft and Superrosneft signed a deal.") == {}
    assert _found(index, "Rosneft signed.") == {"Rosneft": ("Rosneft", "exact")}


def test_lower_case_words_are_not_parties(index: SanctionsIndex) -> None:
    entries = [ListedEntry(list="x", name="Progress Group")]
    assert SanctionsIndex(entries).screen("the progress group met again") == []


def test_a_listed_watched_company_is_the_subject(index: SanctionsIndex) -> None:
    entries = [ListedEntry(list="x", name="Rosneft Oil Company", aliases=("Rosneft",), programme="Russia")]
    parties = SanctionsIndex(entries).screen("Rosneft said output rose.", own_names=("Rosneft",))
    assert [(p.name, p.subject, p.match) for p in parties] == [("Rosneft", True, "alias")]


def test_no_lists_no_parties() -> None:
    assert SanctionsIndex([]).screen("Sold to VisionLabs") == []


def test_parties_are_extracted_with_their_cue() -> None:
    parties = extract_parties("Sold to Bank of Kunlun via Johnson & Johnson, through ООО ВижнЛабс.")
    assert [(p.text, p.cue) for p in parties] == [
        ("Sold", None),
        ("Bank of Kunlun", "to"),
        ("Johnson & Johnson", "via"),
        ("ООО ВижнЛабс", "through"),
    ]
