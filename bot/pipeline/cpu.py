"""The one place CPU-heavy feed work runs: parsing feed bodies and matching articles.

In the service (`riskwire run`) this is a small pool of worker processes, one per core, so a large
feed never holds up the event loop that answers Slack, Discord and /healthz, and fetching, parsing
and storing of different feeds overlap. Workers start from a fork server (never a fork of the
service itself, which runs threads), with the parser and the rules imported once; each worker
compiles the matcher for a watchlist once and keeps it (bot.pipeline.matching caches it by the
watched tickers and names), so a changed watchlist compiles anew on its next use. One-shot commands
(`riskwire poll --once`) run the very same functions in-process (`CpuPool(workers=0)`), so both give
identical results.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any, TypeVar

from feeds.models import Article
from feeds.parse import ParsedFeed, parse_feed
from rules.directory import ListedCompany
from rules.models import Match

log = logging.getLogger(__name__)

T = TypeVar("T")

PRELOAD = ["feeds.parse", "rules.engine", "bot.pipeline.matching"]

Watched = Mapping[str, Sequence[str]]


def parse_body(body: bytes, source: str, now: datetime) -> ParsedFeed:
    """Parse a fetched feed body as of `now` (raises FeedError for a body that is no feed)."""
    return parse_feed(body, source, now=lambda: now)


def match_articles(
    watched: Watched, articles: Sequence[Article], listed: Sequence[ListedCompany] = ()
) -> list[list[Match]]:
    """The risk matches of each article against the watched tickers (and their extra names); `listed`
    are stored listed companies the built-in directory lacks (see bot.pipeline.directory)."""
    from bot.pipeline.matching import matcher_for

    matcher = matcher_for(watched, listed)
    return [matcher.risk_matches(article) for article in articles]


def parse_and_match(
    body: bytes, source: str, now: datetime, watched: Watched, listed: Sequence[ListedCompany] = ()
) -> tuple[ParsedFeed, list[list[Match]]]:
    """`parse_body`, then `match_articles` on every article parsed: one trip to a worker per feed."""
    parsed = parse_body(body, source, now)
    return parsed, match_articles(watched, parsed.articles, listed)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group: the service stops the pool itself, in order
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from bot.pipeline.matching import settle_heap_after_compiling

    settle_heap_after_compiling()  # a worker keeps its matcher as long as it lives


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class CpuPool:
    """Parse and match in `workers` worker processes (default: one per core), or in-process when
    `workers` is 0. The pool starts on first use; `close()` stops it."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(workers, 0)
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ProcessPoolExecutor(
                self.workers, mp_context=_context(), initializer=_start_worker
            )
        return self._executor

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if not self.workers:
            return fn(*args)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool(), fn, *args)
        except BrokenProcessPool:
            # a worker died (killed, out of memory): this call fails like a failed fetch and is
            # retried with the feed's backoff; a fresh pool serves the next calls
            log.error("a feed worker process died; starting a new pool")
            self._discard()
            raise

    async def parse(self, body: bytes, source: str, now: datetime) -> ParsedFeed:
        """`parse_body` in a worker."""
        return await self._run(parse_body, body, source, now)

    async def match(
        self, watched: Watched, articles: Sequence[Article], listed: Sequence[ListedCompany] = ()
    ) -> list[list[Match]]:
        """`match_articles` in a worker (nothing to do for no articles)."""
        if not articles:
            return []
        plain = {ticker: list(names) for ticker, names in watched.items()}
        return await self._run(match_articles, plain, list(articles), tuple(listed))

    async def parse_and_match(
        self,
        body: bytes,
        source: str,
        now: datetime,
        watched: Watched,
        listed: Sequence[ListedCompany] = (),
    ) -> tuple[ParsedFeed, list[list[Match]]]:
        """`parse_and_match` in a worker."""
        plain = {ticker: list(names) for ticker, names in watched.items()}
        return await self._run(parse_and_match, body, source, now, plain, tuple(listed))

    def _discard(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        """Stop the workers: queued work is dropped, work in progress finishes (a feed whose result
        is dropped stored nothing and is polled again at the next start)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
