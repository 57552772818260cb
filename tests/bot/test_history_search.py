"""History with filters and paging, full-text search that survives hostile input, and review."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.delivery.targets import parse_target
from bot.usecases import service
from bot.usecases.fts_query import QueryError, to_fts_query
from tests.historykit import NOW, add_alert, ago

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")
C2 = service.Scope(parse_target("slack:T2/C2"), user="U2")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch) -> None:
    monkeypatch.setattr(service, "_now", lambda: NOW)


@pytest.fixture
def stocked(db):  # type: ignore[no-untyped-def]
    """Alerts with known words, topics, severities and times, delivered to C1 (one also to C2)."""
    made = {
        "phrase": add_alert(
            db,
            summary="Regulators opened a probe into export controls at the unit.",
            terms=("export controls",),
            created=ago(days=1),
            targets=(C1.key,),
        ),
        "apart": add_alert(
            db,
            summary="Export volumes rose; controls on spending were tightened.",
            terms=("spending",),
            topics=("fraud",),
            severity="low",
            created=ago(days=2),
            targets=(C1.key,),
        ),
        "other": add_alert(
            db,
            ticker="BA",
            company="The Boeing Company",
            topics=("whistleblower", "product_safety"),
            severity="critical",
            summary="An engineer blew the whistle on assembly shortcuts.",
            terms=("blew the whistle",),
            created=ago(days=20),
            targets=(C1.key, C2.key),
        ),
    }
    return made


def test_phrase_search_finds_the_phrase_not_the_words_apart(db, stocked) -> None:
    assert [a.id for a in service.search(db, C1, '"export controls"')] == [stocked["phrase"].id]
    both = {a.id for a in service.search(db, C1, "export controls")}
    assert both == {stocked["phrase"].id, stocked["apart"].id}


def test_search_stems_prefixes_or_ticker_and_scope(db, stocked) -> None:
    assert [a.id for a in service.search(db, C1, "bribery engineer")] == []
    assert [a.id for a in service.search(db, C1, "engineers")] == [stocked["other"].id]  # stemmed
    assert [a.id for a in service.search(db, C1, "assem*")] == [stocked["other"].id]
    either = {a.id for a in service.search(db, C1, "assembly OR spending")}
    assert either == {stocked["other"].id, stocked["apart"].id}
    assert [a.ticker for a in service.search(db, None, "Boeing")] == ["BA"]  # company name
    assert [a.id for a in service.search(db, C1, "controls", ticker="BA")] == []
    assert [a.id for a in service.search(db, C2, "export")] == []  # not delivered to C2
    assert [a.id for a in service.search(db, C2, "whistle")] == [stocked["other"].id]


@pytest.mark.parametrize(
    "text",
    [
        '"unclosed phrase',
        "AND OR NOT",
        "NEAR(a b)",
        "title:export",
        "(((",
        "a* *b **",
        '""',
        "^x",
        "-x",
        "\x00",
    ],
)
def test_hostile_syntax_never_crashes(db, stocked, text: str) -> None:
    assert isinstance(service.search(db, C1, text), list)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=80))
def test_any_text_gives_results_or_a_clear_message(db, text: str) -> None:
    try:
        assert isinstance(service.search(db, None, text), list)
    except service.ServiceError as exc:
        assert str(exc)


def test_fts_query_keeps_phrases_and_quotes_everything_else() -> None:
    assert to_fts_query('"export controls" Amazon') == '"export controls" AND "Amazon"'
    assert to_fts_query("a OR b c") == '("a" OR "b") AND "c"'
    assert to_fts_query("sanction*") == '"sanction"*'
    assert to_fts_query('say "hi') == '"say" AND "hi"'
    assert to_fts_query('x"y') == '"x y"'
    with pytest.raises(QueryError):
        to_fts_query("%% ** ()")


def test_history_filters_and_pages(db, stocked) -> None:
    ids = lambda alerts: [a.id for a in alerts]  # noqa: E731
    assert ids(service.history(db, C1)) == [stocked[k].id for k in ("phrase", "apart", "other")]
    assert ids(service.history(db, C1, topic="fraud")) == [stocked["apart"].id]
    assert ids(service.history(db, C1, severity="high+")) == [stocked["phrase"].id, stocked["other"].id]
    assert ids(service.history(db, C1, severity="low")) == [stocked["apart"].id]
    assert ids(service.history(db, C1, ticker="ba")) == [stocked["other"].id]
    assert ids(service.history(db, C1, days=7)) == [stocked["phrase"].id, stocked["apart"].id]
    since, until = ago(days=3)[:10], ago(days=2)[:10]
    assert ids(service.history(db, C1, since=since, until=until)) == [stocked["apart"].id]
    assert ids(service.history(db, C1, limit=2, page=2)) == [stocked["other"].id]
    assert service.history(db, C2, topic="fraud") == []
    with pytest.raises(service.ServiceError, match="Unknown topic"):
        service.history(db, C1, topic="nonsense")
    with pytest.raises(service.ServiceError, match="Severity"):
        service.history(db, C1, severity="huge")
    with pytest.raises(service.ServiceError, match="date like"):
        service.history(db, C1, since="last tuesday")


def test_review_marks_keeps_who_when_and_scopes_state(db, stocked) -> None:
    alert = stocked["other"]
    done = service.review(db, C1, alert.id, "false-positive", "about another Boeing")
    assert (done.action, done.user, done.at, done.reason) == (
        "false_positive",
        "U1",
        NOW.isoformat(timespec="seconds"),
        "about another Boeing",
    )
    assert alert.id not in {a.id for a in service.history(db, C1, reviewed=False)}
    assert [a.id for a in service.history(db, C1, reviewed=True)] == [alert.id]
    assert [a.id for a in service.history(db, C2, reviewed=False)] == [alert.id]  # C2 has not reviewed it
    service.review(db, C1, alert.id, "reopen")
    assert alert.id in {a.id for a in service.history(db, C1, reviewed=False)}
    log = db.execute("select action, user, target from reviews order by id").fetchall()
    assert log == [("false_positive", "U1", C1.key), ("reopened", "U1", C1.key)]
    with pytest.raises(service.ServiceError, match="No such alert in this channel"):
        service.review(db, C2, stocked["phrase"].id, "reviewed")
    cli = service.review(db, None, stocked["phrase"].id, "reviewed", user="auditor")
    assert cli.user == "auditor"
    assert [a.id for a in service.history(db, None, reviewed=True)] == [stocked["phrase"].id]
    with pytest.raises(service.ServiceError, match="Review action"):
        service.review(db, None, stocked["phrase"].id, "approve")
