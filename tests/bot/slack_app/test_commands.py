"""`/riskwire` text -> service calls -> replies: options, typos, and nothing half-applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.core.settings import Settings
from bot.delivery.targets import parse_target
from bot.slack_app.commands import CommandContext, Reply, parse_watch, run_command
from bot.usecases import interactions, service
from storage import feeds as feed_store
from tests.slackkit import queue_alert

SCOPE = service.Scope(parse_target("slack:T1/C1"), user="U1")


def context(db, *, admin: bool = False, member: bool | None = True, **settings) -> CommandContext:  # type: ignore[no-untyped-def]
    async def is_admin() -> bool:
        return admin

    async def in_channel() -> bool | None:
        return member

    return CommandContext(db, SCOPE, Settings(**settings), is_admin, in_channel)


async def run(db, text: str, **kw) -> Reply:  # type: ignore[no-untyped-def]
    return await run_command(text, context(db, **kw))


def watched(db) -> dict[str, tuple[list[str], str]]:  # type: ignore[no-untyped-def]
    return {w["ticker"]: (w["topics"], w["min_severity"]) for w in service.list_watches(db, SCOPE)}


async def test_watch_with_topics_and_minimum_severity(db) -> None:
    reply = await run(db, "watch AMZN, aapl topics:sanctions,Surveillance min:HIGH")
    assert reply.in_channel and "<@U1> set this channel to watch" in reply.text
    assert "minimum severity: high" in reply.text
    assert watched(db) == {t: (["sanctions", "surveillance"], "high") for t in ("AMZN", "AAPL")}
    again = await run(db, "watch AMZN")
    assert "Already watching *AMZN*" in again.text and not again.in_channel
    assert "topics: sanctions, surveillance -&gt; all; min severity: high -&gt; low" in again.text
    assert "Already watching *AMZN* here; nothing changed." in (await run(db, "watch AMZN")).text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("watch AMZN NOPEQX", "NOPEQX"),
        ("watch AMZM", "did you mean AMZN"),
        (
            "watch AMZN topics:sanctions,surveilance",
            "Unknown topic(s): 'surveilance'. Did you mean surveillance?",
        ),
        ("watch AMZN min:extreme", "min: must be one of low, medium, high, critical"),
        ("watch AMZN colour:red", "Unknown option colour:"),
        ("watch AMZN topcs:sanctions", "Did you mean topics:?"),
        ("watch AMZN min:high min:low", "given twice"),
        ("watch AMZN min:", "needs a value"),
        ("watch topics:sanctions", "Say which tickers"),
        ("watch", "Say which tickers"),
        ("watch AMZN!!", "is not a ticker symbol"),
        ('watch BABAX names:"Alibaba', "quote is not closed"),
    ],
)
async def test_a_bad_watch_changes_nothing_and_says_why(db, text: str, says: str) -> None:
    reply = await run(db, text)
    assert reply.text.startswith(":warning:") and says in reply.text, reply.text
    assert not reply.in_channel
    assert watched(db) == {}


async def test_watch_a_company_the_directory_lacks_by_its_names(db) -> None:
    reply = await run(db, "watch BABAX names:“Alibaba Group, Taobao”")  # Slack's curly quotes
    assert "BABAX" in reply.text and not reply.text.startswith(":warning:")
    (sub,) = service.list_watches(db, SCOPE)
    assert sub["names"] == ["Alibaba Group", "Taobao"]
    assert "BABAX" in (await run(db, "summary BABAX")).text  # watched here, so known


async def test_watch_hints_when_the_bot_is_not_in_the_channel(db) -> None:
    assert "/invite @Riskwire" in (await run(db, "watch AMZN", member=False)).text
    assert "/invite" not in (await run(db, "watch AAPL", member=None)).text


def test_parse_watch_keeps_exchange_style_words_as_tickers() -> None:
    with pytest.raises(service.ServiceError, match="is not a ticker symbol"):
        parse_watch(["LON:GLEN"])


async def test_unwatch_and_list(db) -> None:
    await run(db, "watch AMZN AAPL min:medium")
    reply = await run(db, "unwatch AMZN TSLA")
    assert (
        "stopped this channel watching *AMZN*" in reply.text and "*TSLA* was not watched here" in reply.text
    )
    listed = await run(db, "list")
    assert "*AAPL* (minimum severity: medium)" in listed.text and "AMZN" not in listed.text
    assert "Say which tickers" in (await run(db, "unwatch")).text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("wacth AMZN", "Did you mean `/riskwire watch`?"),
        ("sumary AMZN", "Did you mean `/riskwire summary`?"),
        ("xyzzy", "Try `/riskwire help`"),
        ("summary", "This channel watches no tickers yet"),  # no ticker: the portfolio
        ("summary AMZN 45d", "Window must be one of 7d, 30d, 90d"),
        ("summary AMZN 7d extra", "Usage:"),
        ("summary AMZM", "Unknown ticker AMZM. Did you mean AMZN"),
        ("history NOPEQX", "Unknown ticker NOPEQX"),
        ("history AMZN AAPL", "One ticker at a time. Usage: `/riskwire history [TICKER]"),
        ("search", "Usage: `/riskwire search TEXT"),
        ("search " + "x" * 300, "limited to 200 characters"),
        ("feeds frobnicate", "Usage:"),
    ],
)
async def test_mistakes_get_helpful_messages(db, text: str, says: str) -> None:
    reply = await run(db, text)
    assert says in reply.text, reply.text
    assert not reply.in_channel


async def test_help_topics_and_empty_summaries(db) -> None:
    assert "watch TICKER" in (await run(db, "")).text
    assert "topics:" in (await run(db, "help")).text
    topics = (await run(db, "topics")).text
    assert "`sanctions`" in topics and "`whistleblower`" in topics and "`surveillance`" in topics
    assert "no alerts" in (await run(db, "summary AMZN 30d")).text
    assert "No alerts for this channel yet" in (await run(db, "history")).text
    assert "No alerts for this channel match" in (await run(db, "search sanctions &amp; stuff")).text


async def test_feeds_need_an_admin_and_only_public_http_urls(db) -> None:
    url = "https://feeds.example.com/risk.xml"
    refused = await run(db, f"feeds add {url}")
    assert "workspace admin" in refused.text and feed_store.all_feeds(db) == []
    for bad in [
        "file:///etc/passwd",
        "/etc/passwd",
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://10.0.0.8/",
    ]:
        reply = await run(db, f"feeds add {bad}", admin=True)
        assert reply.text.startswith(":warning:"), bad
    assert feed_store.all_feeds(db) == []
    # one bad URL among good ones: nothing is added
    assert (await run(db, f"feeds add {url} ftp://x.example.com/f", admin=True)).text.startswith(":warning:")
    assert feed_store.all_feeds(db) == []
    assert "Added feed" in (await run(db, f"feeds add <{url}|{url}>", admin=True)).text
    assert "already on this workspace's feed list" in (await run(db, f"feeds add {url}", admin=True)).text
    listed = await run(db, "feeds")
    assert url in listed.text and "not fetched yet" in listed.text
    later = datetime.now(UTC).isoformat(timespec="seconds")
    feed_store.record_failure(db, url, later, status=500, error="HTTP 500")
    assert "failing (1 in a row): HTTP 500" in (await run(db, "feeds")).text
    feed_store.pause(db, url, later, "5 failures in a row; last: HTTP 500")
    assert "paused: 5 failures in a row" in (await run(db, "feeds")).text
    assert "Removed feed" in (await run(db, f"feeds remove {url}", admin=True)).text
    assert feed_store.all_feeds(db) == []


async def test_private_feeds_when_the_operator_allows_them(db) -> None:
    reply = await run(db, "feeds add http://127.0.0.1:8080/x", admin=True, allow_private_feeds=True)
    assert "Added feed" in reply.text


async def test_history_and_search_say_what_was_not_posted_and_what_was_done(db) -> None:
    service.watch(db, SCOPE, ["AMZN"])
    posted = queue_alert(db, 1)
    service.mute(db, SCOPE, "AMZN", hours=24)
    queue_alert(db, 2)
    interactions.act_on_alert(db, SCOPE, posted, "false_positive")
    shown = json.dumps((await run(db, "history AMZN")).blocks)
    assert shown.count("report") == 2
    assert "not posted: muted" in shown and "waiting to be posted" in shown
    assert "Marked false positive by <@U1>" in shown
    found = await run(db, "search report 2")
    assert "report 2" in json.dumps(found.blocks) and "report 1" not in json.dumps(found.blocks)
    assert "not posted: muted" in json.dumps(found.blocks)
