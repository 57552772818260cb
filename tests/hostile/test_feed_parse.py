"""Feeds written by strangers: XML attacks, broken encodings, garbage, markup in titles, bad links,
absurd dates, duplicate and colliding guids, oversized items. Each case either parses into clean
plain data or is refused with a one-line FeedError; nothing else ever escapes parse_feed."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest

from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.delivery.targets import parse_target
from bot.pipeline.polling import poll_once
from bot.usecases import service
from feeds.models import FeedError
from feeds.normalise import canonical_link
from feeds.parse import MAX_ITEMS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, parse_feed
from feeds.xmlguard import DOCTYPE_REFUSAL, ENTITY_REFUSAL
from storage import feeds as feed_store
from tests.feedkit import Item, recent_pub, rss, seed_item

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def parse(body: bytes | str, feed_url: str = "https://news.example.com/feed.xml"):  # type: ignore[no-untyped-def]
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_feed(data, feed_url, now=lambda: NOW)


def item_xml(title: str = "Amazon fined", link: str = "https://n.example.com/1", extra: str = "") -> str:
    return f"<item><title>{title}</title><link>{link}</link>{extra}</item>"


def doc(items: str, prolog: str = "", decl: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return f'{decl}{prolog}<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'


# --- XML entity attacks ------------------------------------------------------------------------------


def billion_laughs(levels: int = 10) -> str:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return doc(item_xml(f"&lol{levels - 1};"), f"<!DOCTYPE rss [{''.join(decls)}]>")


def test_billion_laughs_refused_in_bounded_memory() -> None:
    # unguarded, feedparser peaks near 60 MB on this document
    assert refused_in_bounded_memory(billion_laughs().encode()) == ENTITY_REFUSAL


def test_quadratic_blowup_refused() -> None:
    body = doc(item_xml("&a;" * 5000), f'<!DOCTYPE rss [<!ENTITY a "{"A" * 50_000}">]>')
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(body)


def test_external_entity_to_local_file_refused() -> None:
    body = doc(item_xml("&xxe;"), '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(body)


def test_parameter_entity_to_remote_dtd_refused_and_never_fetched(feed_server) -> None:
    evil = feed_server.serve("/evil.dtd", '<!ENTITY leak SYSTEM "file:///etc/hostname">')
    body = doc(item_xml("&leak;"), f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{evil}"> %remote;]>')
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(body)
    assert feed_server.hits_for("/evil.dtd") == []


def test_external_dtd_is_never_fetched(feed_server) -> None:
    evil = feed_server.serve("/evil.dtd", '<!ENTITY title "pwned from the DTD">')
    parsed = parse(doc(item_xml("Amazon &title; fined"), f'<!DOCTYPE rss SYSTEM "{evil}">'))
    assert feed_server.hits_for("/evil.dtd") == []
    assert all("pwned" not in a.title for a in parsed.articles)


def test_rss091_public_doctype_still_parses() -> None:
    prolog = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    parsed = parse(doc(item_xml(), prolog).replace('version="2.0"', 'version="0.91"'))
    assert [a.title for a in parsed.articles] == ["Amazon fined"]


def test_entity_declaration_hidden_in_utf16_refused() -> None:
    body = billion_laughs().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(body)


def test_entity_declaration_hidden_in_utf7_refused() -> None:
    # UTF-7 spells "<" as "+ADw-": a byte scan would miss it, the check on feedparser's view does not.
    text = billion_laughs()
    head, _, rest = text.partition("?>")
    body = (head.replace("UTF-8", "UTF-7") + "?>").encode() + rest.replace("<!", "+ADwAIQ-").encode()
    assert b"<!ENTITY" not in body
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(body)


def test_lowercase_entity_declaration_refused() -> None:
    # not a declaration XML knows, so the internal subset is malformed: refused all the same
    with pytest.raises(FeedError, match="document type declaration is malformed"):
        parse(doc(item_xml(), '<!DOCTYPE rss [<!entity x "y">]>'))


def test_entity_text_inside_cdata_is_just_text() -> None:
    story = "<![CDATA[How <!ENTITY lol> attacks work]]>"
    parsed = parse(doc(item_xml(extra=f"<description>{story}</description>")))
    assert parsed.articles[0].summary == "How <!ENTITY lol> attacks work"


def test_xinclude_is_not_processed() -> None:
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>'
    parsed = parse(doc(item_xml(extra=f"<description>Hi {include}</description>")))
    assert "root:" not in parsed.articles[0].summary


def laughs(levels: int = 7) -> str:
    """Nested entity declarations that expand to 3 * 10**(levels - 1) bytes, on one line."""
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return "".join(decls)


BOMB_TITLE = "&lol6;"
# Each hides its declarations from a scanner that takes a `<!--` inside other markup for a comment.
SCANNER_BYPASSES = {
    "attlist default": f'<!DOCTYPE rss [<!ATTLIST rss x CDATA "<!--">{laughs()}<!-- -->]>',
    "processing instruction": f"<!DOCTYPE rss [<?pi <!-- ?>{laughs()}<!-- -->]>",
    "system literal": f'<!DOCTYPE rss SYSTEM "<!--" [{laughs()}<!-- -->]>',
    "parameter entity": (
        '<!DOCTYPE rss [<?pi <!-- ?><!ENTITY % decl "<!ENTITY lol6 &#x27;pwned&#x27;>"> %decl;<!-- -->]>'
    ),
}


def refused_in_bounded_memory(body: bytes) -> str:
    """The FeedError message for `body`, checking the refusal peaked under 5 MB of Python memory."""
    tracemalloc.start()
    try:
        with pytest.raises(FeedError) as err:
            parse(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # expanded, the bomb alone is 3 MB of text, many times over in copies
    return str(err.value)


@pytest.mark.parametrize("prolog", list(SCANNER_BYPASSES.values()), ids=list(SCANNER_BYPASSES))
def test_comment_opener_inside_markup_does_not_hide_declarations(prolog: str) -> None:
    message = refused_in_bounded_memory(doc(item_xml(BOMB_TITLE), prolog).encode())
    assert message.startswith("refused: the feed") and "\n" not in message


def test_attlist_bypass_is_refused_as_a_malformed_doctype() -> None:
    body = doc(item_xml(BOMB_TITLE), SCANNER_BYPASSES["attlist default"]).encode()
    message = refused_in_bounded_memory(body)
    assert message == DOCTYPE_REFUSAL.format(reason="not well-formed (invalid token) at line 1")


@pytest.mark.parametrize("name", ["processing instruction", "system literal", "parameter entity"])
def test_scanner_bypasses_are_refused_as_entity_declarations(name: str) -> None:
    body = doc(item_xml(BOMB_TITLE), SCANNER_BYPASSES[name]).encode()
    assert refused_in_bounded_memory(body) == ENTITY_REFUSAL


@pytest.mark.parametrize("name", list(SCANNER_BYPASSES))
def test_scanner_bypasses_in_utf16_are_refused(name: str) -> None:
    text = doc(item_xml(BOMB_TITLE), SCANNER_BYPASSES[name]).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert refused_in_bounded_memory(text.encode("utf-16")).startswith("refused: the feed")


def test_external_subset_behind_a_bypass_is_refused_and_never_fetched(feed_server) -> None:
    evil = feed_server.serve("/evil.dtd", laughs())
    prolog = f'<!DOCTYPE rss [<?pi <!-- ?><!ENTITY % ext SYSTEM "{evil}"> %ext;<!-- -->]>'
    assert refused_in_bounded_memory(doc(item_xml(BOMB_TITLE), prolog).encode()) == ENTITY_REFUSAL
    assert feed_server.hits_for("/evil.dtd") == []


def test_declarations_past_the_prologue_check_meet_the_hardened_parser() -> None:
    # A stray declaration before the DOCTYPE stops the prologue check (not well-formed there), and
    # feedparser strips it before its strict parse; the hardened parser then meets the real ones.
    prolog = f'\n<!ENTITY junk "x">\n<!-- --><!DOCTYPE rss [{laughs()}]>'
    assert refused_in_bounded_memory(doc(item_xml(BOMB_TITLE), prolog).encode()) == ENTITY_REFUSAL


def test_feedparser_strict_parser_refuses_declarations_itself() -> None:
    import feedparser
    from defusedxml import EntitiesForbidden

    body = doc(item_xml(BOMB_TITLE), f"<!DOCTYPE rss [{laughs()}]>").encode()
    with pytest.raises(EntitiesForbidden):
        feedparser.parse(body)


@pytest.mark.parametrize(
    "prolog",
    [
        "<!DOCTYPE rss>",
        '<!DOCTYPE rss SYSTEM "http://example.com/rss-2.0.dtd">',
        "<!DOCTYPE rss [<!-- an internal subset with a comment only -->]>",
        "<!DOCTYPE rss [<!ELEMENT rss ANY><!ATTLIST rss version CDATA #IMPLIED>]>",
    ],
    ids=["bare", "system", "comment-subset", "element-declarations"],
)
def test_harmless_doctypes_still_parse(prolog: str) -> None:
    assert [a.title for a in parse(doc(item_xml(), prolog)).articles] == ["Amazon fined"]


def test_scan_refuses_a_bypass_feed_with_one_line(tmp_path, capsys) -> None:
    from bot.cli.main import main

    path = tmp_path / "bypass.xml"
    path.write_text(doc(item_xml(f"Amazon {BOMB_TITLE}"), SCANNER_BYPASSES["processing instruction"]))
    assert main(["scan", str(path), "--watch", "AMZN"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"riskwire: {path}: {ENTITY_REFUSAL}"


def test_bomb_feed_fails_alone_in_a_poll(feed_server, db) -> None:
    bomb = feed_server.serve("/bomb.xml", billion_laughs())
    good = feed_server.serve("/good.xml", rss([seed_item(pub=recent_pub())]))
    for url in (bomb, good):
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    settings = Settings(db_path=":memory:", allow_private_feeds=True)
    report = await_poll(db, settings)
    assert report.failures == [(bomb, ENTITY_REFUSAL)]
    assert len(report.processed.alerts) == 1
    assert feed_store.get(db, bomb)["last_error"] == ENTITY_REFUSAL  # type: ignore[index]


def await_poll(db, settings):  # type: ignore[no-untyped-def]
    import asyncio

    return asyncio.run(poll_once(db, settings, {"console": ConsoleNotifier(io.StringIO())}))


# --- encodings and garbage ---------------------------------------------------------------------------


def clean(text: str) -> bool:
    text.encode("utf-8")  # no lone surrogates
    return not any(ord(c) < 32 and c not in "\n" for c in text)


def test_invalid_utf8_bytes_in_a_utf8_feed() -> None:
    body = doc(item_xml("Amazon \xff\xfe fined")).encode("latin-1")
    parsed = parse(body)
    assert len(parsed.articles) == 1 and clean(parsed.articles[0].title)
    assert "Amazon" in parsed.articles[0].title


def test_bogus_declared_encoding() -> None:
    parsed = parse(doc(item_xml(), decl='<?xml version="1.0" encoding="x-evil-999"?>'))
    assert [a.title for a in parsed.articles] == ["Amazon fined"]


def test_declared_encoding_contradicts_the_bytes() -> None:
    body = doc(item_xml("Nestlé fined")).replace("UTF-8", "windows-1252").encode("utf-16")
    try:
        parsed = parse(body)
    except FeedError:
        return
    assert all(clean(a.title) for a in parsed.articles)


def test_utf16_feed_with_bom_parses() -> None:
    body = doc(item_xml("Nestlé fined")).replace("UTF-8", "UTF-16").encode("utf-16")
    assert [a.title for a in parse(body).articles] == ["Nestlé fined"]


@pytest.mark.parametrize(
    "body",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        bytes(range(256)) * 40,
        b"\x00" * 4096,
        b"\xef\xbb\xbf",
        b"<html><body><h1>Not a feed</h1></body></html>",
        b'{"items": [{"title": "json"}]}',
        b"<<<<<<<<>>>>>>>>",
    ],
    ids=["png", "all-bytes", "nuls", "bom-only", "html-page", "json", "angle-soup"],
)
def test_binary_garbage_is_a_clean_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError) as err:
        parse(body)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300


@pytest.mark.parametrize("body", [b"", b"   \n\t  "], ids=["empty", "whitespace"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(FeedError, match="empty response"):
        parse(body)


def test_nul_and_control_characters_stripped_from_titles() -> None:
    parsed = parse(doc(item_xml("Amazon&#x1;\x07 fined&#x1b;[31m")).replace("\x07", "&#x7;"))
    for a in parsed.articles:
        assert clean(a.title)


def test_truncated_document() -> None:
    body = doc(item_xml() + item_xml("Second", "https://n.example.com/2"))
    try:
        parsed = parse(body[: len(body) // 2 + 20])
    except FeedError:
        return
    assert all(a.title for a in parsed.articles)


# --- markup in text ----------------------------------------------------------------------------------


def test_script_in_title_is_dropped() -> None:
    parsed = parse(doc(item_xml(escape("<script>alert(1)</script>Amazon fined"))))
    assert parsed.articles[0].title == "Amazon fined"


def test_event_handler_markup_in_title_is_dropped() -> None:
    parsed = parse(doc(item_xml(escape('Amazon <img src=x onerror="alert(1)"> fined'))))
    assert parsed.articles[0].title == "Amazon fined"


def test_cdata_html_title_becomes_plain_text() -> None:
    parsed = parse(doc(item_xml("<![CDATA[<b>Amazon</b> <i>fined</i>]]>")))
    assert parsed.articles[0].title == "Amazon fined"


def test_double_escaped_markup_stays_literal_text() -> None:
    # "&amp;lt;script&amp;gt;" is a headline that talks about a tag: it stays as text, never markup.
    parsed = parse(doc(item_xml("Why &amp;lt;script&amp;gt; tags matter")))
    assert parsed.articles[0].title == "Why <script> tags matter"


def test_script_body_dropped_from_summary() -> None:
    body = escape("<p>Amazon fined.</p><script>steal(document.cookie)</script><style>p{}</style>")
    parsed = parse(doc(item_xml(extra=f"<description>{body}</description>")))
    assert parsed.articles[0].summary == "Amazon fined."


def test_bidi_overrides_and_zero_width_stripped_from_titles() -> None:
    parsed = parse(doc(item_xml("Amazon\u202efdp.exe\u202c fined\u200b\u2066!\u2069")))
    assert parsed.articles[0].title == "Amazonfdp.exe fined!"


def test_huge_title_and_body_are_capped() -> None:
    huge_title = "Amazon " * 2_000
    huge_body = "<p>" + ("word " * 60_000) + "</p>"
    parsed = parse(doc(item_xml(huge_title, extra=f"<description>{escape(huge_body)}</description>")))
    (a,) = parsed.articles
    assert len(a.title) <= MAX_TITLE_CHARS and a.title.endswith("…")
    assert len(a.summary) <= MAX_TEXT_CHARS and a.summary.endswith("…")


def test_too_many_items_are_capped_with_a_warning() -> None:
    items = "".join(item_xml(f"Story {i}", f"https://n.example.com/{i}") for i in range(MAX_ITEMS + 300))
    parsed = parse(doc(items))
    assert len(parsed.articles) == MAX_ITEMS
    assert parsed.warning == f"feed has {MAX_ITEMS + 300} items; only the first {MAX_ITEMS} were read"


# --- links -------------------------------------------------------------------------------------------

BAD_LINKS = {
    "javascript": "javascript:alert(document.cookie)",
    "javascript upper": "JAVASCRIPT:alert(1)",
    "javascript spaced": "  javascript:alert(1)",
    "javascript tab": "java\tscript:alert(1)",
    "javascript entity": "&#106;avascript:alert(1)",
    "vbscript": "vbscript:msgbox(1)",
    "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file": "file:///etc/passwd",
    "scheme relative": "//evil.example/x",
    "no host": "https:evil.example",
    "backslashes": "https:\\\\evil.example\\x",
    "mailto": "mailto:boss@example.com",
}


@pytest.mark.parametrize("link", list(BAD_LINKS.values()), ids=list(BAD_LINKS))
def test_only_http_links_survive(link: str) -> None:
    with_guid = item_xml("Amazon fined", escape(link), "<guid>story-1</guid>")
    without = item_xml("Second story", escape(link))
    parsed = parse(doc(with_guid + without))
    assert [(a.title, a.link) for a in parsed.articles] == [("Amazon fined", "")]


def test_user_info_in_link_is_dropped() -> None:
    (a,) = parse(doc(item_xml(link="https://www.bank.example@evil.example/login"))).articles
    assert a.link == "https://evil.example/login"


@pytest.mark.parametrize(
    "link,expected",
    [
        ("https://evil.example/a|Click here", "https://evil.example/a%7CClick%20here"),
        ("https://evil.example/<!channel>", "https://evil.example/%3C!channel%3E"),
        ('https://evil.example/"onclick', "https://evil.example/%22onclick"),
        ("https://evil.example/x)[y](z", "https://evil.example/x%29%5By%5D%28z"),
        ("https://évil.example/ü", "https://xn--vil-9la.example/%C3%BC"),
    ],
    ids=["slack-mask-pipe", "angle-brackets", "quote", "markdown-brackets", "idn-host"],
)
def test_links_cannot_carry_chat_markup(link: str, expected: str) -> None:
    assert canonical_link(link) == expected


# --- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pub",
    [
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Sat, 01 Jan 2999 00:00:00 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Mon, 01 Jan 1900 00:00:00 GMT",
        "Mon, 31 Dec 1989 23:59:59 GMT",
        "Wed, 30 Feb 2026 09:00:00 GMT",
        "Wed, 25 Nov 2026 09:00:00 +9999",
        "-1",
        "99999999999999999999",
        "yesterday-ish",
    ],
)
def test_absurd_dates_become_undated(pub: str) -> None:
    (a,) = parse(doc(item_xml(extra=f"<pubDate>{pub}</pubDate>"))).articles
    assert a.published is None or datetime(1990, 1, 1, tzinfo=UTC) <= a.published <= NOW


def test_sane_date_is_kept() -> None:
    (a,) = parse(doc(item_xml(extra="<pubDate>Wed, 25 Nov 2026 09:00:00 GMT</pubDate>"))).articles
    assert a.published == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


# --- guids -------------------------------------------------------------------------------------------


def test_duplicate_guid_within_a_feed_keeps_the_first() -> None:
    items = item_xml("First", "https://n.example.com/1", "<guid>g-1</guid>") + item_xml(
        "Imposter", "https://evil.example/2", "<guid>g-1</guid>"
    )
    assert [a.title for a in parse(doc(items)).articles] == ["First"]


def test_opaque_guid_from_another_site_never_shadows() -> None:
    items = item_xml("Story", "https://n.example.com/1", "<guid>12345</guid>")
    ours = parse(doc(items), "https://news.example.com/feed.xml").articles[0]
    theirs = parse(doc(items), "https://evil.example/feed.xml").articles[0]
    same_site = parse(doc(items), "http://NEWS.example.com/other.xml").articles[0]
    assert ours.id != theirs.id and ours.id == same_site.id


def test_uri_guid_is_global() -> None:
    items = item_xml("Story", "https://n.example.com/1", "<guid>https://n.example.com/1</guid>")
    a = parse(doc(items), "https://news.example.com/feed.xml").articles[0]
    b = parse(doc(items), "https://mirror.example.org/feed.xml").articles[0]
    assert a.id == b.id


def test_huge_guid_is_bounded() -> None:
    (a,) = parse(doc(item_xml(extra=f"<guid>{'g' * 200_000}</guid>"))).articles
    assert len(a.guid) <= MAX_TITLE_CHARS and len(a.id) == 16


def test_items_with_nothing_to_show_are_dropped_and_counted() -> None:
    items = item_xml("", "https://n.example.com/1") + "<item><title>  </title><description/></item>"
    parsed = parse(doc(items + item_xml("Kept")))
    assert [a.title for a in parsed.articles] == ["Kept"]
    assert parsed.warning == "2 items with no title or text skipped"


def test_item_that_breaks_normalising_does_not_cost_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    import feeds.parse as parse_module

    real = parse_module.clamp_date

    def fragile(when, now):  # type: ignore[no-untyped-def]
        if when and when.year == 2025:
            raise OverflowError("boom")
        return real(when, now)

    monkeypatch.setattr(parse_module, "clamp_date", fragile)
    items = item_xml("Bad", "https://n.example.com/1", "<pubDate>Wed, 26 Nov 2025 09:00:00 GMT</pubDate>")
    items += item_xml("Good", "https://n.example.com/2")
    parsed = parse(doc(items))
    assert [a.title for a in parsed.articles] == ["Good"] and parsed.warning == "1 malformed items skipped"


def test_rss_helper_items_still_parse() -> None:
    # The ordinary path keeps working next to all of the above.
    parsed = parse(rss([seed_item(), Item("Shell lifts outlook", "https://n.example.com/shell")]))
    assert len(parsed.articles) == 2


async def test_item_cap_warning_is_logged_not_swallowed(feed_server, caplog) -> None:
    from feeds.fetch import new_session
    from feeds.sources import read_source

    items = "".join(item_xml(f"Story {i}", f"https://n.example.com/{i}") for i in range(MAX_ITEMS + 1))
    url = feed_server.serve("/many.xml", doc(items))
    async with new_session(allow_private=True) as session:
        result = await read_source(url, session=session)
    assert result.error is None and len(result.articles) == MAX_ITEMS
    assert result.warning and f"only the first {MAX_ITEMS} were read" in caplog.text
