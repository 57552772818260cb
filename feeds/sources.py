"""Read a source (feed URL or local file) end to end: fetch, then parse into Articles."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from feeds.fetch import fetch, is_url, new_session, read_local
from feeds.models import USER_AGENT, Article, FeedError, FetchState
from feeds.parse import ParsedFeed, parse_feed

log = logging.getLogger(__name__)

# parse(body, source, now) -> ParsedFeed, raising FeedError: where the parsing runs is the caller's choice
Parser = Callable[[bytes, str, datetime], Awaitable[ParsedFeed]]


async def parse_here(body: bytes, source: str, now: datetime) -> ParsedFeed:
    """Parse in this process, on the caller's loop (one-shot commands)."""
    return parse_feed(body, source, now=lambda: now)


@dataclass
class SourceResult:
    """What reading one source gave: articles, the new fetch state, or a one-line error."""

    source: str
    articles: list[Article] = field(default_factory=list)
    state: FetchState = field(default_factory=FetchState)
    title: str = ""
    not_modified: bool = False
    error: str | None = None
    status: int = 0
    warning: str | None = None  # the feed was read, but not all of it (item cap, skipped items)
    skipped: dict[str, int] = field(default_factory=dict)  # items read but not kept, by reason


async def read_source(
    source: str,
    state: FetchState | None = None,
    *,
    session: aiohttp.ClientSession | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    timeout: float | None = None,
    parse: Parser = parse_here,
) -> SourceResult:
    """Fetch and parse one source; never raises for feed problems (they come back in `error`).
    `parse` does the parsing (the service hands it to its worker processes)."""
    state = state or FetchState()
    if is_url(source):
        if session is None:
            raise ValueError("a URL source needs an HTTP session")
        if timeout:
            fetched = await fetch(source, state, session=session, timeout=timeout)
        else:
            fetched = await fetch(source, state, session=session)
    else:
        fetched = read_local(source)
    if fetched.error:
        return SourceResult(source, state=fetched.state, error=fetched.error, status=fetched.status)
    if fetched.not_modified:
        return SourceResult(source, state=fetched.state, not_modified=True, status=304)
    try:
        parsed = await parse(fetched.body, source, now())
    except FeedError as exc:
        # Keep the old validators: a body we could not parse must be fetched in full next time.
        return SourceResult(source, state=state, error=str(exc), status=fetched.status)
    if parsed.warning:
        log.warning("feed %s: %s", source, parsed.warning)
    return SourceResult(
        source,
        parsed.articles,
        fetched.state,
        parsed.title,
        status=fetched.status,
        error=None,
        warning=parsed.warning,
        skipped=parsed.skipped,
    )


async def check_sources(
    sources: list[str],
    *,
    allow_private: bool = False,
    timeout: float | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    user_agent: str = USER_AGENT,
) -> dict[str, str]:
    """Read each source once, as a poll would (same fetcher, address checks, size cap and parser), and
    return why each that is not a working feed was refused: an HTTP error, an unreachable host, a page
    that is not RSS or Atom. Sources that work are left out. Never raises for feed problems.
    `progress(done, total)` hears each source read."""
    unique = list(dict.fromkeys(sources))
    urls = any(is_url(s) for s in unique)
    session = new_session(allow_private=allow_private, user_agent=user_agent) if urls else None
    results = []
    try:
        reads = [read_source(s, session=session, timeout=timeout) for s in unique]
        for done, read in enumerate(asyncio.as_completed(reads), 1):
            results.append(await read)
            if progress:
                progress(done, len(unique))
    finally:
        if session is not None:
            await session.close()
    errors = {r.source: r.error for r in results if r.error}
    return {s: errors[s] for s in unique if s in errors}  # in the order given, whichever finished first
