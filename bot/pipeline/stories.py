"""One alert per story (dedup 2): a later copy of a story from another outlet or feed is linked to the
story's alert as a report, not posted as a new alert.

The window counts from publication: the candidates are the alerts on the same ticker whose stories
happened (were published, see storage.alerts.happened) within `window` hours of the new one's, before
or after it, whenever each was fetched. A report published 20 days after a story is a new development,
even when one poll fetches both; a copy one feed delivers two days late is still a copy.

The method is small and exact rather than probabilistic. The candidates are few (those alerts and the
reports already linked to them, a few hundred at most), so an exact Jaccard similarity over word sets
costs microseconds and needs no MinHash/LSH index. A new alert repeats an earlier story when:

- it shares a topic with it, and
- its legal stage does not advance: "accused" then "sued" then "fined" are new developments, each a
  new alert however alike the wording (a later copy naming an earlier stage, or none, is still the same
  story: outlets differ in how much background they repeat), and
- the content words of headline + summary overlap: Jaccard >= SAME_STORY. Words naming the company
  (and exchange codes) are left out, since every candidate shares them; stop words are left out and
  words are crudely stemmed. Rewrites of one story by two outlets score about 0.2 to 0.35 on headline
  and lead; different events about the same company and topic score about 0.1 to 0.17
  (tests/bot/test_stories.py keeps such pairs).

Over-linking costs little (the copy is still shown, as "also reported by ..." under the story);
a missed link costs a second alert for one story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlite_utils

from bot.pipeline.alerts import Alert
from rules.models import STAGES
from storage import alerts as alert_store
from storage import reports as report_store

WINDOW_HOURS = 72
SAME_STORY = 0.2
MAX_CANDIDATES = 300

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORD_TEXT = (
    "a about above after again against all also am an and any are as at be because been before being "
    "below between both but by can could did do does doing down during each few for from further had "
    "has have having he her here hers him his how i if in into is it its itself just me more most my "
    "no nor not now of off on once only or other our out over own same she should so some such than "
    "that the their them then there these they this those through to too under until up very was we "
    "were what when where which while who whom why will with would you your said says say told new "
    "report reports reported according amid week year years today yesterday inc plc ltd corp co "
    "company companies group firm per cent percent mr ms nasdaq nyse lse lon otc"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Report:
    """Another outlet's (or feed's) report of a story that already has an alert."""

    id: int
    alert_id: str
    article_id: str
    source: str
    title: str
    link: str
    published: str | None = None
    created: str = ""
    similarity: float = 0.0

    def is_listing_of(self, alert_article_id: str) -> bool:
        """True for Riskwire's own follow-up saying a party of the story became listed
        (bot.usecases.sanctions): it is filed under the alert's own article, which no other
        outlet's report ever is."""
        return bool(self.article_id) and self.article_id == alert_article_id

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Report:
        return cls(
            id=int(row["id"]),
            alert_id=row["alert_id"],
            article_id=row.get("article_id") or "",
            source=row.get("source") or "",
            title=row.get("title") or "",
            link=row.get("link") or "",
            published=row.get("published"),
            created=row.get("created") or "",
            similarity=float(row.get("similarity") or 0.0),
        )


@dataclass(frozen=True)
class StoryMatch:
    """The alert an article's match repeats, the story that alert belongs to, and how alike they were."""

    alert_id: str
    similarity: float
    story_id: str


def _stem(word: str) -> str:
    """A crude English stem: enough that 'sanctions'/'sanctioned' and 'breach'/'breaches' meet."""
    word = word.split("'")[0]
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-cased, stemmed words of `text`, without stop words or one- and two-letter words."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOPWORDS]


@lru_cache(maxsize=4096)
def _company_words(company: str, ticker: str) -> frozenset[str]:
    return frozenset(words(company)) | {ticker.lower()}


@lru_cache(maxsize=8192)  # candidates are compared again and again while their story is open
def content_words(title: str, summary: str, company: str, ticker: str) -> frozenset[str]:
    """The words story matching compares: headline and summary, without the company's own name."""
    return frozenset(words(f"{title}. {summary}")) - _company_words(company, ticker)


def jaccard(a: Iterable[object], b: Iterable[object]) -> float:
    """|A ∩ B| / |A ∪ B| (0 for two empty sets)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def stage_advances(new: Alert, old: Alert) -> bool:
    """True when `new` reports a later legal stage than `old`: a new development, so a new alert."""
    if not new.stage or new.stage not in STAGES:
        return False
    if not old.stage or old.stage not in STAGES:
        return True
    return STAGES.index(new.stage) > STAGES.index(old.stage)


def similarity(new: Alert, old: Alert, also: Iterable[tuple[str, str]] = ()) -> float:
    """How alike `new` is to `old`'s story, 0..1; 0 when it cannot be the same story.

    `also` gives (title, summary) of reports already linked to `old`: a copy may be closer to one of
    them than to the first report.
    """
    if new.ticker != old.ticker or not set(new.topics) & set(old.topics) or stage_advances(new, old):
        return 0.0
    mine = content_words(new.title, new.summary, new.company, new.ticker)
    texts = [(old.title, old.summary), *also]
    best = max(jaccard(mine, content_words(t, s, new.company, new.ticker)) for t, s in texts)
    return best if best >= SAME_STORY else 0.0


def same_story(new: Alert, old: Alert) -> bool:
    """True when `new` is another report of `old`'s story (see the module docstring for the rule)."""
    return similarity(new, old) > 0.0


def find_story(
    db: sqlite_utils.Database, alert: Alert, window_hours: int = WINDOW_HOURS
) -> StoryMatch | None:
    """The alert on the same ticker, whose story happened within `window_hours` of `alert`'s (before or
    after), that `alert` repeats; else None.

    The most similar one wins; among equals, the earliest (the story's first alert).
    """
    if window_hours <= 0:
        return None
    at, span = datetime.fromisoformat(alert.happened), timedelta(hours=window_hours)
    rows = alert_store.around(
        db,
        alert.ticker,
        (at - span).isoformat(timespec="seconds"),
        (at + span).isoformat(timespec="seconds"),
        MAX_CANDIDATES,
    )
    best: StoryMatch | None = None
    for row in reversed(rows):  # earliest first, so ties go to the story's first alert
        if row["id"] == alert.id:
            continue
        linked = [(r["title"] or "", r["summary"] or "") for r in report_store.for_alert(db, row["id"])]
        score = similarity(alert, Alert.from_row(row), linked)
        if score > 0 and (best is None or score > best.similarity):
            best = StoryMatch(row["id"], score, row.get("story_id") or row["id"])
    return best
