from __future__ import annotations

import pytest

from rules.rulefile import RuleFileError, Term, load_topic_file, load_topics
from rules.text import Doc

GOOD = """topic = "demo"
label = "Demo"
threshold = 1

[[rule]]
id = "one"
any = ["alpha beta", "gamm*"]
"""


def test_builtin_rules_load_with_required_topics() -> None:
    ids = {t.id for t in load_topics()}
    assert {"sanctions", "whistleblower", "surveillance"} <= ids
    assert len(ids) >= 9


def test_good_file() -> None:
    spec = load_topic_file("demo.toml", GOOD)
    assert spec.id == "demo" and spec.rules[0].groups[0][1] == Term("gamm", True)


@pytest.mark.parametrize(
    "text,line,problem",
    [
        (GOOD.replace('any = ["alpha beta", "gamm*"]', "any = []"), 7, "non-empty list"),
        (GOOD.replace('id = "one"', 'id = "One Two"'), None, "id must be"),
        (GOOD + '\n[[rule]]\nid = "one"\nany = ["x y"]\n', 10, "used twice"),
        (GOOD.replace('any = ["alpha beta", "gamm*"]', 'any = ["a* b*"]'), 7, "only one word may"),
        (GOOD.replace("threshold = 1", 'threshold = "high"'), 3, "threshold"),
        (GOOD.replace('any = ["alpha beta", "gamm*"]', 'any = ["x y"]\nwithin = 500'), 8, "within"),
        (GOOD.replace('any = ["alpha beta", "gamm*"]', 'anyy = ["x"]'), 7, "unknown key"),
        (GOOD.replace('label = "Demo"', 'label = "Demo'), 2, "not valid TOML"),
        (
            GOOD.replace('any = ["alpha beta", "gamm*"]', 'all = [["alpha"], ["beta"]]\nstart = 2'),
            8,
            "start must",
        ),
        (GOOD.replace('any = ["alpha beta", "gamm*"]', 'any = ["@staff"]'), 7, "no term list '@staff'"),
        (GOOD.replace("threshold = 1", "threshold = 1\n[terms]\nstaff = []"), 4, "[terms] must map"),
    ],
)
def test_broken_file_names_file_line_and_problem(text, line, problem) -> None:
    with pytest.raises(RuleFileError) as err:
        load_topic_file("topics/demo.toml", text)
    assert err.value.path == "topics/demo.toml"
    if line is not None:
        assert err.value.line == line
    assert problem in str(err.value)
    assert str(err.value).startswith("topics/demo.toml")


def test_an_ordered_rule_starts_from_the_group_start_names() -> None:
    from rules.engine import Matcher
    from rules.models import Company

    text = GOOD.replace(
        'any = ["alpha beta", "gamm*"]',
        'all = [["staff"], ["told"], ["regulators"]]\nordered = true\nstart = 2',
    )
    spec = load_topic_file("demo.toml", text)
    assert spec.rules[0].start == 2
    matcher = Matcher([Company("ZZZZ", "Zzzz Corp", ("Zzzz Corp",))], topics=[spec])
    # the order still counts, and the rule still fires where every group is present
    assert [
        t.tagged for t in matcher.analyse_doc(Doc.from_parts("Staff told regulators of faults")).topics
    ] == [True]
    assert not any(
        t.tagged for t in matcher.analyse_doc(Doc.from_parts("Regulators told staff to stop")).topics
    )
    # only the starting group's words make the rule worth looking at
    regulators = matcher._term_id[Term("regulators", False)]
    staff = matcher._term_id[Term("staff", False)]
    assert regulators in matcher._topic_triggers and staff not in matcher._topic_triggers


def test_a_named_term_list_is_used_in_any_group() -> None:
    from rules.engine import Matcher
    from rules.models import Company

    text = GOOD.replace("threshold = 1", 'threshold = 1\n\n[terms]\nstaff = ["nurse*", "welder"]').replace(
        'any = ["alpha beta", "gamm*"]', 'all = [["@staff", "clerk"], ["told regulators"]]\nnone = ["@staff"]'
    )
    rule = load_topic_file("demo.toml", text).rules[0]
    assert rule.groups[0] == (Term("nurse", True), Term("welder", False), Term("clerk", False))
    assert rule.none == (Term("nurse", True), Term("welder", False))
    spec = load_topic_file("demo.toml", text.replace('\nnone = ["@staff"]', ""))
    matcher = Matcher([Company("ZZZZ", "Zzzz Corp", ("Zzzz Corp",))], topics=[spec])
    assert [t.tagged for t in matcher.analyse_doc(Doc.from_parts("Nurses told regulators")).topics] == [True]
    assert not matcher.analyse_doc(Doc.from_parts("Drivers told regulators")).topics
