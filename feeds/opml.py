"""Read an OPML file (the usual export of feed readers) into feed URLs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from feeds.fetch import is_url

MAX_OPML_BYTES = 5 * 1024 * 1024


class OpmlError(ValueError):
    """The file is not usable OPML; the message is one line, fit for a user."""


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str = ""


@dataclass
class OpmlResult:
    """The feeds found (each URL once, in document order) and the outlines skipped, with why."""

    feeds: list[OpmlFeed] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def parse_opml(data: bytes) -> OpmlResult:
    """Every `outline` with an `xmlUrl`, at any depth. Only http(s) URLs are taken; documents with a
    DOCTYPE (entity tricks) or over MAX_OPML_BYTES are refused."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"OPML file is over {MAX_OPML_BYTES} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise OpmlError("OPML files with a DOCTYPE or entities are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"not valid OPML: {exc}") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"not OPML: the document starts with <{root.tag}>")
    result = OpmlResult()
    seen: set[str] = set()
    for outline in root.iter("outline"):
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        url = (attrs.get("xmlurl") or "").strip()
        if not url:
            continue
        title = (attrs.get("title") or attrs.get("text") or "").strip()
        if not is_url(url):
            result.skipped.append((url[:200], "not an http(s) URL"))
            continue
        if url in seen:
            continue
        seen.add(url)
        result.feeds.append(OpmlFeed(url, title))
    return result
