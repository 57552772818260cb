"""Text prepared for matching: one string with field offsets, a same-length normalised copy, sentences."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from feeds.models import Article

# Same-length normalisation: dashes become spaces (so 'whistle-blower' == 'whistle blower'),
# curly quotes straight, odd spaces plain. Lower-casing is done separately, length-checked.
_TRANSLATE = str.maketrans(
    {
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2012": " ",
        "\u2013": " ",
        "\u2014": " ",
        "\u2212": " ",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\t": " ",
        "\u00a0": " ",
        "\r": " ",
        "_": " ",
        "/": " ",
    }
)
_ABBREVIATIONS = {
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "inc",
    "corp",
    "co",
    "ltd",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "no",
    "vs",
    "jr",
    "sr",
    "gov",
    "sen",
    "rep",
    "gen",
    "col",
    "lt",
    "sgt",
    "mt",
    "ft",
    "approx",
    "dept",
    "est",
    "fig",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "plc",
    "p.l.c",
    "s.a",
    "n.v",
    "a.g",
    "d.c",
    "l.p",
    "u.s.a",
    "ave",
    "etc",
    "e.g",
    "i.e",
    "al",
}
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9$£€])|\n\s*")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")

FIELDS = ("title", "lead", "body")


def normalise(text: str) -> str:
    """Lower-case, dash- and quote-normalised copy of `text` with exactly the same length."""
    low = text.translate(_TRANSLATE).lower()
    if len(low) != len(text):  # a few characters lower-case to two; keep offsets aligned
        low = "".join(c if len(c) == 1 else c[0] for c in (ch.lower() for ch in text.translate(_TRANSLATE)))
    return low


def normalise_term(term: str) -> str:
    """A rule term or name as the matcher sees it: normalised, single-spaced."""
    return " ".join(normalise(term).split())


@dataclass
class Doc:
    """An article's text for matching. Fields are joined with blank lines; offsets say where each is."""

    text: str
    low: str
    spans: dict[str, tuple[int, int]]
    _sentences: list[int] | None = field(default=None, repr=False)

    @classmethod
    def from_parts(cls, title: str, lead: str = "", body: str = "") -> Doc:
        spans: dict[str, tuple[int, int]] = {}
        parts: list[str] = []
        pos = 0
        for name, value in zip(FIELDS, (title, lead, body), strict=True):
            value = value.strip()
            spans[name] = (pos, pos + len(value))
            parts.append(value)
            pos += len(value) + 2
        text = "\n\n".join(parts)
        return cls(text, normalise(text), spans)

    @classmethod
    def from_article(cls, article: Article) -> Doc:
        """Title, lead and body of an article; the lead is the summary, or the body's first paragraph."""
        summary, content = article.summary.strip(), article.content.strip()
        if content and summary and not content.startswith(summary[:80].rstrip(". ")):
            return cls.from_parts(article.title, summary, content)
        text = content or summary
        lead, _, body = text.partition("\n\n")
        return cls.from_parts(article.title, lead, body)

    def field_at(self, pos: int) -> str:
        for name in FIELDS:
            start, end = self.spans[name]
            if start <= pos <= end:
                return name
        return "body"

    @property
    def sentence_starts(self) -> list[int]:
        if self._sentences is None:
            starts = [0]
            text = self.text
            for m in _BOUNDARY.finditer(text):
                if m.group(0)[0] != "\n":
                    before = _WORD_BEFORE.search(text, max(0, m.start() - 12), m.start() + 1)
                    if before and before.group(1).lower() in _ABBREVIATIONS:
                        continue
                starts.append(m.end())
            self._sentences = starts
        return self._sentences

    def sentence_index(self, pos: int) -> int:
        return bisect.bisect_right(self.sentence_starts, pos) - 1

    def sentence(self, pos: int, limit: int = 400) -> str:
        """The sentence around `pos`, trimmed to `limit` characters."""
        starts = self.sentence_starts
        i = bisect.bisect_right(starts, pos) - 1
        start = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(self.text)
        # Only a window around `pos` is tidied: a "sentence" can be a whole 100 KB body without a
        # full stop, and this runs once per rule hit.
        if end - start > 4 * limit:
            start, end = max(start, pos - 2 * limit), min(end, pos + 2 * limit)
        text = " ".join(self.text[start:end].split())
        if len(text) > limit:
            centre = pos - start
            lo = max(0, min(centre - limit // 2, len(text) - limit))
            text = ("..." if lo else "") + text[lo : lo + limit].strip() + "..."
        return text

    def words_between(self, a: int, b: int) -> int:
        """Roughly how many words lie between offsets a and b (order free)."""
        if a > b:
            a, b = b, a
        return self.low.count(" ", a, b)
