"""`/riskwire history` filters, `search ... ticker:`, `digest ...` and the summary chart: parsed by
the command layer over the real service and SQLite, and end to end through the real Bolt app, the
real AsyncWebClient (files_upload_v2) and the fake Web API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.settings import Settings
from bot.delivery.targets import parse_target
from bot.slack_app.commands import CommandContext, Reply, run_command
from bot.usecases import service
from storage import digests
from tests.bot.slack_app.test_end_to_end import command, everything
from tests.historykit import add_alert

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")


def when(days: float = 0) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


async def run(db, text: str) -> Reply:  # type: ignore[no-untyped-def]
    async def no() -> bool:
        return False

    return await run_command(text, CommandContext(db, C1, Settings(), no))


def titles(reply: Reply) -> list[str]:
    """Headlines listed in a history/search answer, in order."""
    return [line.split(": ", 1)[1].split(" https://")[0] for line in reply.text.splitlines()[1:]]


@pytest.fixture
def alerts(db):  # type: ignore[no-untyped-def]
    """Alerts posted to C1 (and one elsewhere), of several topics, severities, ages and states."""
    made = {
        "open": add_alert(db, title="open high sanctions", created=when(1), targets=(C1.key,)),
        "done": add_alert(db, title="reviewed high sanctions", created=when(2), targets=(C1.key,)),
        "low": add_alert(db, title="low sanctions", severity="low", created=when(3), targets=(C1.key,)),
        "surv": add_alert(
            db,
            title="critical surveillance",
            topics=("surveillance",),
            severity="critical",
            created=when(4),
            targets=(C1.key,),
        ),
        "old": add_alert(db, title="old sanctions", created=when(40), targets=(C1.key,)),
        "aapl": add_alert(
            db,
            ticker="AAPL",
            company="Apple Inc.",
            title="apple sanctions",
            created=when(5),
            targets=(C1.key,),
        ),
        "elsewhere": add_alert(
            db, title="other channel sanctions", created=when(1), targets=("slack:T1/C2",)
        ),
    }
    service.review(db, C1, made["done"].id, "reviewed")
    return made


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("history AMZN topic:sanctions severity:high+ open", ["open high sanctions", "old sanctions"]),
        ("history AMZN reviewed", ["reviewed high sanctions"]),
        ("history severity:critical", ["critical surveillance"]),
        ("history topic:surveillance", ["critical surveillance"]),
        (
            "history sev:high+ 30d",
            ["open high sanctions", "reviewed high sanctions", "critical surveillance", "apple sanctions"],
        ),
        ("history AAPL", ["apple sanctions"]),
        ("history days:2 open", ["open high sanctions"]),
        ("history ticker:aapl reviewed", []),  # ticker: for a ticker spelt like a filter word
        ("history open ticker:amzn 30d", ["open high sanctions", "low sanctions", "critical surveillance"]),
    ],
)
async def test_history_filters(db, alerts, text: str, expected: list[str]) -> None:
    assert titles(await run(db, text)) == expected


async def test_history_since_until_and_pages(db) -> None:
    for n in range(13):
        add_alert(db, title=f"item {n:02d}", created=when(n + 0.5), targets=(C1.key,))
    first = await run(db, "history")
    assert titles(first)[0] == "item 00" and len(titles(first)) == 10
    assert "page:2" in json.dumps(first.blocks)
    second = await run(db, "history page:2")
    assert titles(second) == ["item 10", "item 11", "item 12"] and "(page 2)" in second.text
    assert "No more alerts" in (await run(db, "history page:3")).text
    since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    assert set(titles(await run(db, f"history since:{since}"))) >= {"item 00", "item 01"}
    until = (datetime.now(UTC) - timedelta(days=12)).date().isoformat()
    assert "item 12" in titles(await run(db, f"history until:{until}"))
    assert "item 00" not in titles(await run(db, f"history until:{until}"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("history topic:sanctons", "Unknown topic 'sanctons'"),
        ("history severity:extreme", "Severity must be one of low, medium, high, critical"),
        ("history colour:red", "Unknown option colour:"),
        ("history sevrity:high", "Did you mean severity:?"),
        ("history open reviewed", "not both"),
        ("history page:0", "page: must be a whole number"),
        ("history days:many", "days: must be a whole number"),
        ("history since:yesterday", "since must be a date like 2026-03-31"),
        ("history topic:sanctions topic:surveillance", "given twice"),
        ("history AMZN AAPL", "One ticker at a time"),
        ("history AMZN ticker:AAPL", "One ticker at a time"),
        ("history 7d 30d", "time window once"),
        ("search ticker:AMZN", "Usage: `/riskwire search TEXT [ticker:TICKER]`"),
        ("search sanctions ticker:NOPEQX", "Unknown ticker NOPEQX"),
        ("search sanctions ticker:", "Give one ticker"),
        ("search !!! ???", "Nothing to search for"),
        ("search " + "x" * 300, "limited to 200 characters"),
        ("digest hourly 08:00", "A digest is daily or weekly"),
        ("digest daily 25:00", "Give the time as HH:MM"),
        ("digest daily 08:00 Mars/Olympus", "Unknown time zone 'Mars/Olympus'"),
        ("digest weekly mon 08:00 UTC extra", "Too many words"),
        ("digest off now", "Usage: `/riskwire digest daily HH:MM"),
    ],
)
async def test_mistakes_get_clear_messages(db, text: str, says: str) -> None:
    reply = await run(db, text)
    assert reply.text.startswith(":warning:") and says in reply.text, reply.text
    assert not reply.in_channel


async def test_search_with_a_ticker_and_search_syntax(db, alerts) -> None:
    assert titles(await run(db, "search sanctions ticker:AAPL")) == ["apple sanctions"]
    found = titles(await run(db, 'search "high sanctions" ticker:amzn'))
    assert sorted(found) == ["open high sanctions", "reviewed high sanctions"]  # newest stored first
    # an unclosed quote is search syntax (a phrase to the end), not a command-line error
    assert titles(await run(db, 'search "critical surveillance')) == ["critical surveillance"]
    either = titles(await run(db, "search surveil* OR apple"))
    assert sorted(either) == ["apple sanctions", "critical surveillance"]


async def test_digest_command_sets_shows_and_stops(db) -> None:
    assert "No digest in this channel" in (await run(db, "digest")).text
    made = await run(db, "digest daily 08:00 Europe/London")
    assert made.in_channel and made.text.startswith("<@U1> set up a digest")
    assert "Digest daily at 08:00 Europe/London; next one" in made.text
    row = digests.get(db, C1.key)
    assert row is not None and (row["cadence"], row["at_time"], row["tz"]) == (
        "daily",
        "08:00",
        "Europe/London",
    )
    weekly = await run(db, "digest weekly mon 08:00 Europe/London")
    assert "weekly on Mon at 08:00 Europe/London" in weekly.text
    status = await run(db, "digest")
    assert not status.in_channel and "weekly on Mon" in status.text and "digest off" in status.text
    stopped = await run(db, "digest off")
    assert stopped.in_channel and "stopped this channel's digest" in stopped.text
    assert digests.get(db, C1.key) is None
    assert "There was no digest" in (await run(db, "digest off")).text


async def test_summary_carries_a_chart_only_when_there_are_alerts(db, alerts) -> None:
    reply = await run(db, "summary AMZN 30d")
    assert reply.chart is not None and reply.chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert reply.chart.days == 30 and reply.chart.series.total == 4 == sum(reply.chart.series.totals)
    assert "<@U1> asked for *AMZN*" in reply.chart_comment
    assert (await run(db, "summary AMZN 7d")).chart is not None
    assert (await run(db, "summary MSFT")).chart is None


def test_help_lists_the_new_commands() -> None:
    from bot.slack_app.commands import HELP

    for bit in (
        "digest daily 08:00 Europe/London",
        "digest weekly mon",
        "digest off",
        "topic:",
        "severity:high+",
        "ticker:TICKER",
    ):
        assert bit in HELP


# --- end to end through the Bolt app -----------------------------------------------------------------


def chart_messages(slack_api) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [m for m in slack_api.messages.values() if m.get("files")]


async def test_summary_posts_its_chart_with_files_upload_v2(
    frontend, events_url, slack_api, db, alerts
) -> None:
    answer = await command(events_url, slack_api, "summary AMZN 30d")
    assert answer["response_type"] == "ephemeral"
    assert "AMZN" in everything(answer) and "chart is posted in this channel" in everything(answer)
    (get_url,) = slack_api.calls_to("files.getUploadURLExternal")
    assert get_url.params["filename"] == "riskwire-AMZN-30d.png"
    (file_id,) = slack_api.uploads
    png = slack_api.uploads[file_id]
    assert png.startswith(b"\x89PNG") and len(png) == int(get_url.params["length"])
    (complete,) = slack_api.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C1"
    (shared,) = chart_messages(slack_api)
    assert shared["channel"] == "C1" and shared["files"][0]["id"] == file_id
    assert shared["files"][0]["title"] == "AMZN · Amazon.com, Inc.: alerts per day, last 30 days"
    assert "<@U1> asked for *AMZN*" in shared["text"]


async def test_summary_without_a_ticker_posts_the_portfolio_and_its_heat_map(
    frontend, events_url, slack_api, db, alerts
) -> None:
    service.watch(db, C1, ["AMZN", "AAPL", "MSFT"])
    answer = await command(events_url, slack_api, "summary 30d")
    text = everything(answer)
    assert "Portfolio: 3 watched tickers, last 30 days" in text and ": 5 alerts on 2 tickers" in text
    assert "AMZN (Amazon.com, Inc.): 4 alerts" in text and "no alerts: MSFT" in text
    assert "chart is posted in this channel" in text
    (get_url,) = slack_api.calls_to("files.getUploadURLExternal")
    assert get_url.params["filename"] == "riskwire-portfolio-30d.png"
    (png,) = slack_api.uploads.values()
    assert png.startswith(b"\x89PNG")
    (shared,) = chart_messages(slack_api)
    assert shared["channel"] == "C1" and shared["files"][0]["title"].startswith("Portfolio: alerts by ticker")
    assert "asked for this channel's portfolio" in shared["text"] and "(5 alerts)" in shared["text"]
    assert "open, not yet reviewed: 4" in (await run(db, "summary")).text  # 7 days by default


@pytest.mark.parametrize(
    ("method", "error", "says"),
    [
        ("files.getUploadURLExternal", "missing_scope", "the app lacks the files:write scope"),
        ("files.completeUploadExternal", "not_in_channel", "invite me with /invite @Riskwire"),
        ("files.completeUploadExternal", "internal_error", "Slack answered internal_error"),
    ],
)
async def test_a_failed_upload_still_answers_with_the_summary(
    frontend, events_url, slack_api, db, alerts, method: str, error: str, says: str
) -> None:
    slack_api.fail_next(method, error)
    answer = await command(events_url, slack_api, "summary AMZN 30d")
    text = everything(answer)
    assert "The chart could not be attached" in text and says in text
    assert "*AMZN*" in text and "Top stories" in text  # the summary itself is all there
    assert chart_messages(slack_api) == []


async def test_digest_history_and_bad_search_through_slack(
    frontend, events_url, slack_api, db, alerts
) -> None:
    made = await command(events_url, slack_api, "digest weekly mon 08:00 Europe/London")
    assert made["response_type"] == "in_channel" and "weekly on Mon at 08:00" in made["text"]
    status = await command(events_url, slack_api, "digest")
    assert status["response_type"] == "ephemeral" and "weekly on Mon" in status["text"]
    elsewhere = await command(events_url, slack_api, "digest", channel="C2")
    assert "No digest in this channel" in elsewhere["text"]

    listed = await command(events_url, slack_api, "history AMZN topic:sanctions severity:high+ open")
    shown = everything(listed)
    assert "open high sanctions" in shown and "reviewed high sanctions" not in shown
    assert "low sanctions" not in shown and "other channel" not in shown

    bad = await command(events_url, slack_api, "search !!!")
    assert bad["response_type"] == "ephemeral" and bad["text"].startswith(":warning: Nothing to search for")
    db.execute("drop table alerts_fts")  # a damaged index: SQLite refuses the query
    broken = await command(events_url, slack_api, "search sanctions")
    assert broken["response_type"] == "ephemeral"
    assert broken["text"].startswith(":warning: Cannot search for 'sanctions'")
    assert "Traceback" not in broken["text"]
