"""Build small RSS and Atom documents for tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

SEED = Path(__file__).resolve().parent / "fixtures" / "amazon-sanctions-article.txt"


@dataclass
class Item:
    title: str
    link: str
    description: str = ""
    content: str = ""
    guid: str | None = None
    pub: str = "Wed, 25 Nov 2026 09:00:00 GMT"


def rss(items: list[Item], title: str = "Test feed") -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
        f"<title>{escape(title)}</title><link>https://news.example.com/</link><description>t</description>",
    ]
    for it in items:
        out.append("<item>")
        out.append(f"<title>{escape(it.title)}</title><link>{escape(it.link)}</link>")
        if it.guid:
            out.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        out.append(f"<pubDate>{it.pub}</pubDate>")
        if it.description:
            out.append(f"<description>{escape(it.description)}</description>")
        if it.content:
            out.append(f"<content:encoded>{escape(it.content)}</content:encoded>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "\n".join(out)


def seed_item(link: str = "https://news.example.com/amazon-sanctions", pub: str | None = None) -> Item:
    """The canonical Amazon sanctions story as a feed item (title + full body)."""
    text = SEED.read_text(encoding="utf-8")
    title, _, body = text.partition("\n\n")
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip())
    item = Item(title.strip(), link, description=body.split("\n\n")[0].strip(), content=paragraphs)
    if pub:
        item.pub = pub
    return item


def recent_pub(hours_ago: float = 1.0) -> str:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    return format_datetime(datetime.now(UTC) - timedelta(hours=hours_ago), usegmt=True)
