"""Property tests: the matcher never raises on arbitrary text, and what it reports is really there."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rules.engine import MAX_EVIDENCE_PER_RULE, Matcher
from rules.text import _ABBREVIATIONS, _OPENERS, Doc, normalise, split_points

WORDS = st.sampled_from(
    [
        "Amazon",
        "shell company",
        "Shell",
        "sanctions",
        "breach",
        "whistleblower",
        "former employee",
        "alleges",
        "facial recognition",
        "NCAA",
        "Visa",
        "visa ban",
        "$TSLA",
        "(NASDAQ: AMZN)",
        "Apple",
        "apple",
        ".",
        ",",
        "\n\n",
        "U.S.",
        "—",
        "’s",
        "“",
        "”",
        "surveillance",
        "trade surveillance",
        "fined",
        "$5 billion",
        "denies",
    ]
)
TEXT = st.one_of(st.text(max_size=3000), st.lists(WORDS, max_size=300).map(" ".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, body=TEXT)
def test_matcher_never_raises_and_evidence_is_in_the_text(matcher: Matcher, title: str, body: str) -> None:
    doc = Doc.from_parts(title, "", body)
    analysis = matcher.analyse_doc(doc)
    for topic in analysis.topics:
        for hit in topic.hits:
            assert 0 <= hit.start < hit.end <= len(doc.text)
    for match in analysis.matches:
        per_rule: dict[str, int] = {}
        for ev in match.evidence:
            per_rule[ev.rule] = per_rule.get(ev.rule, 0) + 1
            assert " ".join(ev.text.rstrip("…").split()) in " ".join(doc.text.split())
        assert all(n <= MAX_EVIDENCE_PER_RULE for n in per_rule.values())
        for ev in match.company_evidence:
            assert ev.text in doc.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_normalise_keeps_length_and_offsets(text: str) -> None:
    low = normalise(text)
    assert len(low) == len(text)
    assert all(c == " " or c.isalnum() for c in low)
    points = split_points(text)
    assert points[0] == 0 and points == sorted(set(points)) and all(0 <= p <= len(text) for p in points)


def test_repetitive_input_output_is_bounded(matcher: Matcher) -> None:
    body = "Amazon breached sanctions. " * 5000
    (match,) = matcher.match_text("Amazon breached sanctions", "", body)
    assert len(match.evidence) <= MAX_EVIDENCE_PER_RULE * 60


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, body=TEXT)
def test_risk_matches_are_the_matches_with_topics(matcher: Matcher, title: str, body: str) -> None:
    doc = Doc.from_parts(title, "", body)
    assert matcher.risk_matches_doc(doc) == [m for m in matcher.match_doc(doc) if m.topics]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, lead=TEXT, body=TEXT)
# another company's symbol in the headline: the lead's company must clear the offstage bar in both
@example(title="$TSLA", lead="APPLE:CO. APPLE", body="")
# a name in the lead that neither mode accepts still keeps the body's risk subject out of both
@example(title="", lead="sHELL:COMPAN", body="AMAZON:AMAZON:SANCTION:NASDAQ:AMZ")
@example(title="", lead="SHELL:COMPANY", body="AMAZON:AMAZON:AMAZON:SANCTION")
# a lower-case ambiguous name in the headline counts as a name there in both modes (the headline does not
# merely describe a company)
@example(title="sHELL:COMPANY", lead="", body="AMAZON:AMAZON:AMAZON")
def test_the_quick_decision_links_what_the_full_analysis_links(
    matcher: Matcher, title: str, lead: str, body: str
) -> None:
    # match_doc skips work that only explains (lower-case ambiguous names, companies the headline and
    # lead never name, salience past the threshold); analyse_doc does it all
    doc = Doc.from_parts(title, lead, body)
    full = matcher.analyse_doc(Doc.from_parts(title, lead, body))
    quick = matcher.match_doc(doc)
    assert {m.ticker: m.topics for m in quick} == {m.ticker: m.topics for m in full.matches}


def _abbreviation_ends_at(text: str, i: int, abbreviation: str) -> bool:
    """`abbreviation` is the word right before offset i (after white space, a bracket or a quote)."""
    start = i - len(abbreviation)
    if start < 0 or text[start:i].lower() != abbreviation:
        return False
    return start == 0 or text[start - 1].isspace() or text[start - 1] in "(\"'"


def _plain_split_points(text: str) -> list[int]:
    """Sentence starts found the slow, obvious way, character by character (what split_points must
    agree with)."""
    n = len(text)
    points = [0]
    for i, ch in enumerate(text):
        if ch not in ".?!":
            continue
        j = i + 1
        if j < n and text[j] in "\"')\u201d\u2019]":
            j += 1
        k = j
        while k < n and text[k].isspace():
            k += 1
        if k == j or k >= n:
            continue
        nxt = text[k]
        if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
            continue
        if ch == "." and any(_abbreviation_ends_at(text, i, a) for a in _ABBREVIATIONS):
            continue
        points.append(k)
    points += [m.end() for m in re.finditer(r"\n[ \n]*", text)]  # after each run of line breaks
    return sorted(set(points))


SENTENCE_BITS = st.sampled_from(
    [
        *["Inc", "U.S", "inc", "Dr", "zinc", "St", "a", "B", "É", "é", "1", "x"],
        *["(", '"', "'", "“", "’", ")"],
        *[".", "?", "!", " ", "  ", "\n", "\t", "\u00a0", "\u2003"],
        *["Inc. B", "(Inc. C", "\nU.S. D", " Dr. É", '." E', "! 2", "St.(F", "\u2003e.g. G"],
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(SENTENCE_BITS, max_size=40).map("".join))
def test_sentence_split_agrees_with_the_plain_reading(text: str) -> None:
    assert split_points(text) == _plain_split_points(text)


def test_sentence_split_skips_abbreviations_after_a_line_break() -> None:
    text = "Killing, envoy says\n\nU.S. Ambassador Smith left. He said so."
    starts = split_points(text)
    assert text.index("Ambassador") not in starts
    assert text.index("He said") in starts
