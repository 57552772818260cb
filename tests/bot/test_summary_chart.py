"""The ticker summary (counted in SQL) and its chart: a valid PNG drawn from the right counts."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.delivery.targets import parse_target
from bot.rendering import chart
from bot.rendering.summary import render_summary_text
from bot.usecases import portfolio, service
from tests.historykit import NOW, add_alert, ago

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch) -> None:
    monkeypatch.setattr(service, "_now", lambda: NOW)


def test_summary_counts_change_top_stories_and_open_items(db) -> None:
    a = add_alert(
        db, topics=("sanctions", "surveillance"), severity="critical", created=ago(days=1), story_id="s1"
    )
    add_alert(db, topics=("sanctions",), severity="high", created=ago(days=1, hours=2), story_id="s1")
    c = add_alert(db, topics=("fraud",), severity="low", created=ago(days=3))
    add_alert(db, topics=("fraud",), severity="high", created=ago(days=10))  # previous window
    add_alert(db, topics=("fraud",), severity="high", created=ago(days=20))  # older than both
    add_alert(db, ticker="BA", company="Boeing", created=ago(days=1))  # another ticker
    service.review(db, None, c.id, "reviewed", user="ann")
    s = service.summary(db, None, "amzn", 7)
    assert (s.ticker, s.total, s.previous_total) == ("AMZN", 3, 1)
    assert s.by_topic == {"sanctions": 2, "fraud": 1, "surveillance": 1}
    assert s.previous_by_topic == {"fraud": 1}
    assert list(s.by_severity.items()) == [("critical", 1), ("high", 1), ("low", 1)]
    assert [x.id for x in s.top] == [a.id, c.id]  # one per story, most severe first
    assert s.unreviewed == 2 and c.id not in {x.id for x in s.open_items}
    text = render_summary_text(s)
    assert (
        "3 alerts (+2 vs previous 7 days)" in text and a.link in text and "open, not yet reviewed: 2" in text
    )


def test_reviewed_false_positives_are_left_out_of_the_summary_and_said_so(db) -> None:
    add_alert(db, severity="high", created=ago(days=1))
    fp = add_alert(db, severity="critical", created=ago(days=2))
    service.review(db, None, fp.id, "false_positive", user="ann")
    s = service.summary(db, None, "AMZN", 7)
    assert (s.total, s.false_positives, s.by_severity) == (1, 1, {"high": 1})
    assert fp.id not in {a.id for a in [*s.top, *s.open_items]}
    assert "1 alert (+1 vs previous 7 days); 1 reviewed false positive left out" in render_summary_text(s)


def test_summary_is_scoped_and_says_plainly_when_empty(db) -> None:
    add_alert(db, created=ago(days=1), targets=("slack:T9/C9",))
    assert service.summary(db, C1, "AMZN", 7).total == 0
    empty = render_summary_text(service.summary(db, None, "TSLA", 30))
    assert empty == "TSLA (Tesla, Inc.): last 30 days: no alerts in this window."


# --- the charts, from the command line, tested from the numbers behind them ---------------------------

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG) and png[12:16] == b"IHDR"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.fixture
def cli(db, db_path: Path, tmp_path: Path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """`riskwire ARGS...` in this process on the `db` database: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    for var in list(os.environ):
        if var.startswith(("SLACK_", "DISCORD_", "RISKWIRE_")):
            monkeypatch.delenv(var)
    monkeypatch.setenv("RISKWIRE_DB", str(db_path))

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def text_total(out: str) -> int:
    found = re.search(r": (\d+) alerts? ", out)
    assert found, out
    return int(found.group(1))


def test_a_7_day_chart_has_a_bar_per_day_each_alert_once(db, cli, tmp_path) -> None:
    # NOW is Friday 2026-11-27 12:00 UTC; the window starts Friday 2026-11-20 12:00
    add_alert(
        db, topics=("whistleblower", "fraud", "product_safety"), severity="critical", created=ago(days=1)
    )
    add_alert(db, topics=("sanctions",), severity="high", created=ago(days=1, hours=3))
    add_alert(db, topics=("sanctions",), severity="low", created=ago(days=6))
    add_alert(db, topics=("fraud",), severity="medium", created=ago(days=6, hours=23))  # Friday 13:00
    fp = add_alert(db, topics=("fraud",), severity="high", created=ago(days=2))
    service.review(db, None, fp.id, "false_positive", user="ann")
    add_alert(db, created=ago(days=8))  # before the window
    code, out, err = cli("summary", "AMZN", "--days", "7", "--chart", "out.png")
    assert code == 0 and "chart: out.png" in err
    assert png_size((tmp_path / "out.png").read_bytes()) == (960, 480)
    s = service.summary_chart(db, None, "AMZN", 7).series
    assert s.step == 1 and s.starts[0] == date(2026, 11, 20) and s.starts[-1] == date(2026, 11, 27)
    assert s.totals == (1, 1, 0, 0, 0, 0, 2, 0) and s.total == text_total(out) == 4
    assert s.counts["critical"] == (0, 0, 0, 0, 0, 0, 1, 0)  # three topics, one alert
    assert s.false_positives == (0, 0, 0, 0, 0, 1, 0, 0)
    labels = chart.bar_labels(s)
    assert labels[-1] == "Fri\n27 Nov" and all(labels)  # eight days: every bar dated


def test_a_90_day_chart_has_weekly_bars_the_last_labelled(db, cli, tmp_path) -> None:
    for days in (0.5, 3, 20, 20, 45, 89):
        add_alert(db, topics=("sanctions", "fraud"), created=ago(days=days))
    code, out, _ = cli("summary", "AMZN", "--days", "90", "--chart", "q.png")
    assert code == 0 and png_size((tmp_path / "q.png").read_bytes())[0] == 960
    s = service.summary_chart(db, None, "AMZN", 90).series
    assert s.step == 7 and all(d.weekday() == 0 for d in s.starts)
    assert s.starts[0] <= (NOW - timedelta(days=90)).date() and s.starts[-1] == date(2026, 11, 23)
    assert s.total == text_total(out) == 6
    labels = chart.bar_labels(s)
    assert labels[-1] == "23 Nov\nto 29 Nov" and sum(1 for x in labels if x) <= chart.MAX_LABELS


def test_labels_carry_the_year_where_the_window_crosses_one(db, monkeypatch) -> None:
    new_year = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(service, "_now", lambda: new_year)
    add_alert(db, created=(new_year - timedelta(days=15)).isoformat())  # 28 Dec 2026
    add_alert(db, created=(new_year - timedelta(days=2)).isoformat())
    result = service.summary_chart(db, None, "AMZN", 30)
    labels = chart.bar_labels(result.series)
    shown = [x for x in labels if x]
    assert result.series.total == 2 and shown[0] == "Tue\n15 Dec\n2026" and labels[-1] == "Tue\n12 Jan"
    assert [x for x in shown if "2027" in x] == ["Mon\n4 Jan\n2027"]  # under the year's first label
    weekly = chart.bar_labels(service.summary_chart(db, None, "AMZN", 90).series)
    assert weekly[-1] == "11 Jan 2027\nto 17 Jan 2027"
    inside = chart.bar_labels(service.summary_chart(db, None, "AMZN", 7).series)
    assert inside[-1] == "Tue\n12 Jan"  # no year where the window stays in one


def test_no_chart_file_unless_asked_and_a_bad_path_is_one_clear_line(db, cli, tmp_path) -> None:
    add_alert(db, created=ago(days=1))
    code, out, err = cli("summary", "AMZN", "--days", "7")
    assert code == 0 and "1 alert" in out and list(tmp_path.glob("*.png")) == [] and "chart" not in err
    code, _, err = cli("summary", "AMZN", "--chart", str(tmp_path / "missing" / "c.png"))
    assert code == 1 and err.count("\n") == 1 and "could not write the chart" in err


def test_an_empty_window_still_draws_a_readable_chart() -> None:
    empty = chart.time_series([], date(2026, 11, 20), date(2026, 11, 27))
    assert empty.total == 0 and len(empty.starts) == 8
    assert png_size(chart.render_time_chart(empty, "AMZN: nothing")) == (960, 480)
    assert png_size(chart.render_heatmap(chart.portfolio_grid({}, []), "nothing"))[0] == 960


# --- the portfolio ------------------------------------------------------------------------------------

C9 = "slack:T1/C9"


def test_portfolio_from_the_command_line_counts_what_its_heat_map_shows(db, cli, tmp_path) -> None:
    scope = service.Scope(parse_target(C9), user="U1")
    service.watch(db, scope, ["AMZN", "BA", "TSLA", "MSFT"])
    first = add_alert(db, topics=("sanctions", "fraud"), severity="high", created=ago(days=1), targets=(C9,))
    add_alert(db, topics=("sanctions",), created=ago(days=1), targets=(C9,), story_id=first.id)
    for days in (1, 2):
        add_alert(
            db, ticker="BA", company="The Boeing Company", topics=("whistleblower", "product_safety"),
            severity="critical", created=ago(days=days), targets=(C9,),
        )  # fmt: skip
    add_alert(db, ticker="TSLA", company="Tesla, Inc.", severity="low", created=ago(days=3), targets=(C9,))
    noise = add_alert(db, ticker="TSLA", company="Tesla, Inc.", created=ago(days=3), targets=(C9,))
    service.review(db, scope, noise.id, "false_positive", user="ann")
    service.review(db, scope, first.id, "reviewed", user="ann")
    add_alert(db, ticker="AMZN", created=ago(days=1), targets=("slack:T1/OTHER",))  # another channel
    code, out, err = cli("summary", "--to", C9, "--days", "7", "--chart", "p.png")
    assert code == 0, err
    assert "Portfolio: 4 watched tickers, last 7 days" in out and ": 5 alerts on 3 tickers" in out
    assert (
        "most severe: BA (2 critical)" in out and "follow-ups (reports linked to an earlier story): 1" in out
    )
    assert "open, not yet reviewed: 4" in out and "no alerts: MSFT" in out
    assert "1 reviewed false positive left out" in out
    view = portfolio.portfolio(db, scope, 7)
    grid = portfolio.portfolio_chart(db, scope, view).series
    assert grid.tickers == ("AMZN", "BA", "TSLA") and grid.alerts == (2, 2, 1)
    assert sum(grid.alerts) == text_total(out) == view.total
    for ticker, n in zip(grid.tickers, grid.alerts, strict=True):
        assert re.search(rf"{ticker} \([^)]*\): {n} alerts? ", out)
    cells = dict(zip(grid.tickers, grid.cells, strict=True))
    assert cells["AMZN"][grid.topics.index("sanctions")] == 2 and cells["BA"][grid.topics.index("fraud")] == 0
    assert png_size((tmp_path / "p.png").read_bytes())[0] == 960


def test_portfolio_needs_a_target_and_one_that_watches_something(db, cli) -> None:
    code, _, err = cli("summary")
    assert code == 2 and err.strip().count("\n") == 0 and "--to TARGET" in err
    code, _, err = cli("summary", "--to", "slack:T1/EMPTY")
    assert code == 2 and "watches no tickers" in err


def test_heat_map_keeps_the_top_tickers_and_folds_rare_topics() -> None:
    totals = {f"T{i:02d}": 30 - i for i in range(25)}
    rows = [(t, f"topic{j}", 1) for t in totals for j in range(12)]
    grid = chart.portfolio_grid(totals, rows)
    assert len(grid.tickers) == chart.MAX_TICKERS and grid.tickers[0] == "T00"
    assert len(grid.topics) == chart.MAX_TOPICS and grid.topics[-1] == chart.OTHER
    assert all(sum(r) == 12 for r in grid.cells)  # every topic of every alert is in a cell


def test_a_weekly_digest_takes_the_portfolio_option_from_the_command_line(db, cli) -> None:
    from tests.clock import ago as real_ago

    code, out, _ = cli("watch", "add", "AMZN", "TSLA", "--to", "console")
    assert code == 0, out
    add_alert(db, topics=("sanctions", "fraud"), created=real_ago(hours=5))
    code, out, err = cli(
        "digest", "weekly", "MON", "09:00", "Europe/London", "--to", "console", "--portfolio"
    )
    assert code == 0, err
    assert "weekly on Mon at 09:00 Europe/London, with the portfolio of every watched ticker" in out
    assert db.table("digests").get("console")["portfolio"] == 1
    code, out, _ = cli("digest", "preview", "--to", "console")
    assert code == 0 and "Portfolio: 2 watched tickers, last 7 days" in out and "no alerts: TSLA" in out
    assert "  Sanctions" in out and "(also under Fraud" in out  # each of the alert's topics
