from __future__ import annotations

from bot.summarise import MAX_CHARS, split_sentences, summarise
from tests.feedkit import SEED


def test_summary_comes_from_text_and_holds_evidence() -> None:
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n\n")
    text = summarise(title, body, ["Rekognition", "shell company"])
    assert text != title and len(text) <= MAX_CHARS
    sentences = split_sentences(body)
    assert all(any(part in s for s in sentences) for part in text.split(". ")[:1])
    assert "Rekognition" in text or "facial recognition" in text


def test_title_only_item_uses_headline() -> None:
    assert summarise("Wells Fargo fined over Iran trade", "") == "Wells Fargo fined over Iran trade"


def test_headline_repeated_in_body_is_not_the_summary() -> None:
    out = summarise("Big news", "Big news\n\nThe details follow here. More detail.")
    assert out.startswith("The details")


def test_abbreviations_do_not_split() -> None:
    assert len(split_sentences("The U.S. Treasury fined Acme Inc. on Monday. It paid.")) == 2
