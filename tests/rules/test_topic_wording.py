"""Every topic wording list of the test modules named below, each with its traps: a headline from
OBLIQUE tags its topic, a headline from TRAPS does not. The lists stay next to the linking tests of
the same stories; the checks are here once."""

from __future__ import annotations

import pytest

from rules.engine import Matcher
from tests.rules import (
    test_linking_people_and_lists,
    test_names_and_quotes,
    test_topics_oblique,
    test_topics_oblique_abroad,
    test_topics_oblique_cases,
    test_topics_oblique_data,
    test_topics_oblique_enforcement,
    test_topics_oblique_filings,
    test_topics_oblique_more,
    test_topics_oblique_policy,
    test_topics_oblique_sectors,
    test_topics_oblique_staff,
    test_topics_oblique_tracking,
)
from tests.rules.kit import tagged

MODULES = (
    test_topics_oblique,
    test_topics_oblique_data,
    test_topics_oblique_more,
    test_topics_oblique_sectors,
    test_topics_oblique_staff,
    test_topics_oblique_enforcement,
    test_topics_oblique_tracking,
    test_topics_oblique_abroad,
    test_names_and_quotes,
    test_linking_people_and_lists,
    test_topics_oblique_policy,
    test_topics_oblique_filings,
    test_topics_oblique_cases,
)
WORDING = [(m.__name__.rsplit(".", 1)[-1], topic, title) for m in MODULES for topic, title in m.OBLIQUE]
TRAPS = [(m.__name__.rsplit(".", 1)[-1], topic, title) for m in MODULES for topic, title in m.TRAPS]


@pytest.mark.parametrize(("source", "topic", "title"), WORDING)
def test_the_wording_tags_its_topic(matcher: Matcher, source: str, topic: str, title: str) -> None:
    assert topic in tagged(matcher, title), source


@pytest.mark.parametrize(("source", "topic", "title"), TRAPS)
def test_a_trap_does_not_tag_the_topic(matcher: Matcher, source: str, topic: str, title: str) -> None:
    assert topic not in tagged(matcher, title), source
