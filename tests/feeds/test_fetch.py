from __future__ import annotations

from feeds.fetch import fetch, new_session, read_local
from feeds.models import FetchState
from feeds.sources import read_source
from tests.feedkit import Item, rss

BODY = rss([Item("Hello", "https://n.example.com/1")])


async def test_conditional_get_gives_304_second_time(feed_server) -> None:
    url = feed_server.serve("/feed.xml", BODY)
    async with new_session(allow_private=True) as session:
        first = await fetch(url, session=session)
        assert first.status == 200 and first.body == BODY.encode()
        assert first.state.etag and first.state.last_modified
        second = await fetch(url, first.state, session=session)
    assert second.not_modified and second.state.etag == first.state.etag
    assert feed_server.hits_for("/feed.xml")[1].headers.get("If-None-Match") == first.state.etag


async def test_gzip_is_decoded(feed_server) -> None:
    url = feed_server.serve("/gz.xml", BODY, gzip=True)
    async with new_session(allow_private=True) as session:
        result = await read_source(url, session=session)
    assert result.error is None and [a.title for a in result.articles] == ["Hello"]


async def test_http_error_is_one_line(feed_server) -> None:
    url = feed_server.serve("/boom", "oops", status=500)
    async with new_session(allow_private=True) as session:
        result = await read_source(url, session=session)
    assert result.error == "HTTP 500 Internal Server Error" and not result.articles


async def test_timeout(feed_server) -> None:
    url = feed_server.serve("/slow", BODY, delay=3)
    async with new_session(allow_private=True) as session:
        result = await fetch(url, session=session, timeout=0.5)
    assert result.error and "timed out" in result.error


async def test_size_cap(feed_server) -> None:
    url = feed_server.serve("/big", "x" * 5000)
    async with new_session(allow_private=True) as session:
        result = await fetch(url, session=session, max_bytes=1000)
    assert result.error and "cap" in result.error


async def test_unreachable_host() -> None:
    async with new_session(allow_private=True) as session:
        result = await fetch("http://127.0.0.1:9/feed", session=session, timeout=2)
    assert result.error and result.status == 0


async def test_parse_failure_keeps_old_validators(feed_server) -> None:
    url = feed_server.serve("/junk", "this is not xml at all")
    async with new_session(allow_private=True) as session:
        result = await read_source(url, FetchState("old", None), session=session)
    assert result.error and result.state.etag == "old"


def test_local_file(tmp_path) -> None:
    path = tmp_path / "f.xml"
    path.write_text(BODY, encoding="utf-8")
    assert read_local(str(path)).body == BODY.encode()
    assert "cannot read" in (read_local(str(tmp_path / "missing.xml")).error or "")
