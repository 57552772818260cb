"""Turn what a person types into a safe SQLite FTS5 query.

Words become quoted terms (so AND, OR, NEAR, column names, brackets and stray quotes are just text),
"a phrase in double quotes" stays a phrase, `word*` is a prefix search, and OR in capitals between
two terms means either. Everything else is ANDed. An unclosed quote runs to the end of the text.
"""

from __future__ import annotations

import re

MAX_TERMS = 20

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


class QueryError(ValueError):
    """The text holds nothing to search for; the message says what to type instead."""


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _searchable(text: str) -> bool:
    # FTS5's unicode61 tokenizer indexes letters and digits only; anything else cannot match
    return any(ch.isalnum() for ch in text)


def to_fts_query(text: str) -> str:
    """A valid FTS5 MATCH expression for `text`, or QueryError when nothing in it can be searched."""
    parts: list[str] = []
    pending_or = False
    for m in _TOKEN.finditer(text):
        phrase, word = m.group(1), m.group(2)
        if word == "OR" and parts:
            pending_or = True
            continue
        if phrase is not None:
            if not _searchable(phrase):
                continue
            term = _quote(" ".join(phrase.split()))
        else:
            prefix = word.endswith("*") and _searchable(word.rstrip("*"))
            core = word.rstrip("*") if prefix else word
            core = " ".join(core.replace('"', " ").split())
            if not _searchable(core):
                continue
            term = _quote(core) + ("*" if prefix else "")
        if pending_or and parts:
            parts[-1] = f"{parts[-1]} OR {term}"
        else:
            parts.append(term)
        pending_or = False
        if len(parts) >= MAX_TERMS:
            break
    if not parts:
        raise QueryError('Nothing to search for: give words, e.g. sanctions or "export controls".')
    return " AND ".join(f"({p})" if " OR " in p else p for p in parts)
