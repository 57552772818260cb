"""Backtest: stored articles replayed through the current or a changed rule set, against what alerted."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.delivery.targets import parse_target
from bot.pipeline.matching import matcher_for
from bot.pipeline.process import process_articles
from bot.usecases import service
from bot.usecases.backtest import backtest, render_backtest
from feeds.models import Article
from rules.rulefile import RuleFileError, builtin_rules_dir
from tests.feedkit import SEED

LABOUR = Article(
    id="labour1",
    link="https://n.example.com/labour",
    title="Amazon warehouse workers allege union busting at Alabama site",
    summary="Amazon.com Inc. (NASDAQ: AMZN) workers said managers engaged in union busting and unsafe "
    "working conditions at its Bessemer warehouse. Amazon said it respects workers.",
)
LNG = Article(
    id="lng1",
    link="https://n.example.com/lng",
    title="Shell plc raises LNG outlook",
    summary="Shell plc (LON: SHEL) raised its LNG demand outlook on Tuesday, citing Asian buyers.",
)


@pytest.fixture
def replayed(db):  # type: ignore[no-untyped-def]
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n\n")
    seed = Article(id="seed1", link="https://n.example.com/seed", title=title.strip(), content=body)
    service.watch(db, service.Scope(parse_target("console")), ["AMZN", "SHEL"])
    report = process_articles(db, [seed, LABOUR, LNG], matcher_for({"AMZN": [], "SHEL": []}))
    assert {(a.article_id, a.ticker) for a in report.alerts} == {("seed1", "AMZN"), ("labour1", "AMZN")}
    return db


def _changed_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), rules)
    (rules / "labour.toml").unlink()  # the labour alert disappears
    text = (rules / "surveillance.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^threshold = .*$", "threshold = 100", text, count=1)  # surveillance never tags
    (rules / "surveillance.toml").write_text(text, encoding="utf-8")
    (rules / "energy.toml").write_text(
        'topic = "energy"\nlabel = "Energy"\nseverity = "low"\nthreshold = 1\n\n'
        '[[rule]]\nid = "lng"\nany = ["LNG"]\n',
        encoding="utf-8",
    )
    return rules


def test_unchanged_rules_alert_exactly_as_before(replayed) -> None:
    report = backtest(replayed)
    assert report.articles == 3 and report.changes == []
    assert report.would == report.actual and report.would_alerts == report.actual_alerts == 2
    assert "No differences" in render_backtest(report)


def test_changed_rules_show_new_gone_and_changed_alerts(replayed, tmp_path: Path) -> None:
    report = backtest(replayed, rules_dir=_changed_rules(tmp_path))
    assert [(c.ticker, c.after) for c in report.of_kind("new")] == [("SHEL", ("energy",))]
    assert [(c.article_id, c.before) for c in report.of_kind("gone")] == [("labour1", ("labour",))]
    (changed,) = report.of_kind("changed")
    assert "surveillance" in changed.before and "surveillance" not in changed.after
    assert report.actual[("AMZN", "labour")] == 1 and report.would[("AMZN", "labour")] == 0
    assert report.would[("SHEL", "energy")] == 1
    text = render_backtest(report)
    assert "New alerts (1)" in text and "Alerts that would disappear (1)" in text and LNG.link in text
    assert replayed.table("alerts").count == 2  # nothing stored


def test_broken_rule_file_is_reported_with_file_and_line(replayed, tmp_path: Path) -> None:
    rules = tmp_path / "broken"
    rules.mkdir()
    (rules / "x.toml").write_text(
        'topic = "x"\nlabel = "X"\n[[rule]]\nid = "a"\nany = ["ok"]\nwithin = "soon"\n'
    )
    with pytest.raises(RuleFileError, match=r"x.toml"):
        backtest(replayed, rules_dir=rules)
