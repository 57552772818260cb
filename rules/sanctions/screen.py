"""The parties a story names, and which of them are on a loaded list.

A party is a run of capitalised words (with inner connectors: 'Bank of Kunlun', 'Ali bin Ahmed'),
noted with the word that introduces it where that word says 'another party' ('to', 'via', 'through',
'with' ...). Every listed name and alias is indexed by its fingerprint (rules.sanctions.names), so a
story is checked with one dictionary look-up per window of a run, whatever the size of the lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rules.sanctions.models import ListedEntry, PartyMatch
from rules.sanctions.names import CAPITALISED, common_names, legal_form, lookup, name_key, word_key

CONNECTORS = frozenset(
    {"of", "de", "du", "des", "da", "di", "del", "der", "van", "von", "al", "el", "bin", "ibn", "&"}
)
CUES = frozenset({"to", "via", "through", "with", "from", "by", "for", "and", "including", "against"})
MAX_WINDOW = 8
RANK = {"exact": 0, "alias": 1, "fuzzy": 2}


@dataclass(frozen=True)
class Party:
    """A name in a story: its text, where it is, and the word that introduced it (or None)."""

    text: str
    start: int
    end: int
    cue: str | None = None


def _capitalised(word: str) -> bool:
    first = word[0]
    return first.isupper() or (first.isalpha() and not first.islower())


def _joined(gap: str) -> bool:
    """True when the text between two capitalised words keeps them in one name: spaces, or a
    connector ('of', '&', 'bin')."""
    if "\n" in gap:
        return False
    words = gap.split()
    return not words or (len(words) <= 2 and all(w.lower() in CONNECTORS for w in words))


def _runs(text: str) -> list[list[tuple[str, int, int]]]:
    """Runs of capitalised words, joined by nothing but spaces or connectors."""
    runs: list[list[tuple[str, int, int]]] = []
    last_end = -1
    for m in CAPITALISED.finditer(text):
        word = m.group()
        if not _capitalised(word):
            last_end = -1
            continue
        if last_end >= 0 and _joined(text[last_end : m.start()]):
            runs[-1].append((word, m.start(), m.end()))
        else:
            runs.append([(word, m.start(), m.end())])
        last_end = m.end()
    return runs


def extract_parties(text: str) -> list[Party]:
    """Every capitalised name run in `text`, with the cue word before it where there is one."""
    parties = []
    for run in _runs(text):
        start, end = run[0][1], run[-1][2]
        before = text[max(0, start - 20) : start].split()
        cue = before[-1].lower() if before and before[-1].lower() in CUES else None
        parties.append(Party(text[start:end], start, end, cue))
    return parties


class SanctionsIndex:
    """Every listed name and alias of the loaded lists, by fingerprint. Names too weak to identify
    anyone (a single common given or family name, a single word of a person's name, a name made only
    of common names, under three letters) are left out, so they are never reported."""

    def __init__(self, entries: Iterable[ListedEntry]) -> None:
        self.keys: dict[str, list[tuple[ListedEntry, str]]] = {}
        self.joined: dict[str, list[ListedEntry]] = {}
        self.vocab: set[str] = set()
        self.size = 0
        for entry in entries:
            self.size += 1
            self._add(entry, entry.name, "exact")
            for alias in entry.aliases:
                self._add(entry, alias, "alias")

    def _add(self, entry: ListedEntry, name: str, strength: str) -> None:
        parts = name_key(name)
        if not parts or _weak(parts, entry):
            return
        self.keys.setdefault(lookup(parts), []).append((entry, strength))
        joined = "".join(parts)
        self.joined.setdefault(joined, []).append(entry)
        self.vocab.update(parts)
        self.vocab.add(joined)

    def __bool__(self) -> bool:
        return bool(self.keys)

    def find(self, parts: Sequence[str]) -> list[tuple[ListedEntry, str]]:
        """The entries a sequence of fingerprinted words names, with the match strength."""
        hits = self.keys.get(lookup(tuple(parts)))
        if hits:
            return hits
        return [(e, "fuzzy") for e in self.joined.get("".join(parts), ())]

    def screen(self, text: str, own_names: Iterable[str] = ()) -> list[PartyMatch]:
        """The listed parties `text` names. Names of the watched company (`own_names`) are not
        counterparties: where the company itself is listed, its match comes first, marked `subject`."""
        if not self.keys:
            return []
        own_keys = {lookup(name_key(n)) for n in own_names if n.strip()}
        found: dict[tuple[str, str], PartyMatch] = {}
        for name in own_names:
            for entry, strength in self.find(name_key(name)) if name.strip() else ():
                _keep(found, _party(name, entry, strength, subject=True))
        for run in _runs(text):
            self._screen_run(text, run, own_keys, found)
        return list(found.values())

    def _screen_run(
        self,
        text: str,
        run: list[tuple[str, int, int]],
        own_keys: set[str],
        found: dict[tuple[str, str], PartyMatch],
    ) -> None:
        forms = [legal_form(w) for w, _, _ in run]  # kept inside a name, never matched on their own
        words = [() if form else word_key(w) for form, (w, _, _) in zip(forms, run, strict=True)]
        useful = [
            form or (bool(p) and (all(x in self.vocab for x in p) or "".join(p) in self.vocab))
            for form, p in zip(forms, words, strict=True)
        ]
        i = 0
        while i < len(run):
            if not useful[i]:
                i += 1
                continue
            step = 1
            for n in range(min(MAX_WINDOW, len(run) - i), 0, -1):
                if not all(useful[i : i + n]):
                    continue
                parts = [x for p in words[i : i + n] for x in p]
                if not parts or forms[i + n - 1]:
                    continue
                if lookup(tuple(parts)) in own_keys:
                    step = n
                    break
                hits = self.find(parts)
                if hits:
                    start, end = _with_legal_form(run, forms, i, i + n)
                    shown = text[run[start][1] : run[end - 1][2]]
                    for entry, strength in hits:
                        _keep(found, _party(shown, entry, strength))
                    step = end - i
                    break
            i += step


def _with_legal_form(
    run: list[tuple[str, int, int]], forms: list[bool], start: int, end: int
) -> tuple[int, int]:
    """The span of a matched name widened to the legal form around it, as the story writes it
    ('Joint Stock Company Kronshtadt', 'Korea Mining Development Trading Corporation')."""
    while end < len(run) and forms[end]:
        end += 1
    core = start  # the first word past a legal form the match began with ('Company' of 'Joint Stock Company')
    while core < end and forms[core]:
        core += 1
    for before in range(max(0, core - 4), start):
        if legal_form(" ".join(w for w, _, _ in run[before:core])):
            return before, end
    return start, end


def _weak(parts: tuple[str, ...], entry: ListedEntry) -> bool:
    common = common_names()
    if len(parts) > 1:
        # 'John Smith': a name made only of common given and family names identifies nobody (a team
        # list does not say which of its entries are people, so this holds for every entry)
        return all(p in common for p in parts)
    word = parts[0]
    return entry.kind == "person" or len(word) < 3 or word in common


def _party(shown: str, entry: ListedEntry, strength: str, subject: bool = False) -> PartyMatch:
    return PartyMatch(
        name=shown,
        listed_name=entry.name,
        list=entry.list,
        programme=entry.programme,
        listed=entry.listed,
        match=strength,
        link=entry.link,
        subject=subject,
    )


def _keep(found: dict[tuple[str, str], PartyMatch], party: PartyMatch) -> None:
    key = (party.list, party.listed_name)
    old = found.get(key)
    if old is None or (RANK[party.match] < RANK[old.match] and old.subject == party.subject):
        found[key] = party
