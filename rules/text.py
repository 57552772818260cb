"""Text prepared for matching: one string with field offsets, a same-length normalised copy, sentences."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from feeds.models import Article

# Same-length normalisation for matching: lower case, and every character that is not a letter or a
# digit becomes a space, so word boundaries are spaces and 'whistle-blower' == 'whistle blower'.
_ASCII_TABLE = bytes((ord(chr(c).lower()) if chr(c).isalnum() else 32) for c in range(128)) + bytes(
    range(128, 256)
)
_UNICODE_PUNCTUATION = (
    "\u2010\u2011\u2012\u2013\u2014\u2212\u2018\u2019\u201c\u201d\u2026\u00a0\u00ab\u00bb\u2022"
)
_NON_WORD = re.compile(r"[\W_]")

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
_OPENERS = "\"'(\u201c\u2018[$\u00a3\u20ac"


def _sentence_end_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Where a sentence ends: a full stop (first pattern) or a question or exclamation mark (second),
    then maybe a closing quote or bracket, white space, and a capital, digit or opening quote. A full
    stop right after an abbreviation ('Inc.', 'U.S.', 'Dr.') written as a word of its own is not an
    end. Non-ASCII next characters are let through and checked by the caller (capital or not). Two
    patterns because one that starts with a plain character is searched much faster."""
    by_length: dict[int, list[str]] = {}
    for word in sorted(_ABBREVIATIONS):
        by_length.setdefault(len(word), []).append(re.escape(word))
    # one fixed-width look-behind per abbreviation length: the word follows a space, bracket or quote,
    # or starts the text
    behind = "".join(
        f"(?<![\\s(\"'](?i:{'|'.join(words)})\\.)(?<!\\A(?i:{'|'.join(words)})\\.)"
        for words in by_length.values()
    )
    rest = f"[\"')\u201d\u2019\\]]?\\s+(?=[A-Z0-9{re.escape(_OPENERS)}]|[^\\x00-\\x7f])"
    return re.compile(f"\\.{behind}{rest}"), re.compile(f"[?!]{rest}")


_END_STOP, _END_MARK = _sentence_end_patterns()


def split_points(text: str) -> list[int]:
    """Offsets where sentences start: after . ? ! (and a closing quote) followed by white space and a
    capital, digit or opening quote, unless the word before is an abbreviation; and after newlines."""
    ends = list(_END_STOP.finditer(text))
    if "?" in text or "!" in text:
        ends += _END_MARK.finditer(text)
        ends.sort(key=lambda m: m.end())
    if text.isascii():
        points = [0, *[m.end() for m in ends]]
    else:
        points = [0]
        for m in ends:
            j = m.end()
            nxt = text[j]
            if nxt.isascii() or nxt.isupper() or nxt.isdigit() or nxt in _OPENERS:
                points.append(j)
    if "\n" in text:
        n = len(text)
        i = text.find("\n")
        while i != -1:
            j = i + 1
            while j < n and text[j] in " \n":
                j += 1
            points.append(j)
            i = text.find("\n", j)
        points = sorted(set(points))
    return points


FIELDS = ("title", "lead", "body")
# News that matters says it early; matching stops after this many characters of each field.
MAX_FIELD_CHARS = 50_000


def normalise(text: str) -> str:
    """A same-length copy of `text`: lower case, every non-alphanumeric character a space."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; keep offsets aligned
        low = "".join(c if len(c) == 1 else c[0] for c in (ch.lower() for ch in text))
    for ch in _UNICODE_PUNCTUATION:
        if ch in low:
            low = low.replace(ch, " ")
    if low.isascii():
        return low.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    return _NON_WORD.sub(" ", low)


def normalise_term(term: str) -> str:
    """A rule term or name as the matcher sees it. Spaces typed in the term are single; punctuation
    becomes spaces exactly as in the text ('J.P. Morgan' -> 'j p  morgan'), so the two line up."""
    return normalise(" ".join(term.split())).strip(" ")


@dataclass
class Doc:
    """An article's text for matching. Fields are joined with blank lines; offsets say where each is."""

    text: str
    low: str
    spans: dict[str, tuple[int, int]]
    _sentences: list[int] | None = field(default=None, repr=False)
    _sentence_text: dict[int, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_parts(cls, title: str, lead: str = "", body: str = "") -> Doc:
        """Title, lead and body joined; each field is cut to its first MAX_FIELD_CHARS characters."""
        spans: dict[str, tuple[int, int]] = {}
        parts: list[str] = []
        pos = 0
        for name, value in zip(FIELDS, (title, lead, body), strict=True):
            value = value.strip()[:MAX_FIELD_CHARS]
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
        """The field (title, lead, body) an offset falls in."""
        if pos <= self.spans["title"][1]:
            return "title"
        if pos <= self.spans["lead"][1]:
            return "lead"
        return "body"

    @property
    def sentence_starts(self) -> list[int]:
        if self._sentences is None:
            self._sentences = split_points(self.text)
        return self._sentences

    def sentence_bounds(self, pos: int) -> tuple[int, int]:
        """[start, end) of the sentence around `pos`."""
        starts = self._sentences
        if starts is None:
            starts = self._sentences = split_points(self.text)
        i = bisect.bisect_right(starts, pos) - 1
        return starts[i], starts[i + 1] if i + 1 < len(starts) else len(self.text)

    def sentence_index(self, pos: int) -> int:
        starts = self._sentences
        if starts is None:
            starts = self._sentences = split_points(self.text)
        return bisect.bisect_right(starts, pos) - 1

    def sentence(self, pos: int, limit: int = 400) -> str:
        """The sentence around `pos`, trimmed to `limit` characters."""
        starts = self.sentence_starts
        i = bisect.bisect_right(starts, pos) - 1
        start = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(self.text)
        if end - start <= limit:  # short enough to be the same wherever `pos` is in it
            text = self._sentence_text.get(start)
            if text is None:
                text = self._sentence_text[start] = " ".join(self.text[start:end].split())
            return text
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
        """How many words lie between offsets a and b (order free)."""
        if a > b:
            a, b = b, a
        return len(self.low[a:b].split())
