"""feedparser's own test corpus (real-world and edge-case feeds, tests/fixtures/feedparser_corpus) run
through `riskwire scan`: nothing crashes or hangs, no bracketed word is lost from a plain-text title,
no zero-width joiner is dropped, every item is either read or counted as skipped, and no well-formed
feed (empty or with an HTML entity XML lacks) is refused.

The expectations come from feedparser's parse of each file and from the standard library's XML
parser, never from our own code. RISKWIRE_FEEDPARSER_CORPUS=/path/to/feedparser/tests runs the same
checks over the whole corpus.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from dataclasses import dataclass
from html.entities import name2codepoint
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest

from bot.cli.main import main
from feeds.parse import MAX_ITEMS
from feeds.sources import SourceResult, read_source

VENDORED = Path(__file__).resolve().parents[1] / "fixtures" / "feedparser_corpus"
CORPUS = Path(os.environ.get("RISKWIRE_FEEDPARSER_CORPUS") or VENDORED)
NOT_FEEDS = {"LICENSE", "README.md"}
FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_BRACKETED = re.compile(r"<[^<>\s]+>")


@dataclass
class Case:
    path: Path
    body: bytes
    expected: Any  # feedparser's own parse of the file
    result: SourceResult

    @property
    def name(self) -> str:
        return str(self.path.relative_to(CORPUS))


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_FEEDS)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    async def read_all() -> list[Case]:
        out = []
        for path in corpus_files():
            body = path.read_bytes()
            expected = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
            out.append(Case(path, body, expected, await read_source(str(path))))
        return out

    return asyncio.run(read_all())


def _html_entities_as_references(body: bytes) -> bytes:
    def spell(m: re.Match[bytes]) -> bytes:
        name = m.group(1).decode("ascii")
        if name in XML_ENTITIES or name not in name2codepoint:
            return m.group(0)
        return b"&#%d;" % name2codepoint[name]

    return _ENTITY.sub(spell, body)


def well_formed_feed(body: bytes) -> bool:
    """True when the document is well-formed XML with a feed root element once HTML's named entities
    (which XML lacks, and which RSS feeds use anyway) are written as character references."""
    if b"<!ENTITY" in body.upper():
        return False
    try:
        root = ElementTree.fromstring(_html_entities_as_references(body))
    except Exception:  # not XML, or an encoding the standard library does not know
        return False
    return root.tag.rpartition("}")[2].rpartition(":")[2].lower() in FEED_ROOTS


def test_the_corpus_is_there() -> None:
    assert len(corpus_files()) >= 300 and (VENDORED / "LICENSE").is_file()


def test_scan_reads_the_whole_corpus_in_one_run(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(p) for p in corpus_files()]
    started = time.monotonic()
    code = main(["scan", *files, "--watch", "AMZN,AAPL,MSFT", "--format", "jsonl"])
    seconds = time.monotonic() - started
    out, err = capsys.readouterr()
    refused = [line for line in err.splitlines() if line.startswith("riskwire: ")]
    assert "internal error" not in err and "Traceback" not in err
    assert code == (1 if refused else 0) and seconds < 60
    assert all(line.count("\n") == 0 and len(line) < 400 for line in refused)
    # every refusal names one of the files, and none of them is a well-formed feed
    named = {line.removeprefix("riskwire: ").partition(": ")[0] for line in refused}
    assert named <= set(files)
    assert [n for n in named if well_formed_feed(Path(n).read_bytes())] == []
    assert all(line.startswith("{") for line in out.splitlines())


def test_no_well_formed_feed_is_refused(cases: list[Case]) -> None:
    refused = [(c.name, c.result.error) for c in cases if c.result.error and well_formed_feed(c.body)]
    assert refused == []
    # and the corpus holds such feeds with no items at all, and some with only HTML entities
    empty = [c for c in cases if well_formed_feed(c.body) and not c.expected.entries]
    assert len(empty) >= 20 and any(c.expected.bozo for c in empty)


def test_no_item_is_dropped_without_a_count(cases: list[Case]) -> None:
    lost = []
    for c in cases:
        if c.result.error:
            continue
        read = min(len(c.expected.entries), MAX_ITEMS)
        accounted = len(c.result.articles) + sum(c.result.skipped.values())
        if accounted != read or (c.result.skipped and not c.result.warning):
            lost.append((c.name, read, accounted, c.result.warning))
    assert lost == []


def _has_text(entry: Any) -> bool:
    text = entry.get("summary") or ""
    if (entry.get("summary_detail") or {}).get("type") != "text/plain":
        text = re.sub(r"<[^>]*>", "", text)
    return bool(text.strip())


def test_description_only_items_are_kept(cases: list[Case]) -> None:
    found = 0
    for c in cases:
        bare = [
            e
            for e in c.expected.entries
            if not e.get("title") and _has_text(e) and not e.get("link") and not e.get("id")
        ]
        if bare and not c.result.error:
            found += len(bare)
            kept = [a for a in c.result.articles if a.title and (a.summary or a.content)]
            assert len(kept) >= len({e.get("summary") for e in bare}), c.name  # same text: same item
    assert found >= 5


def test_no_bracketed_word_is_lost_from_plain_text_titles(cases: list[Case]) -> None:
    checked, lost = 0, []
    for c in cases:
        titles = [a.title for a in c.result.articles]
        for entry in c.expected.entries:
            detail = entry.get("title_detail") or {}
            if detail.get("type") != "text/plain":
                continue
            for word in _BRACKETED.findall(entry.get("title") or ""):
                checked += 1
                if not any(word in t for t in titles):
                    lost.append((c.name, entry.get("title"), titles))
    assert checked >= 3 and lost == []


def test_zero_width_joiners_survive(cases: list[Case]) -> None:
    checked = 0
    for c in cases:
        for ch in ("\u200c", "\u200d"):
            texts = [c.expected.feed.get("title") or ""] + [e.get("title") or "" for e in c.expected.entries]
            if any(ch in t for t in texts):
                checked += 1
                ours = [c.result.title] + [a.title for a in c.result.articles]
                assert any(ch in t for t in ours), (c.name, hex(ord(ch)))
    assert checked >= 2
