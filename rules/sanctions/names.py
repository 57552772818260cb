"""Names as keys: every listed name and every word of a story reduced by `fingerprints` (OpenSanctions)
to lower-case ASCII, transliterated, with legal forms (LLC, OOO, B.V., Aktiengesellschaft ...) taken
out of listed names, so 'VisionLabs B.V.', 'VISIONLABS' and 'ВижнЛабс' meet on one key."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

from fingerprints import generate, remove_types

# a word that does not start with an ASCII lower-case letter or a digit (other scripts are checked
# after): letters and digits, with inner dots, hyphens and apostrophes (B.V., Al-Qaida, O'Brien); a
# trailing possessive is not part of the name
CAPITALISED = re.compile(r"\b(?![a-z0-9_])\w+(?:[.'’-]\w+)*")
POSSESSIVE = re.compile(r"['’]s$", re.I)


@lru_cache(maxsize=200_000)
def word_key(word: str) -> tuple[str, ...]:
    """The fingerprinted parts of one word of text, in order ('Sber-Bank' -> ('sber', 'bank'))."""
    return tuple((generate(POSSESSIVE.sub("", word), keep_order=True) or "").split())


@lru_cache(maxsize=200_000)
def legal_form(word: str) -> bool:
    """True for a word that is only a legal form (LLC, OOO, B.V., Limited, AG ...)."""
    return bool(word_key(word)) and not (remove_types(word) or "").strip()


def name_key(name: str) -> tuple[str, ...]:
    """The fingerprinted words of a listed name, in order, legal forms removed ('' -> ())."""
    stripped = remove_types(name) or ""
    key = tuple((generate(stripped, keep_order=True) or "").split())
    return key or tuple((generate(name, keep_order=True) or "").split())


def lookup(parts: tuple[str, ...]) -> str:
    """The key a sequence of parts is indexed under: sorted, so word order does not matter
    ('Petrov Ivan' is 'Ivan Petrov')."""
    return " ".join(sorted(parts))


@cache
def common_names() -> frozenset[str]:
    """Given and family names too common to identify anyone on their own (common_names.txt)."""
    text = resources.files("rules.sanctions").joinpath("common_names.txt").read_text(encoding="utf-8")
    return frozenset(
        part
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
        for part in word_key(line.strip())
    )
