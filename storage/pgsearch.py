"""Full-text search on PostgreSQL: an FTS5 query, as bot.usecases.fts_query makes them, as a tsquery.

The query language is FTS5's, restricted to what Riskwire writes: quoted terms ("word", "a phrase"),
a quoted term followed by * (a prefix: its last word is a prefix), AND, OR, NOT, and brackets; terms
side by side are ANDed; NOT binds tightest, then AND, then OR. Each term becomes a tsquery built by
PostgreSQL from the term's text (`phraseto_tsquery`, or `to_tsquery` with `:*` for a prefix), so words
are split and stemmed as the indexed text was; the parts are joined with && || and !!.
"""

from __future__ import annotations

import re
from typing import Any

from storage.pg import PgOperationalError

CONFIG = "riskwire_search"  # the text search configuration migration 0040 creates
_TOKEN = re.compile(r'\s*(?:(?P<term>"(?:[^"]|"")*")(?P<prefix>\*)?|(?P<op>AND|OR|NOT)\b|(?P<bracket>[()]))')
_WORD = re.compile(r"\w+")


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        query = query.rstrip()
        while pos < len(query):
            m = _TOKEN.match(query, pos)
            if not m or m.end() == pos:
                raise PgOperationalError(f"fts5: syntax error near {query[pos : pos + 20]!r}")
            if m.group("term"):
                kind = "prefix" if m.group("prefix") else "term"
                self.tokens.append((kind, m.group("term")[1:-1].replace('""', '"')))
            elif m.group("op"):
                self.tokens.append(("op", m.group("op")))
            else:
                self.tokens.append(("bracket", m.group("bracket")))
            pos = m.end()
        self.at = 0
        self.params: list[Any] = []

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise PgOperationalError("fts5: syntax error: the query ends too early")
        self.at += 1
        return token

    def parse(self) -> str:
        sql = self._or()
        if self._peek() is not None:
            raise PgOperationalError(f"fts5: syntax error near {self._peek()[1]!r}")  # type: ignore[index]
        return sql

    def _or(self) -> str:
        parts = [self._and()]
        while self._peek() == ("op", "OR"):
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"

    def _and(self) -> str:
        parts = [self._not()]
        while (token := self._peek()) is not None and token not in (("op", "OR"), ("bracket", ")")):
            if token == ("op", "AND"):
                self._take()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"

    def _not(self) -> str:
        sql = self._primary()
        while self._peek() == ("op", "NOT"):
            self._take()
            sql = f"({sql} && !!{self._primary()})"
        return sql

    def _primary(self) -> str:
        kind, text = self._take()
        if kind == "bracket" and text == "(":
            sql = self._or()
            if self._take() != ("bracket", ")"):
                raise PgOperationalError("fts5: syntax error: a bracket is not closed")
            return sql
        if kind == "term":
            self.params.append(text)
            return f"phraseto_tsquery('{CONFIG}', ?)"
        if kind == "prefix":
            words = _WORD.findall(text)
            if not words:
                raise PgOperationalError(f"fts5: syntax error near {text!r}")
            self.params.append(" <-> ".join(f"'{w}'" for w in words) + ":*")
            return f"to_tsquery('{CONFIG}', ?)"
        raise PgOperationalError(f"fts5: syntax error near {text!r}")


def to_tsquery_sql(fts_query: str) -> tuple[str, list[Any]]:
    """A SQL expression (with ? placeholders) for the tsquery of `fts_query`, and its parameters.
    Raises PgOperationalError (an sqlite3.OperationalError, as SQLite raises) on a malformed query."""
    parser = _Parser(fts_query)
    return parser.parse(), parser.params
