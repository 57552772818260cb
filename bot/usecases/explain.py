"""`riskwire explain`: which companies and rules fire on a text, file or URL, and why."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.core.settings import Settings
from bot.pipeline.matching import resolve_watch
from bot.pipeline.parties import own_names, raised, story_text
from bot.rendering.parties import party_text
from bot.usecases.sanctions import lists_index
from feeds.fetch import fetch, is_url, new_session
from feeds.models import Article, FeedError
from feeds.normalise import html_to_text, one_line
from feeds.parse import parse_feed, root_element
from rules.directory import CompanyDirectory
from rules.engine import Analysis, Matcher
from rules.models import WatchSpec
from rules.rulefile import load_topics
from rules.sanctions.screen import SanctionsIndex, extract_parties
from rules.watchlist import load_watchlist, parse_tickers


def _articles_from_bytes(body: bytes, source: str) -> list[Article]:
    """The articles of a feed, else of a web page, else the bytes as text (first line the headline).

    A document that is markup but neither a feed `scan` accepts nor a web page is refused with
    `scan`'s reason: its text is XML, not an article.
    """
    try:
        return parse_feed(body, source).articles
    except FeedError as exc:
        refusal = exc
    text = body.decode("utf-8", errors="replace")
    if "<html" in text[:2000].lower() or "<body" in text.lower():
        title_m = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        title = one_line(title_m.group(1)) if title_m else source
        return [Article(id="explain", link=source, title=title, content=html_to_text(text))]
    if root_element(body) is not None:
        raise FeedError(f"{source}: {refusal}")
    return [_article_from_text(text, source)]


def _article_from_text(text: str, source: str = "") -> Article:
    title, _, body = text.strip().partition("\n")
    return Article(id="explain", link=source, title=title.strip(), content=body.strip())


def load_input(value: str, settings: Settings) -> list[Article]:
    """Articles to explain: from a feed or page URL, a feed or text file, or the text itself."""
    if is_url(value):

        async def get() -> bytes:
            async with new_session(
                allow_private=settings.allow_private_feeds, user_agent=settings.user_agent
            ) as session:
                result = await fetch(value, session=session, timeout=settings.fetch_timeout)
            if result.error:
                raise FeedError(f"{value}: {result.error}")
            return result.body

        return _articles_from_bytes(asyncio.run(get()), value)
    path = Path(value)
    try:
        is_file = len(value) < 4096 and "\n" not in value and path.is_file()
    except (OSError, ValueError):  # a long or odd line of text is text, not a file name
        is_file = False
    if is_file:
        return _articles_from_bytes(path.read_bytes(), value)
    return [_article_from_text(value)]


def _matcher(watch: str | None, watchlist: str | None, rules_dir: str | None = None) -> Matcher:
    if watchlist:
        specs = load_watchlist(watchlist)
    elif watch:
        specs = [WatchSpec(t) for t in parse_tickers(watch)]
    else:
        directory = CompanyDirectory.default()
        specs = [WatchSpec(t) for t in directory.primary_tickers()]
    companies, problems = resolve_watch(specs)
    if problems and (watch or watchlist):
        raise FeedError("; ".join(problems))
    return Matcher(companies, load_topics(rules_dir) if rules_dir else None)


def render_analysis(a: Analysis, title: str) -> str:
    """A readable account of one analysis."""
    lines = [f"Article: {title}", "Companies:"]
    if not a.mentions:
        lines.append("  (no watched company named)")
    for ticker, mentions in sorted(a.mentions.items()):
        if ticker in a.linked:
            lines.append(f"  {ticker}: LINKED (salience {a.linked[ticker]:.1f})")
        else:
            lines.append(f"  {ticker}: not linked ({a.rejected.get(ticker, '')})")
        for m in mentions[:6]:
            state = "ok" if m.valid else f"rejected: {m.reason}"
            lines.append(f"      {m.kind} {m.text!r} in {m.field}: {state}")
    lines.append("Topics:")
    shown = False
    for t in a.topics:
        if not t.hits:
            continue
        shown = True
        verdict = "TAGGED" if t.tagged else "not tagged"
        lines.append(f"  {t.spec.id}: {verdict} (score {t.score:g}, threshold {t.spec.threshold:g})")
        for h in t.hits[:12]:
            if h.cancelled_by:
                lines.append(f"      {h.rule.qualified_id} cancelled by {h.cancelled_by!r}: {h.text!r}")
            else:
                lines.append(
                    f"      {h.rule.qualified_id} (+{h.rule.weight:g}) {h.text!r} in {h.field}: "
                    f'"{h.sentence[:160]}"'
                )
            lines.append(f"          rule at {h.rule.path}:{h.rule.line}")
    if not shown:
        lines.append("  (no topic rule fired)")
    stage_terms = ", ".join(f"{h.rule.cls}: {h.text!r}" for h in a.stage_hits[:6])
    lines.append(
        f"Stage: {a.stage or '-'}; company denies: {'yes' if a.denied else 'no'}"
        + (f" ({stage_terms})" if stage_terms else "")
    )
    for match in a.matches:
        lines.append(
            f"Result: {match.ticker} topics [{', '.join(match.topics) or 'none'}] severity "
            f"{match.severity if match.topics else '-'}"
        )
    if not a.matches:
        lines.append("Result: no company linked, so no alert")
    return "\n".join(lines)


def explain_input(
    value: str, watch: str | None, watchlist: str | None, settings: Settings, rules_dir: str | None = None
) -> str:
    """The explanation for every article in the input (at most 50)."""
    matcher = _matcher(watch, watchlist, rules_dir)
    articles = load_input(value, settings)
    if not articles:
        return "No articles found in the input."
    listed = lists_index(settings.db_path)
    return "\n\n".join(
        render_analysis(matcher.analyse(a), a.title) + parties_explained(a, matcher, listed)
        for a in articles[:50]
    )


def parties_explained(article: Article, matcher: Matcher, listed: SanctionsIndex) -> str:
    """The parties the article names, and which of them are on a loaded list (and how they matched)."""
    text = story_text(article.title, article.summary, article.content)
    named = list(dict.fromkeys(p.text for p in extract_parties(text) if p.cue))
    lines = ["", "Parties named after to/via/through/with...: " + (", ".join(named[:20]) or "none")]
    if not listed:
        lines.append("Listed parties: no sanctions list loaded (riskwire sanctions update or import)")
        return "\n".join(lines)
    found = False
    for match in matcher.match(article):
        own = own_names(match.ticker, match.company, (e.text for e in match.company_evidence))
        for party in listed.screen(text, own):
            found = True
            who = f"{match.ticker} itself" if party.subject else "counterparty"
            lines.append(
                f"Listed party ({who}): {party_text(party)}" + (f" <{party.link}>" if party.link else "")
            )
            if not party.subject and match.topics:
                lines.append(f"  severity {match.severity} -> {raised(match.severity, (party,))}")
    if not found:
        lines.append(f"Listed parties: none of the {listed.size:,} listed entries is named")
    return "\n".join(lines)
