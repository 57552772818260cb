"""The matching engine: one Aho-Corasick automaton for every term, name and collision phrase.

`Matcher(companies, topics)` compiles once; `match(article)` returns one Match per watched company
the article is about, with topics, stage, severity and evidence. `explain(article)` returns the
same analysis with everything that was considered and rejected, for people debugging rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ahocorasick

from feeds.models import Article
from rules.linking import CompanyIndex, Mention, link_companies
from rules.models import Company, Evidence, Match
from rules.rulefile import Rule, Term, TopicSpec, load_stage_rules, load_topics
from rules.severity import SeverityPolicy
from rules.text import Doc

MAX_EVIDENCE_PER_RULE = 3
# Hits kept per term. Rules pair hits of one term with hits of others, so an article that repeats a
# term thousands of times (a hostile feed can) would cost quadratic time; real articles stay far below.
MAX_HITS_PER_TERM = 200


def _keep(hits: list[Hit], hit: Hit) -> None:
    if len(hits) < MAX_HITS_PER_TERM:
        hits.append(hit)


@dataclass(frozen=True)
class Hit:
    """A term found in the text at [start, end)."""

    start: int
    end: int


@dataclass
class RuleHit:
    """A rule that fired (or was cancelled) with the text and sentence that made it fire."""

    rule: Rule
    start: int
    end: int
    text: str
    sentence: str
    field: str
    cancelled_by: str | None = None


@dataclass
class TopicResult:
    """A topic's evidence in one article, and whether it reached the threshold."""

    spec: TopicSpec
    score: float
    hits: list[RuleHit]

    @property
    def tagged(self) -> bool:
        return self.score >= self.spec.threshold


@dataclass
class Analysis:
    """Everything the engine found in one article."""

    doc: Doc
    mentions: dict[str, list[Mention]]
    linked: dict[str, float]
    rejected: dict[str, str]
    topics: list[TopicResult]
    stage_hits: list[RuleHit]
    stage: str | None
    denied: bool
    matches: list[Match] = field(default_factory=list)


class Matcher:
    """Compiled companies and rules. Thread-safe for reading; build once, use for many articles."""

    def __init__(
        self,
        companies: Sequence[Company],
        topics: Sequence[TopicSpec] | None = None,
        stage_rules: Sequence[Rule] | None = None,
        severity: SeverityPolicy | None = None,
    ) -> None:
        self.topics = list(topics if topics is not None else load_topics())
        self.stage_rules = list(stage_rules if stage_rules is not None else load_stage_rules())
        self.severity = severity or SeverityPolicy.default()
        self.companies = CompanyIndex(companies)
        self._rules: list[Rule] = [r for t in self.topics for r in t.rules] + self.stage_rules
        self._topic_of = {t.id: t for t in self.topics}
        # term key -> (exact wanted, stem wanted); rule index by the terms of its first group
        self._term_kinds: dict[str, list[bool]] = {}
        self._stem_rests: dict[str, set[str]] = defaultdict(set)
        self._rules_by_term: dict[Term, list[int]] = defaultdict(list)
        for idx, rule in enumerate(self._rules):
            for group in rule.groups:
                for term in group:
                    self._want(term)
            for term in rule.groups[0]:
                self._rules_by_term[term].append(idx)
            for term in rule.none:
                self._want(term)
        automaton = ahocorasick.Automaton()
        for key, kinds in self._term_kinds.items():
            automaton.add_word(key, ("t", key, kinds[0], kinds[1]))
        for key in self.companies.name_keys():
            existing = automaton.get(key, None)
            if existing is None:
                automaton.add_word(key, ("c", key, True, False))
            else:
                automaton.add_word(key, ("tc", key, existing[2], existing[3]))
        automaton.make_automaton()
        self._automaton = automaton

    def _want(self, term: Term) -> None:
        kinds = self._term_kinds.setdefault(term.text, [False, False])
        kinds[1 if term.stem else 0] = True
        if term.stem:
            self._stem_rests[term.text].add(term.rest)

    # -- scanning ---------------------------------------------------------------------------------

    def _scan(self, doc: Doc) -> tuple[dict[Term, list[Hit]], list[tuple[str, int, int]]]:
        low = doc.low
        n = len(low)
        terms: dict[Term, list[Hit]] = defaultdict(list)
        names: list[tuple[str, int, int]] = []
        for end_idx, (kind, key, exact, stem) in self._automaton.iter(low):
            start = end_idx - len(key) + 1
            if start > 0 and low[start - 1].isalnum():
                continue
            right_ok = end_idx + 1 >= n or not low[end_idx + 1].isalnum()
            if kind != "c":
                if stem:
                    word_end = end_idx + 1
                    while word_end < n and low[word_end].isalnum():
                        word_end += 1
                    for rest in self._stem_rests[key]:
                        if not rest:
                            _keep(terms[Term(key, True)], Hit(start, word_end))
                            continue
                        tail = word_end + 1 + len(rest)
                        if (
                            low.startswith(rest, word_end + 1)
                            and low[word_end] == " "
                            and (tail >= n or not low[tail].isalnum())
                        ):
                            _keep(terms[Term(key, True, rest)], Hit(start, tail))
                if exact and right_ok:
                    _keep(terms[Term(key, False)], Hit(start, end_idx + 1))
            if kind in ("c", "tc") and right_ok:
                names.append((key, start, end_idx + 1))
        return terms, names

    # -- rules ------------------------------------------------------------------------------------

    def _eval_rule(self, rule: Rule, doc: Doc, hits: dict[Term, list[Hit]]) -> list[RuleHit]:
        out: list[RuleHit] = []
        first = [h for t in rule.groups[0] for h in hits.get(t, ())]
        first.sort(key=lambda h: h.start)
        for hit in first:
            fld = doc.field_at(hit.start)
            if fld not in rule.scope:
                continue
            span = self._close_to(rule, doc, hit, hits)
            if span is None:
                continue
            start, end = span
            sent_idx = doc.sentence_index(hit.start)
            cancel = None
            for term in rule.none:
                for other in hits.get(term, ()):
                    if doc.sentence_index(other.start) == sent_idx:
                        cancel = doc.text[other.start : other.end]
                        break
                if cancel:
                    break
            out.append(RuleHit(rule, start, end, doc.text[start:end], doc.sentence(hit.start), fld, cancel))
        return out

    def _close_to(
        self, rule: Rule, doc: Doc, hit: Hit, hits: dict[Term, list[Hit]]
    ) -> tuple[int, int] | None:
        start, end = hit.start, hit.end
        if len(rule.groups) == 1:
            return start, end
        sent_idx = doc.sentence_index(hit.start)
        for group in rule.groups[1:]:
            best: Hit | None = None
            best_dist = 1 << 30
            for term in group:
                for other in hits.get(term, ()):
                    if rule.within is None:
                        if doc.sentence_index(other.start) != sent_idx:
                            continue
                        dist = abs(other.start - hit.start)
                    else:
                        dist = doc.words_between(min(hit.end, other.end), max(hit.start, other.start))
                        if dist > rule.within:
                            continue
                    if dist < best_dist:
                        best, best_dist = other, dist
            if best is None:
                return None
            start, end = min(start, best.start), max(end, best.end)
        return start, end

    # -- public -----------------------------------------------------------------------------------

    def analyse(self, article: Article) -> Analysis:
        """Every company mention, rule hit, topic score, stage and the resulting matches."""
        return self.analyse_doc(Doc.from_article(article))

    def analyse_doc(self, doc: Doc) -> Analysis:
        hits, names = self._scan(doc)
        mentions, linked, rejected = link_companies(self.companies, doc, names)
        candidates: set[int] = set()
        for term in hits:
            candidates.update(self._rules_by_term.get(term, ()))
        by_cls: dict[str, list[RuleHit]] = defaultdict(list)
        for idx in sorted(candidates):
            rule = self._rules[idx]
            by_cls[rule.cls].extend(self._eval_rule(rule, doc, hits))
        topics: list[TopicResult] = []
        for spec in self.topics:
            rule_hits = by_cls.get(spec.id, [])
            best: dict[str, float] = {}
            for rh in rule_hits:
                if rh.cancelled_by is None:
                    best[rh.rule.id] = rh.rule.weight
            topics.append(TopicResult(spec, sum(best.values()), rule_hits))
        stage_hits = [
            rh
            for r in self.stage_rules
            if r.cls != "denied"
            for rh in by_cls.get(r.cls, [])
            if rh.rule is r and rh.cancelled_by is None
        ]
        stage = self.severity.latest_stage({rh.rule.cls for rh in stage_hits})
        denied = any(rh.cancelled_by is None for rh in by_cls.get("denied", []))
        stage_hits += [rh for rh in by_cls.get("denied", []) if rh.cancelled_by is None]
        analysis = Analysis(doc, mentions, linked, rejected, topics, stage_hits, stage, denied)
        analysis.matches = self._matches(analysis)
        return analysis

    def _matches(self, a: Analysis) -> list[Match]:
        tagged = [t for t in a.topics if t.tagged]
        topic_ids = tuple(t.spec.id for t in tagged)
        evidence: list[Evidence] = []
        for t in tagged:
            per_rule: dict[str, int] = defaultdict(int)
            for rh in t.hits:
                if rh.cancelled_by is None and per_rule[rh.rule.id] < MAX_EVIDENCE_PER_RULE:
                    per_rule[rh.rule.id] += 1
                    evidence.append(Evidence(rh.rule.qualified_id, rh.text, rh.sentence, rh.field, t.spec.id))
        money = self.severity.largest_amount(a.doc.text) if tagged else 0.0
        severity = (
            self.severity.grade([self._topic_of[t] for t in topic_ids], a.stage, money) if tagged else "low"
        )
        out: list[Match] = []
        for ticker, salience in sorted(a.linked.items(), key=lambda kv: -kv[1]):
            company = self.companies.company(ticker)
            cev = tuple(
                Evidence(f"company.{m.kind}", m.text, a.doc.sentence(m.start), m.field)
                for m in a.mentions.get(ticker, [])[:5]
                if m.valid
            )
            out.append(
                Match(
                    ticker,
                    company.name,
                    topic_ids,
                    severity,
                    a.stage,
                    a.denied,
                    tuple(evidence),
                    cev,
                    salience,
                )
            )
        return out

    def match(self, article: Article) -> list[Match]:
        """One Match per watched company the article is about (topics may be empty)."""
        return self.analyse(article).matches

    def match_text(self, title: str, lead: str = "", body: str = "") -> list[Match]:
        return self.analyse_doc(Doc.from_parts(title, lead, body)).matches


def topic_ids(topics: Iterable[TopicSpec]) -> list[str]:
    return [t.id for t in topics]
