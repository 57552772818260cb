"""The feed worker pool gives what in-process parsing and matching give, compiles the matcher anew
when the watchlist changes, carries a bad feed's FeedError back, and stops its processes on close."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.pipeline.cpu import CpuPool
from feeds.models import FeedError
from feeds.sources import read_source
from tests.feedkit import rss
from tests.servicekit import risk_item

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "feeds" / "samples").glob("*.*[lm]"))
WATCHED = {"AMZN": [], "AAPL": [], "MSFT": [], "TSLA": [], "XOM": [], "BA": []}
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_the_pool_parses_and_matches_exactly_as_in_process() -> None:
    assert SAMPLES
    here, pool = CpuPool(0), CpuPool(2)
    found = []
    try:
        for sample in SAMPLES:
            body = sample.read_bytes()
            parsed = await pool.parse(body, str(sample), NOW)
            assert parsed == await here.parse(body, str(sample), NOW)
            matched = await pool.match(WATCHED, parsed.articles)
            assert matched == await here.match(WATCHED, parsed.articles)
            found += [m.ticker for ms in matched for m in ms]
        assert found  # the samples are about watched companies
    finally:
        await pool.close()


async def test_a_changed_watchlist_is_matched_with_a_new_matcher() -> None:
    pool = CpuPool(1)
    try:
        parsed = await pool.parse(rss([risk_item("AAPL")]).encode(), "apple.xml", NOW)
        assert await pool.match({"AMZN": []}, parsed.articles) == [[]]
        (matches,) = await pool.match({"AMZN": [], "AAPL": []}, parsed.articles)
        assert [m.ticker for m in matches] == ["AAPL"]
    finally:
        await pool.close()


async def test_a_feed_the_worker_cannot_parse_is_a_one_line_error(tmp_path: Path) -> None:
    page = tmp_path / "page.xml"
    page.write_text("<html><body>not a feed</body></html>", encoding="utf-8")
    pool = CpuPool(1)
    try:
        with pytest.raises(FeedError):
            await pool.parse(page.read_bytes(), str(page), NOW)
        result = await read_source(str(page), parse=pool.parse)
        assert result.error and "\n" not in result.error and not result.articles
    finally:
        await pool.close()


def _descendants(below: int = 1) -> set[int]:
    """The live processes more than `below` generations under this one (below=1: the workers, which
    the fork server, a child, forked)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat[0] != "Z":
                parents[int(entry.name)] = int(stat[1])
    found: set[int] = set()
    generation = {os.getpid()}
    for depth in range(1, 4):
        generation = {child for child, parent in parents.items() if parent in generation}
        if depth > below:
            found |= generation
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see the worker processes")
async def test_close_stops_the_worker_processes() -> None:
    before = _descendants()
    pool = CpuPool(2)
    parsed = await pool.parse(rss([risk_item("AMZN")]).encode(), "x.xml", NOW)
    await pool.match({"AMZN": []}, parsed.articles)
    workers = _descendants() - before
    assert workers
    await pool.close()
    assert not workers & _descendants()
