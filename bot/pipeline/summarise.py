"""Extractive summaries: one to three sentences from the article, chosen around the matched evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

MAX_CHARS = 320


@cache
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` (paragraph breaks always end a sentence)."""
    return list(_sentences(text))


# An article's text is split once, however many alerts (one per company) summarise it, and a
# paragraph that other outlets carry word for word is split once too.
@lru_cache(maxsize=256)
def _sentences(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = " ".join(para.split())
        if para:
            out.extend(_paragraph_sentences(para))
    return tuple(out)


@lru_cache(maxsize=4096)
def _paragraph_sentences(para: str) -> tuple[str, ...]:
    if len(para) > 20000:  # pysbd is slow on huge paragraphs; fall back to punctuation
        return tuple(s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para) if s.strip())
    return tuple(s.strip() for s in _segmenter().segment(para) if s.strip())


def _same(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\W+", " ", s).strip().lower()  # noqa: E731
    return norm(a) == norm(b) or (norm(a).startswith(norm(b)) and len(norm(b)) > 0.9 * len(norm(a)))


def summarise(title: str, text: str, evidence: Sequence[str] = (), max_chars: int = MAX_CHARS) -> str:
    """One to three sentences of `text`, preferring those that hold the evidence terms, in text order.

    Never only the headline repeated; the headline alone when there is no other text. At most
    `max_chars` characters (a single over-long sentence is cut at a word with an ellipsis).
    """
    sentences = [s for s in split_sentences(text) if not _same(s, title)]
    if not sentences:
        return _cut(title, max_chars)
    terms = [t.lower() for t in evidence if t]
    scored = []
    for i, sentence in enumerate(sentences):
        low = sentence.lower()
        hits = sum(1 for t in terms if t in low)
        scored.append((hits, -i, i))
    chosen: list[int] = []
    # the lead sentence gives context; then the sentences with the most evidence
    ranked = sorted(scored, reverse=True)
    if not terms or ranked[0][0] == 0:
        chosen = [0]
    else:
        chosen = [0] if scored[0][0] > 0 or len(sentences[0]) < 200 else []
        for hits, _neg, i in ranked:
            if hits and i not in chosen:
                chosen.append(i)
            if len(chosen) >= 3:
                break
    picked: list[int] = []
    length = 0
    for i in sorted(chosen):
        extra = len(sentences[i]) + (1 if picked else 0)
        if length + extra <= max_chars:
            picked.append(i)
            length += extra
    if not picked:
        return _cut(sentences[sorted(chosen)[0]], max_chars)
    # fill up with following sentences while there is room
    for i in range(len(sentences)):
        if len(picked) >= 3:
            break
        if i in picked or i < min(picked):
            continue
        extra = len(sentences[i]) + 1
        if length + extra <= max_chars and i == max(picked) + 1:
            picked.append(i)
            length += extra
    return " ".join(sentences[i] for i in sorted(picked))


def _cut(text: str, max_chars: int) -> str:
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
