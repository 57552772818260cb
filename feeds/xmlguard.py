"""Refuse feed documents that declare XML entities, before and while feedparser parses them.

Entity declarations are how the classic XML attacks work: nested entities that expand a few
kilobytes into gigabytes (billion laughs), one large entity referenced many times (quadratic
blow-up), and SYSTEM/PUBLIC entities that pull in local files or remote URLs (external entities).
No real news feed needs them, so a document that declares one is refused with a one-line FeedError.

Two layers, both real XML parsers rather than a hand-written scan (a scan can be walked around by
markup it misreads, such as a `<!--` inside a processing instruction or a quoted literal):

- `refuse_entity_declarations` runs expat over the document's prologue, with entity declarations
  refused by expat's own declaration handler, and stops at the first element. A document type
  declaration whose internal subset expat cannot parse is refused too: that is where such tricks live.
- `harden_feedparser` makes feedparser's strict parser defusedxml's expat reader, which refuses
  entity declarations at the parser level whatever got past the first layer.

External DTDs are never fetched, so a plain `<!DOCTYPE rss PUBLIC ... "...dtd">` as old RSS 0.91 feeds
carry is still accepted. The check runs on the same UTF-8 text feedparser parses (after its own
encoding detection), so a document cannot hide a declaration behind UTF-16, UTF-7 or an EBCDIC code
page.
"""

from __future__ import annotations

import xml.parsers.expat
from typing import Any

import feedparser.api
from defusedxml.expatreader import DefusedExpatParser
from feedparser.encodings import convert_to_utf8

from feeds.models import FeedError

ENTITY_REFUSAL = (
    "refused: the feed declares XML entities (<!ENTITY>), which are used for entity-expansion and "
    "external-entity attacks"
)
DOCTYPE_REFUSAL = "refused: the feed's document type declaration is malformed ({reason})"
HARDENED_SAX_PARSER = __name__  # xml.sax.make_parser imports it and calls create_parser()


class _PrologueEnd(Exception):
    """Raised at the first element: the prologue, the only place declarations live, is over."""


def as_parsed(body: bytes) -> bytes:
    """The document as feedparser will parse it: converted to UTF-8 by feedparser's own detection."""
    try:
        return bytes(convert_to_utf8({}, body, {}))
    except Exception:  # feedparser then parses the raw bytes; check those
        return body


def _refuse_entity(*_: Any) -> None:
    raise FeedError(ENTITY_REFUSAL)


def _prologue_parser() -> tuple[xml.parsers.expat.XMLParserType, dict[str, bool]]:
    """An expat parser that refuses entity declarations and stops at the first element."""
    state = {"in_doctype": False}
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity

    def doctype_start(_name: str, _sysid: str | None, _pubid: str | None, internal: int) -> None:
        state["in_doctype"] = bool(internal)

    def doctype_end() -> None:
        state["in_doctype"] = False

    def first_element(*_: Any) -> None:
        raise _PrologueEnd

    parser.StartDoctypeDeclHandler = doctype_start
    parser.EndDoctypeDeclHandler = doctype_end
    parser.StartElementHandler = first_element
    return parser, state


def refuse_entity_declarations(body: bytes) -> None:
    """Raise FeedError when the document declares an entity, or has an internal DTD subset that is
    not well-formed.

    Only the prologue is parsed, so the cost is bounded by it, and nothing is ever expanded. A
    document that is broken before any document type declaration is left to feedparser, whose strict
    parser is hardened (see `harden_feedparser`) and whose lenient one never expands declarations.
    """
    parser, state = _prologue_parser()
    try:
        parser.Parse(as_parsed(body), True)
    except _PrologueEnd:
        return
    except xml.parsers.expat.ExpatError as exc:
        if state["in_doctype"]:
            reason = xml.parsers.expat.ErrorString(exc.code)
            raise FeedError(DOCTYPE_REFUSAL.format(reason=f"{reason} at line {exc.lineno}")) from None


def create_parser() -> DefusedExpatParser:
    """The SAX parser feedparser's strict parse gets once hardened: defusedxml's expat reader.

    Entity declarations raise EntitiesForbidden. External references are left to the standard
    reader, which (with external entities turned off, as feedparser asks) skips them unread, so a
    plain external DTD such as RSS 0.91's is still accepted and never fetched.
    """
    return DefusedExpatParser(forbid_dtd=False, forbid_entities=True, forbid_external=False)


def harden_feedparser() -> None:
    """Make `create_parser` the only strict XML parser feedparser uses.

    feedparser picks its SAX driver from `feedparser.api.PREFERRED_XML_PARSERS` (a libxml2 driver
    first when installed); with only this module listed, every strict parse refuses entity
    declarations with a defusedxml error (a ValueError), which `feeds.parse` reports as ENTITY_REFUSAL.
    """
    feedparser.api.PREFERRED_XML_PARSERS[:] = [HARDENED_SAX_PARSER]
