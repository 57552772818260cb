"""Plain data for sanctions screening: a listed name, a loaded list, and a party matched to a list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STRENGTHS = ("exact", "alias", "fuzzy")


class ListFileError(ValueError):
    """A list file that cannot be read; the message says where and why (one line per bad row)."""


@dataclass(frozen=True)
class ListedEntry:
    """One designated person, organisation or vessel on one list, with every name it goes by."""

    list: str
    name: str
    aliases: tuple[str, ...] = ()
    programme: str = ""
    listed: str | None = None  # YYYY-MM-DD, when the list gives it
    link: str = ""  # the entry's page, where the list has one
    kind: str = "entity"  # entity, person or vessel

    def to_row(self) -> dict[str, Any]:
        return {
            "list": self.list,
            "name": self.name,
            "aliases": list(self.aliases),
            "programme": self.programme,
            "listed": self.listed,
            "link": self.link,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class LoadedList:
    """A list as parsed from its file: its entries and the date its publisher gave it."""

    name: str
    entries: tuple[ListedEntry, ...]
    published: str | None = None


@dataclass(frozen=True)
class PartyMatch:
    """A party a story names that matches a listed entry.

    `name` is the party as the story writes it; `match` is how strong the match is (exact: the
    entry's own name; alias: one of its other names; fuzzy: the same letters spaced differently);
    `subject` is True when the party is the watched company itself."""

    name: str
    listed_name: str
    list: str
    programme: str
    listed: str | None
    match: str
    link: str = ""
    subject: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "listed_name": self.listed_name,
            "list": self.list,
            "programme": self.programme,
            "listed": self.listed,
            "match": self.match,
        }
        if self.link:
            out["link"] = self.link
        if self.subject:
            out["subject"] = True
        return out

    @classmethod
    def from_dict(cls, item: dict[str, Any]) -> PartyMatch:
        return cls(
            name=str(item.get("name") or ""),
            listed_name=str(item.get("listed_name") or item.get("name") or ""),
            list=str(item.get("list") or ""),
            programme=str(item.get("programme") or ""),
            listed=item.get("listed"),
            match=str(item.get("match") or "exact"),
            link=str(item.get("link") or ""),
            subject=bool(item.get("subject")),
        )
