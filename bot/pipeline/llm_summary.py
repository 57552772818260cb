"""Optional abstractive summaries through an LLM API (off by default).

When `RISKWIRE_LLM_API_KEY` is set, each new alert's extractive summary is replaced by a short
summary written by the model at `RISKWIRE_LLM_URL` (an OpenAI-compatible chat-completions endpoint)
before the alert is delivered. Any error, timeout, empty or over-long answer, or an answer that only
repeats the headline keeps the extractive summary. The key is sent only in the Authorization header
and never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp
import sqlite_utils

from bot.core.settings import Settings
from bot.pipeline.alerts import Alert, article_text
from bot.pipeline.summarise import MAX_CHARS, _cut, _same
from feeds.models import Article
from storage import alerts as alert_store
from storage import articles as article_store

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 8000
PROMPT = (
    "You summarise news for ESG and compliance analysts. In one to three plain sentences, at most "
    "{max_chars} characters, say what the article reports about {company} concerning {topics}. Use only "
    "facts stated in the article; no preamble, no opinions, no markdown."
)


class LlmError(RuntimeError):
    """The LLM API did not give a usable answer; the message never holds the key."""


class SummaryClient(Protocol):
    """Writes a summary of an article (the seam tests replace with a local fake server)."""

    async def summarise(self, *, title: str, text: str, company: str, topics: Sequence[str]) -> str: ...


class ChatCompletionsClient:
    """An OpenAI-compatible chat-completions API, called with aiohttp."""

    def __init__(
        self,
        url: str,
        api_key: str,
        model: str,
        *,
        timeout: float = 20.0,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self.url, self.model, self.timeout, self.max_chars = url, model, timeout, max_chars
        self._key = api_key

    def __repr__(self) -> str:
        return f"ChatCompletionsClient(url={self.url!r}, model={self.model!r})"

    async def summarise(self, *, title: str, text: str, company: str, topics: Sequence[str]) -> str:
        """The model's summary text, or LlmError."""
        body = {
            "model": self.model,
            "temperature": 0,
            "max_tokens": 200,
            "messages": [
                {
                    "role": "system",
                    "content": PROMPT.format(
                        max_chars=self.max_chars, company=company, topics=", ".join(topics) or "risk"
                    ),
                },
                {"role": "user", "content": f"Headline: {title}\n\nArticle:\n{text[:MAX_INPUT_CHARS]}"},
            ],
        }
        headers = {"Authorization": f"Bearer {self._key}", "Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.url, json=body, headers=headers) as resp,
        ):
            if resp.status != 200:
                raise LlmError(f"LLM API answered HTTP {resp.status}")
            try:
                data: Any = await resp.json(content_type=None)
                return str(data["choices"][0]["message"]["content"])
            except (ValueError, KeyError, IndexError, TypeError):
                raise LlmError("LLM API answer has no choices[0].message.content") from None


def client_from_settings(settings: Settings) -> SummaryClient | None:
    """The configured client, or None when abstractive summaries are off (no key)."""
    if not settings.llm_api_key:
        return None
    return ChatCompletionsClient(
        settings.llm_url, settings.llm_api_key.value, settings.llm_model, timeout=settings.llm_timeout
    )


def usable(answer: str, title: str, max_chars: int = MAX_CHARS) -> str | None:
    """The answer tidied to one line within `max_chars`, or None when it should not be used."""
    text = " ".join((answer or "").split()).strip('"')
    if len(text) < 20 or _same(text, title):
        return None
    if len(text) > max_chars * 1.5:  # a model that ignores the length asked for is not trusted
        return None
    return _cut(text, max_chars)


async def apply_llm_summaries(
    db: sqlite_utils.Database,
    alerts: Sequence[Alert],
    client: SummaryClient,
    *,
    timeout: float = 20.0,
    max_chars: int = MAX_CHARS,
) -> int:
    """Replace each alert's stored summary with the model's; returns how many were replaced.

    Every failure keeps the extractive summary already stored, and is logged without secrets.
    """
    replaced = 0
    for alert in alerts:
        row = article_store.get_article(db, alert.article_id)
        text = (
            article_text(
                Article(
                    row["id"],
                    row["link"] or "",
                    row["title"] or "",
                    row.get("summary") or "",
                    row.get("content") or "",
                )
            )
            if row
            else ""
        )
        if not text.strip():
            continue  # nothing beyond the headline: the headline is the summary
        try:
            answer = await asyncio.wait_for(
                client.summarise(title=alert.title, text=text, company=alert.company, topics=alert.topics),
                timeout,
            )
        except Exception as exc:  # any failure: keep the extractive summary
            log.warning("LLM summary for alert %s not used (%s: %s)", alert.id, type(exc).__name__, exc)
            continue
        summary = usable(answer, alert.title, max_chars)
        if summary is None:
            log.info("LLM summary for alert %s not used (empty, too long or only the headline)", alert.id)
            continue
        alert_store.set_summary(db, alert.id, summary)
        replaced += 1
    return replaced
