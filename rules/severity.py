"""Severity and stage: how serious a match is, from its topics, legal stage and money at stake."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rules.models import SEVERITIES, STAGES
from rules.rulefile import TopicSpec
from rules.text import Doc

_AMOUNT = re.compile(
    r"(?:[$€£]|US\$|USD\s?|EUR\s?|GBP\s?)\s?(\d{1,3}(?:[,.]\d{1,3})*(?:\.\d+)?)\s*"
    r"(trillion|billion|bn|million|mln|m)\b",
    re.I,
)
_PENALTY = re.compile(
    r"\b(fine[ds]?|penalt(y|ies)|settle(s|d|ment)?|damages|forfeit\w*|pay|pays|paid|"
    r"disgorge\w*|restitution|sanctioned|ordered to)\b"
)
_SCALE = {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mln": 1e6, "m": 1e6}


@dataclass(frozen=True)
class SeverityPolicy:
    """Rules for grading: the floor each stage sets and the money thresholds that raise a grade."""

    stage_floor: dict[str, str]
    raise_at: tuple[float, ...]  # each amount reached raises the grade one step

    @classmethod
    def default(cls) -> SeverityPolicy:
        text = resources.files("rules").joinpath("data/severity.toml").read_text(encoding="utf-8")
        return cls.from_dict(tomllib.loads(text))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeverityPolicy:
        floor = {k: v for k, v in data.get("stage_floor", {}).items() if k in STAGES and v in SEVERITIES}
        raise_at = tuple(sorted(float(x) for x in data.get("money", {}).get("raise_at", [])))
        return cls(floor, raise_at)

    @staticmethod
    def latest_stage(stages: Iterable[str]) -> str | None:
        """The furthest legal stage among `stages` (allegation < ... < conviction)."""
        found = [s for s in STAGES if s in set(stages)]
        return found[-1] if found else None

    @staticmethod
    def largest_amount(text: str) -> float:
        """The largest money amount written in the text, in units (0 when none)."""
        best = 0.0
        for m in _AMOUNT.finditer(text):
            try:
                value = float(m.group(1).replace(",", ""))
            except ValueError:
                continue
            best = max(best, value * _SCALE[m.group(2).lower()])
        return best

    def penalty_amount(self, doc: Doc) -> float:
        """The largest amount in a sentence about a fine, penalty, settlement or damages (0 when none)."""
        best = 0.0
        text = doc.text
        if not (
            "$" in text
            or "\u20ac" in text
            or "\u00a3" in text
            or "USD" in text
            or "EUR" in text
            or "GBP" in text
        ):
            return best  # no money written (the pattern below is slow to run for nothing)
        starts = doc.sentence_starts
        for m in _AMOUNT.finditer(doc.text):
            i = doc.sentence_index(m.start())
            end = starts[i + 1] if i + 1 < len(starts) else len(doc.low)
            if _PENALTY.search(doc.low, starts[i], end):
                best = max(best, self.largest_amount(m.group(0)))
        return best

    def grade(self, topics: Sequence[TopicSpec], stage: str | None, money: float) -> str:
        """Severity: the highest topic base, at least the stage floor, raised by penalty money at stake."""
        level = max((SEVERITIES.index(t.severity) for t in topics), default=0)
        if stage and stage in self.stage_floor:
            level = max(level, SEVERITIES.index(self.stage_floor[stage]))
        level += sum(1 for threshold in self.raise_at if money >= threshold)
        return SEVERITIES[min(level, len(SEVERITIES) - 1)]
