from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pipeline.summarise import MAX_CHARS, split_sentences, summarise
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


WORDS = [
    "regulators",
    "said",
    "the",
    "company",
    "breached",
    "sanctions",
    "profits",
    "rose",
    "in",
    "march",
    "staff",
]


@st.composite
def articles(draw):  # type: ignore[no-untyped-def]
    sentences = draw(
        st.lists(
            st.lists(st.sampled_from(WORDS), min_size=3, max_size=30).map(
                lambda w: " ".join(w).capitalize() + "."
            ),
            min_size=0,
            max_size=8,
        )
    )
    evidence = draw(st.lists(st.sampled_from(WORDS), max_size=2))
    return "Company news today", " ".join(sentences), evidence


@settings(max_examples=80, deadline=None)
@given(articles())
def test_summary_is_article_sentences_with_the_evidence(case) -> None:  # type: ignore[no-untyped-def]
    title, text, evidence = case
    out = summarise(title, text, evidence)
    assert len(out) <= MAX_CHARS
    source = split_sentences(text)
    if not source:
        assert out == title
        return
    parts = split_sentences(out)
    assert 1 <= len(parts) <= 3
    if out.endswith("…"):  # one over-long sentence, cut at a word
        assert any(s.startswith(out[:-1]) for s in source)
        return
    assert all(p in source for p in parts), (parts, source)
    holding = [s for s in source if any(t in s.lower() for t in evidence) and len(s) <= MAX_CHARS]
    if holding:
        assert any(t in out.lower() for t in evidence)


def test_an_article_is_split_once_for_all_its_alerts(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.pipeline import summarise as module

    title, _, body = SEED.read_text(encoding="utf-8").partition("\n\n")
    body += "\n\nA paragraph only this test has, so that nothing is split before."
    calls: list[str] = []
    segmenter = module._segmenter()
    segment = segmenter.segment

    def counting(text: str) -> list[str]:
        calls.append(text)
        return segment(text)  # type: ignore[no-any-return]

    monkeypatch.setattr(segmenter, "segment", counting)
    first = summarise(title, body, ["Rekognition"])
    split = len(calls)
    second = summarise(title, body, ["shell company"])  # the same article's alert for another company
    assert split > 0 and len(calls) == split
    assert len(calls) == len(set(calls))  # no paragraph split twice
    assert first and second
