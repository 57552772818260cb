"""Suggestions for the commands' autocomplete: tickers from the company directory, time zones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from rules.directory import CompanyDirectory

MAX_CHOICES = 25  # Discord's limit
VALUE_MAX = 100  # Discord's limit on a choice's name and value

_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Suggestion:
    """One choice: what Discord shows (`label`) and what it puts in the option (`value`)."""

    label: str
    value: str


class TickerIndex:
    """Every ticker the directory knows with its company name, searchable by ticker or name prefix."""

    def __init__(self, directory: CompanyDirectory) -> None:
        self.directory = directory
        entries = []
        for symbol in directory.tickers():
            company = directory.get(symbol)
            if company is not None:
                entries.append((symbol, company.name))
        self._entries = entries
        self._names = {symbol: name for symbol, name in entries}

    def name(self, ticker: str) -> str | None:
        """The company name of a known ticker."""
        return self._names.get(ticker.upper())

    def search(self, text: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(ticker, company) pairs: the exact ticker, then tickers starting with `text`, then companies
        with a name word starting with it."""
        key = text.strip().upper().lstrip("$")
        if not key:
            return []
        exact = [(s, n) for s, n in self._entries if s == key]
        prefix = sorted(
            ((s, n) for s, n in self._entries if s.startswith(key) and s != key), key=lambda e: len(e[0])
        )
        words = []
        if len(key) >= 2:
            words = [
                (s, n)
                for s, n in self._entries
                if any(w.startswith(key) for w in n.upper().split()) and not s.startswith(key)
            ]
        return (exact + prefix + words)[:limit]


def complete(
    index: TickerIndex, current: str, *, many: bool = False, preferred: Iterable[str] = ()
) -> list[Suggestion]:
    """Suggestions for what the user has typed so far. With `many`, the last of several tickers is
    completed and the ones before it kept. `preferred` tickers (e.g. those watched here) come first
    and are all offered while nothing is typed."""
    current = current or ""
    head, last = "", current.strip()
    if many:
        parts = [p for p in _SPLIT.split(current) if p]
        ends_open = bool(current) and current[-1] in " ,"
        done = parts if ends_open else parts[:-1]
        last = "" if ends_open else (parts[-1] if parts else "")
        head = ", ".join(done) + (", " if done else "")
    key = last.upper().lstrip("$")
    preferred_list = [p.upper() for p in preferred]
    found: list[tuple[str, str]] = [(p, index.name(p) or p) for p in preferred_list if p.startswith(key)]
    if key:
        found += [e for e in index.search(key) if e[0] not in preferred_list]
    out: list[Suggestion] = []
    for symbol, company in found[:MAX_CHOICES]:
        value = head + symbol
        if len(value) > VALUE_MAX:
            continue
        label = f"{value} · {company}" if not head else f"{value} ({company})"
        out.append(Suggestion(label[:VALUE_MAX], value))
    return out


COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Australia/Sydney",
)


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def complete_zone(current: str) -> list[Suggestion]:
    """IANA time zones for what is typed ("lon", "new york", "Europe/"): names with a part starting
    with it first, then names containing it; common zones while nothing is typed."""
    key = (current or "").strip().lower().replace(" ", "_")
    if not key:
        return [Suggestion(z, z) for z in COMMON_ZONES if z in _zones()][:MAX_CHOICES]
    starts, contains = [], []
    for zone in _zones():
        low = zone.lower()
        if low.startswith(key) or any(part.startswith(key) for part in low.split("/")):
            starts.append(zone)
        elif key in low:
            contains.append(zone)
    return [Suggestion(z, z) for z in (starts + contains)[:MAX_CHOICES]]
