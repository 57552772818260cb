"""Optional LLM summaries: off by default; the real client against a local fake API; every failure
keeps the extractive summary; the key never shows."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.core.settings import Settings
from bot.pipeline.llm_summary import ChatCompletionsClient, apply_llm_summaries, client_from_settings, usable
from storage import alerts as alert_store
from tests.fakes.llm_server import FakeLlm
from tests.historykit import add_alert

KEY = "sk-test-SECRET-123"
BODY = "A former employee says Amazon breached UK sanctions.\n\nHe told a tribunal about Rekognition."


@pytest.fixture
async def llm() -> AsyncIterator[FakeLlm]:
    server = await FakeLlm().start()
    try:
        yield server
    finally:
        await server.stop()


def _client(llm: FakeLlm, timeout: float = 5.0) -> ChatCompletionsClient:
    return ChatCompletionsClient(llm.url, KEY, "test-model", timeout=timeout)


def _summary(db, alert_id: str) -> str:  # type: ignore[no-untyped-def]
    row = alert_store.get_alert(db, alert_id)
    assert row is not None
    return str(row["summary"])


def test_off_by_default_and_on_with_a_key() -> None:
    assert client_from_settings(Settings.load(environ={})) is None
    on = Settings.load(environ={"RISKWIRE_LLM_API_KEY": KEY, "RISKWIRE_LLM_URL": "http://127.0.0.1:9/x"})
    client = client_from_settings(on)
    assert isinstance(client, ChatCompletionsClient) and KEY not in repr(client) and KEY not in repr(on)


async def test_model_summary_replaces_the_extractive_one(db, llm: FakeLlm) -> None:
    a = add_alert(db, body=BODY)
    assert await apply_llm_summaries(db, [a], _client(llm)) == 1
    assert _summary(db, a.id) == llm.content
    (req,) = llm.requests
    assert req["headers"]["Authorization"] == f"Bearer {KEY}"
    assert req["json"]["model"] == "test-model" and "Rekognition" in req["json"]["messages"][1]["content"]


@pytest.mark.parametrize(
    "setup",
    [
        {"status": 500},
        {"raw": "not json"},
        {"raw": '{"choices": []}'},
        {"content": "   "},
        {"content": "x" * 2000},
        {"delay": 1.0},
    ],
)
async def test_any_failure_keeps_the_extractive_summary(db, llm: FakeLlm, caplog, setup: dict) -> None:
    for key, value in setup.items():
        setattr(llm, key, value)
    a = add_alert(db, body=BODY)
    before = _summary(db, a.id)
    with caplog.at_level(logging.INFO):
        assert await apply_llm_summaries(db, [a], _client(llm, timeout=0.2), timeout=0.3) == 0
    assert _summary(db, a.id) == before
    assert KEY not in caplog.text


async def test_headline_repeated_is_not_a_summary(db, llm: FakeLlm) -> None:
    a = add_alert(db, body=BODY)
    llm.content = a.title
    assert await apply_llm_summaries(db, [a], _client(llm)) == 0


def test_usable_cuts_to_length_at_a_word() -> None:
    text = usable("word " * 26, "Headline", max_chars=100)
    assert text is not None and len(text) <= 100 and text.endswith("…")


async def test_poll_uses_the_model_summary_before_delivery(db, llm: FakeLlm, feed_server) -> None:
    import io

    from bot.core.settings import Secret
    from bot.delivery.console import ConsoleNotifier
    from bot.delivery.targets import parse_target
    from bot.pipeline.polling import poll_once
    from bot.usecases import service
    from storage import feeds as feed_store
    from tests.feedkit import recent_pub, rss, seed_item

    feed_store.add(
        db, feed_server.serve("/llm.xml", rss([seed_item(pub=recent_pub())])), "2026-11-27T00:00:00+00:00"
    )
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    settings = Settings(
        db_path=":memory:",
        allow_private_feeds=True,
        llm_api_key=Secret(KEY),
        llm_url=llm.url,
        llm_timeout=5.0,
    )
    out = io.StringIO()
    report = await poll_once(db, settings, {"console": ConsoleNotifier(out)})
    assert report.delivered.sent == 1 and len(llm.requests) == 1
    assert llm.content in out.getvalue()
