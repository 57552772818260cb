from __future__ import annotations

import pytest

from rules.rulefile import RuleFileError, Term, load_topic_file, load_topics

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
